from django.core.management.base import BaseCommand

from orders.tracking.polling import PASS_LIMIT, run_pass


class Command(BaseCommand):
    help = "One carrier tracking pass: asks about the parcels due and applies what changed. Prints what it did."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=PASS_LIMIT, help="the most parcels this pass takes")

    def handle(self, *args, limit: int, **options):
        result = run_pass(limit=limit)
        self.stdout.write(str(result))
        if result.errors:
            self.stderr.write(f"failed parcels (asked again later): {', '.join(map(str, result.errors))}")
