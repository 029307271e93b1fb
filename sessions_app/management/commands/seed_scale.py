import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions_app.services.monthly_sums import roll_up
from sessions_app.services.scale import ESTATE_SITES, ESTATE_YEARS, ScaleError, scale_seed

MAX_FACTOR = 100


class Command(BaseCommand):
    help = (
        "Fill an empty database with an estate's data for load tests, in bulk: by default 120 sites and "
        "1,000 teams, lunchtime sessions on Tuesday to Thursday for 5 years and 8 weeks ahead with anonymous "
        "attendance, 250,000 pulse answers and 60 months of sickness figures per team; a 'manager' account "
        "(every site) and a supervisor a room. --factor N multiplies the volumes inside each site (rooms and "
        "supervisors side by side, so sessions and attendance; and pulse answers), not the sites, teams or "
        "months. Refuses a database that already has sites unless given --allow-existing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=ESTATE_SITES, help="How many sites (default 120).")
        parser.add_argument("--years", type=int, default=ESTATE_YEARS, help="Years of history (default 5).")
        parser.add_argument("--factor", type=int, default=1,
                            help="Multiply sessions, attendance and pulse answers by this (default 1).")
        parser.add_argument("--password", help="Password for every account made (development only). "
                                               "Without it they cannot sign in.")
        parser.add_argument("--allow-existing", action="store_true",
                            help="Add the scale sites to a database that already has other sites.")

    def handle(self, *args, sites, years, factor, password=None, allow_existing=False, **options):
        if password and not settings.DEBUG:
            raise CommandError("Refusing to set a password with DEBUG=false. Run seed_scale with DEBUG=true, "
                               "or without --password and sign in with accounts made by createsuperuser.")
        if not 1 <= factor <= MAX_FACTOR:
            raise CommandError(f"Give a --factor from 1 to {MAX_FACTOR}.")
        if sites < 1 or years < 1:
            raise CommandError("Give at least 1 site and 1 year.")
        started = time.monotonic()
        try:
            counts = scale_seed(sites=sites, years=years, factor=factor, now=timezone.now(), password=password,
                                allow_existing=allow_existing, progress=self.stdout.write)
        except ScaleError as error:
            raise CommandError(str(error))
        made = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        rolled = roll_up(now=timezone.now())  # what the hourly job would have done by now
        self.stdout.write(f"Scale data ready in {time.monotonic() - started:.0f} s: {made}; {rolled:,} site months rolled up.")
