from django.core.management.base import BaseCommand

from orders.sweep import sweep


class Command(BaseCommand):
    help = "One pass of the deadline sweep: expiries, reminders, pickup reminders. Prints what it did."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        result = sweep(batch_size=batch_size)
        self.stdout.write(str(result))
        if result.failed:
            self.stderr.write(f"failed orders (pushed forward): {', '.join(map(str, result.failed))}")
        if result.stalled:
            self.stderr.write("the pass stopped: a batch held only orders it had already handled (see the error log)")
