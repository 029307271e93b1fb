from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sessions_app.models import Site
from sessions_app.services import announcements


class Command(BaseCommand):
    help = (
        "Email a site's distribution lists the drop-in sessions of the coming weeks, as the workspace's "
        "Announce page does. For a scheduled job. A second sending for the same period needs --again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="The site's short name, e.g. hmp-northgate.")
        parser.add_argument("--weeks", type=int, default=4, help="How many weeks from today (1 to 12; default 4).")
        parser.add_argument("--dry-run", action="store_true", help="Print the email; send and record nothing.")
        parser.add_argument("--again", action="store_true", help="Send even if this period was sent before.")

    def handle(self, *args, site, weeks, dry_run, again, **options):
        found = Site.objects.filter(slug=site).first()
        if found is None:
            raise CommandError(f"No site called “{site}”. Sites: {', '.join(Site.objects.values_list('slug', flat=True))}.")
        if not 1 <= weeks <= announcements.MAX_WEEKS:
            raise CommandError(f"--weeks must be from 1 to {announcements.MAX_WEEKS}.")
        starts_on, ends_on = announcements.period_for(site=found, weeks=weeks)
        email = announcements.announcement_build(site=found, starts_on=starts_on, ends_on=ends_on,
                                                 base_url=settings.DROPIN_BASE_URL)
        if dry_run:
            self.stdout.write(f"To: {', '.join(found.addresses) or '(no addresses yet)'}\nSubject: {email.subject}\n")
            self.stdout.write(email.text)
            self.stdout.write("Dry run: nothing was sent.")
            return
        try:
            record = announcements.email_send(email, actor=None, again=again)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages) + (" Use --again to send it anyway." if
                                                          isinstance(error, announcements.AlreadySent) else ""))
        self.stdout.write(f"Sent to {record.recipients} address(es): {email.subject}")
