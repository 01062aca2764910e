"""python manage.py seed_demo [--reset] [--orders N [--store SLUG] [--batch N] [--no-history]]

Without options: the demo (users, a moderators group, three stores, offers and orders in
every status made through the services). It is skipped when the demo already exists, so
running it twice changes nothing; `--reset` removes the demo stores first and makes them anew.
`--orders N` then adds N orders fast for benchmarks (COPY on PostgreSQL, see orders/seed/bulk.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders.seed import bulk, demo
from orders.seed.purge import purge
from sellers.models import Store


class Command(BaseCommand):
    help = "Create demo users, stores and orders (idempotent); --orders N adds N orders fast for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Remove the demo stores and their orders first.")
        parser.add_argument("--orders", type=int, default=0, metavar="N", help="Add N orders through the bulk path.")
        parser.add_argument(
            "--store", metavar="SLUG", help="Put the --orders in this store (default: spread over the demo stores)."
        )
        parser.add_argument("--batch", type=int, default=20_000, help="Orders per COPY batch (default 20000).")
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Write no history rows for the --orders (faster; their timelines stay empty).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed of the --orders (repeatable data).")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run although DEBUG is off (the demo users have a known password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates users with a known password: run it with DEBUG=1 "
                "(or pass --allow-production if you really mean it)."
            )
        if options["orders"] < 0 or options["batch"] < 1:
            raise CommandError("--orders must be 0 or more and --batch at least 1.")

        store = options["store"]
        if store and store not in demo.DEMO_SLUGS and not Store.objects.filter(slug=store).exists():
            raise CommandError(f"No store with slug {store!r}.")

        if options["reset"]:
            with transaction.atomic():
                removed = purge(Store.objects.filter(slug__in=demo.DEMO_SLUGS))
            self.stdout.write(f"Removed {removed} demo store(s) and everything in them.")

        if demo.demo_exists():
            logins, _users = demo.ensure_users()
            self.stdout.write("Demo data already present: nothing added (use --reset to make it anew).")
        else:
            logins, made = demo.create_demo(reset_passwords=options["reset"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo: {len(demo.STORES)} stores, {made} orders in every status (made through the services)."
                )
            )

        if options["orders"]:
            self._bulk(options)
        self._print_logins(logins)

    def _bulk(self, options) -> None:
        if options["store"]:
            stores = list(Store.objects.filter(slug=options["store"]))
            if not stores:
                raise CommandError(f"No store with slug {options['store']!r}.")
        else:
            stores = list(Store.objects.filter(slug__in=demo.DEMO_SLUGS).order_by("pk"))
        count = options["orders"]
        verbose = options["verbosity"] >= 1

        def progress(result: bulk.Result) -> None:
            if verbose:
                rate = result.orders / result.seconds if result.seconds else 0
                self.stdout.write(
                    f"  {result.orders:>10,} / {count:,} orders  {result.seconds:7.1f} s  {rate:9,.0f} orders/s"
                )
                self.stdout.flush()

        try:
            result = bulk.add_orders(
                count,
                stores,
                batch_size=options["batch"],
                history=not options["no_history"],
                seed=options["seed"],
                progress=progress,
            )
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        rate = result.orders / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.orders:,} orders, {result.items:,} items, {result.history:,} history rows "
                f"to {', '.join(s.slug for s in stores)} in {result.seconds:.1f} s ({rate:,.0f} orders/s)."
            )
        )

    def _print_logins(self, logins: list[demo.Login]) -> None:
        site = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(f"Site:    {site}/")
        self.stdout.write(f"Admin:   {site}/admin/")
        self.stdout.write(f"Cabinet: {site}/cabinet/")
        self.stdout.write("Demo logins:")
        for login in logins:
            password = login.password or f"{demo.DEMO_PASSWORD} (unless changed since)"
            self.stdout.write(f"  {login.username:<20} {password:<34} {login.role}")
