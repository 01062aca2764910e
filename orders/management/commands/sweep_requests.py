from django.core.management.base import BaseCommand

from orders.requests.sweep import requests_sweep


class Command(BaseCommand):
    help = (
        "One pass of the request sweep: reminders at the answer window's end, requests going through, "
        "lapses, and disputes waiting for a moderator. Prints what it did."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        result = requests_sweep(batch_size=batch_size)
        self.stdout.write(str(result))
        if result.failed:
            self.stderr.write(f"failed requests (pushed forward): {', '.join(map(str, result.failed))}")
        if result.stalled:
            self.stderr.write("the pass stopped: a batch held only requests it had already handled (see the error log)")
