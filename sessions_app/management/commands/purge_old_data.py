from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions_app.services.retention import data_purge, retention_cutoff
from sessions_app.services.tally import tally_steps_forget


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


class Command(BaseCommand):
    help = (
        "Delete anonymous pulse answers and feedback comments older than the retention period: every week "
        "whose Monday is before the first day of the month N months ago (N is DROPIN_RETENTION_MONTHS, default "
        "24, or --months); time away over for more than 30 days; and the order of tally presses of sessions that can no longer be tallied. For a "
        "scheduled job, e.g. monthly. Nothing else is touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None,
                            help="Keep this many whole months instead of DROPIN_RETENTION_MONTHS (1 or more).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be deleted; delete nothing.")

    def handle(self, *args, months, dry_run, **options):
        if months is None:
            months = settings.DROPIN_RETENTION_MONTHS
            if months < 1:
                raise CommandError(f"DROPIN_RETENTION_MONTHS is {months}: set it to 1 or more (the default is 24).")
        elif months < 1:
            raise CommandError(f"--months must be 1 or more, not {months}: it is how many whole months to keep.")
        now = timezone.now()
        cutoff = retention_cutoff(now=now, months=months)
        counts = data_purge(now=now, months=months, dry_run=dry_run)
        what = (f"{_count(counts['pulses'], 'pulse answer', 'pulse answers')} and "
                f"{_count(counts['feedback'], 'comment', 'comments')} older than {cutoff.day} {cutoff:%B %Y}; "
                f"{_count(counts['time away'], 'record', 'records')} of time away over for more than 30 days")
        if dry_run:
            self.stdout.write(f"Dry run: would delete {what}. Nothing was deleted.")
        else:
            steps = tally_steps_forget(now=now)
            self.stdout.write(f"Deleted {what}, and {_count(steps, 'tally step', 'tally steps')} of finished sessions.")
