"""Rebuild the stores' per-day metrics from the orders, or `--check` that they agree (docs/rules.md §10)."""

from django.core.management.base import BaseCommand, CommandError

from orders import performance


class Command(BaseCommand):
    help = "Recompute the stores' per-day metrics from the ended orders; --check only reports differences."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences, change nothing")

    def handle(self, *args, check=False, **options):
        if check:
            found = performance.differences()
            for store_id, day, kept, fresh in found[:50]:
                self.stdout.write(f"store {store_id} {day}: stored {kept} != recomputed {fresh}")
            if found:
                raise CommandError(f"{len(found)} store days differ from the orders.")
            self.stdout.write("The metrics agree with the orders.")
            return
        self.stdout.write(f"{performance.replace()} store days written.")
