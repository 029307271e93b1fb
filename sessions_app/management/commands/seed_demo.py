from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions_app.services.demo import demo_seed
from sessions_app.services.monthly_sums import roll_up


class Command(BaseCommand):
    help = (
        "Create demo data: one prison site, three teams, two rooms, a published contract, a supervisor, a manager, "
        "ad hoc sessions every other Wednesday since drop-ins started five months ago, then a weekly Tuesday and "
        "Thursday lunchtime series: 4 weeks past (with anonymous counts) and 8 to come (one cancelled); and a year "
        "of anonymous pulse answers and sickness figures. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for the demo 'supervisor' and 'manager' accounts (development only). Without it they cannot sign in.",
        )

    def handle(self, *args, password=None, **options):
        if password and not settings.DEBUG:
            raise CommandError("Refusing to set a demo password with DEBUG=false. Create real accounts with createsuperuser.")
        result = demo_seed(password=password)
        rolled = roll_up(now=timezone.now())  # what the hourly job would have done by now
        self.stdout.write(f"Demo data ready: {result['sessions_created']} new session(s), {rolled} site months rolled up.")
