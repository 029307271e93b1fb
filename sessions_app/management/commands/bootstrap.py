from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...services.people import administrator_create, password_set_link


class Command(BaseCommand):
    help = ("Make the first service administrator of a new deployment, and print a one-time link for her to "
            "choose a password (no createsuperuser needed). She then invites the first managers from People.")

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="the administrator's work email address; she signs in with it")

    def handle(self, *args, email: str, **options):
        try:
            user = administrator_create(email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        self.stdout.write(f"Service administrator {user.email} made. To choose a password, open this link within "
                          f"{hours} hours (it works once):\n{password_set_link(user=user)}")
