import datetime
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


def validate_time_zone(value: str) -> None:
    """Refuse a name that is not an IANA time zone, such as “Europe/London”."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Enter a time zone such as Europe/London.", code="invalid_time_zone")


def address_list(value: str) -> list[str]:
    """Return the email addresses in a text of one a line (commas and semicolons also part them)."""
    return [part.strip() for part in value.replace(",", "\n").replace(";", "\n").splitlines() if part.strip()]


def validate_address_list(value: str) -> None:
    from django.core.validators import validate_email

    for address in address_list(value):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError("“%(address)s” is not an email address. Enter one address a line.",
                                  code="invalid_address", params={"address": address[:80]})


def default_lunch_start() -> datetime.time:
    return datetime.time(12, 0)


def default_lunch_end() -> datetime.time:
    return datetime.time(13, 0)


# The lunch defaults are functions, not fixed times: Django's check warns of a fixed time default
# (fields.W161) when it runs within 10 seconds of that time of day, and `check --deploy` must be clean.
class Site(models.Model):
    """A workplace, such as one prison."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, help_text="Short name used in web addresses, e.g. “hmp-northgate”.")
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="Session times are shown in this time zone.",
    )
    lunch_starts_at = models.TimeField(
        default=default_lunch_start, help_text="When prisoners are locked up for lunch and work is quieter."
    )
    lunch_ends_at = models.TimeField(default=default_lunch_end)
    minutes_per_person = models.PositiveSmallIntegerField(
        default=15, help_text="Time a supervisor usually spends with one person; used to judge capacity."
    )
    announcement_addresses = models.TextField(
        blank=True, validators=[validate_address_list],
        help_text="Where announcements go: the teams' distribution lists, one address a line.",
    )
    service_started_on = models.DateField(
        "drop-in service started on", null=True, blank=True,
        help_text="The day drop-ins began here, so insights can compare before and after.",
    )
    supervisors = models.ManyToManyField(
        "sessions_app.User", blank=True, related_name="supervised_sites",
        help_text="Supervisors who run drop-ins here and may change its sessions and rooms.",
    )
    managers = models.ManyToManyField(
        "sessions_app.User", blank=True, related_name="managed_sites",
        help_text="Managers of this site: they set it up, invite its people and see its insights.",
    )
    class BankHolidays(models.TextChoices):
        ENGLAND_AND_WALES = "ENG", "England and Wales"
        SCOTLAND = "SCT", "Scotland"
        NORTHERN_IRELAND = "NIR", "Northern Ireland"

    bank_holidays = models.CharField(
        "bank holidays of", max_length=3, choices=BankHolidays.choices, default=BankHolidays.ENGLAND_AND_WALES,
        help_text="Regular sessions skip these bank holidays unless told otherwise.",
    )
    service_name = models.CharField(
        "what the service is called here", max_length=100, blank=True,
        help_text="Leave empty for the service's usual name, e.g. “Restorative supervision drop-in”.",
    )
    supervisor_described = models.CharField(
        "who runs sessions, in a few words", max_length=100, default="a senior nurse",
        help_text="Said on the poster and the report, e.g. “a senior nurse” or “a psychologist”.",
    )
    time_described = models.CharField(
        "why sessions are at that time, in a few words", max_length=150, blank=True,
        help_text="E.g. “over lunch, when prisoners are locked up and work is quieter”. Leave empty to say nothing.",
    )
    # Calendar feeds show the site's name: a change must reach subscribed calendars.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="%(app_label)s_%(class)s_unique_slug",
                violation_error_message="Another site already uses this short name. Choose a different one.",
            ),
            models.CheckConstraint(
                condition=Q(lunch_ends_at__gt=F("lunch_starts_at")),
                name="%(app_label)s_%(class)s_lunch_ends_after_it_starts",
                violation_error_message="Lunch must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(bank_holidays__in=["ENG", "SCT", "NIR"]),
                name="%(app_label)s_%(class)s_bank_holidays_known",
                violation_error_message="Choose England and Wales, Scotland or Northern Ireland.",
            ),
            models.CheckConstraint(
                condition=Q(minutes_per_person__gte=1, minutes_per_person__lte=240),
                name="%(app_label)s_%(class)s_minutes_per_person_in_range",
                violation_error_message="Minutes per person must be between 1 and 240.",
            ),
        ]

    def __str__(self):
        return self.name

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def addresses(self) -> list[str]:
        return address_list(self.announcement_addresses)

    @property
    def service_called(self) -> str:
        """Return what the service is called at this site: its own name if it has one, else the usual one."""
        return self.service_name or settings.DROPIN_SERVICE_NAME


class Team(models.Model):
    """A group of staff at a site: mental health in-reach, primary care, prison officers…"""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, help_text="Short name used in web addresses, e.g. “primary-care”.")
    service_started_on = models.DateField(
        "drop-in service started on", null=True, blank=True,
        help_text="Only if this team began later than its site; otherwise the site's date is used.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="A retired team keeps its figures but is not offered for new sessions.",
    )
    updated_at = models.DateTimeField(auto_now=True)  # its feed's name changes with it

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "slug"],
                name="%(app_label)s_%(class)s_unique_slug_per_site",
                violation_error_message="Another team at this site already uses this short name.",
            ),
        ]

    def __str__(self):
        return self.name


class Room(models.Model):
    """A place at a site where sessions can run, with what makes it suitable."""

    class Owner(models.TextChoices):
        HEALTHCARE = "healthcare", "Healthcare"
        PRISON = "prison", "Prison"
        OTHER = "other", "Other"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=100)
    directions = models.TextField(
        blank=True, help_text="Where the room is and how to get there, as staff would say it."
    )
    seats = models.PositiveSmallIntegerField(default=2)
    is_private = models.BooleanField("private", default=False, help_text="Conversations cannot be overheard.")
    is_comfortable = models.BooleanField("comfortable", default=False, help_text="Soft seating, calm, not clinical.")
    is_not_working_office = models.BooleanField(
        "not a working office", default=False, help_text="Nobody else needs to work in it during a session."
    )
    has_step_free_access = models.BooleanField("step-free access", default=False)
    owner = models.CharField(max_length=20, choices=Owner.choices, default=Owner.PRISON)
    booking_contact = models.CharField(
        max_length=200, blank=True, help_text="Who books it, e.g. “Prison admin, ext 4412”."
    )
    booking_email = models.EmailField(
        "booking contact's email", blank=True,
        help_text="Where room requests are sent, e.g. the prison admin office's shared mailbox.",
    )
    is_active = models.BooleanField("active", default=True, help_text="Inactive rooms cannot be used for new sessions.")
    updated_at = models.DateTimeField(auto_now=True)  # feeds and posters show its name and directions

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="%(app_label)s_%(class)s_unique_name_per_site",
                violation_error_message="This site already has a room with this name.",
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1),
                name="%(app_label)s_%(class)s_has_a_seat",
                violation_error_message="A room needs at least 1 seat.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def needs_booking(self) -> bool:
        """Return whether someone books this room (its booking contact): each date must be asked for."""
        return bool(self.booking_contact.strip() or self.booking_email)

    @property
    def is_suitable(self) -> bool:
        """Return whether staff would feel safe here: private, comfortable and not an office."""
        return not self.unsuitable_because

    @property
    def unsuitable_because(self) -> list[str]:
        """Return what the suitability checklist finds wrong with the room, in words ([] if nothing)."""
        return [words for ok, words in ((self.is_private, "is not private"), (self.is_comfortable, "is not comfortable"),
                                        (self.is_not_working_office, "is a working office")) if not ok]
