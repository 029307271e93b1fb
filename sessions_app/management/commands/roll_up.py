from django.core.management.base import BaseCommand
from django.utils import timezone

from ...services.monthly_sums import roll_up


class Command(BaseCommand):
    help = ("Add up each site's closed months for the dashboards (run it from a job, hourly or nightly). "
            "--again adds every closed month up afresh, after a repair made in bulk or by plain SQL.")

    def add_arguments(self, parser):
        parser.add_argument("--again", action="store_true", help="add up every closed month again, not only new ones")

    def handle(self, *args, again: bool = False, **options):
        count = roll_up(now=timezone.now(), again=again)
        self.stdout.write(f"Rolled up {count} site month(s).")
