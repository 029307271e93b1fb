import datetime

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from .constraints import PostgresExclusionConstraint, TsTzRange
from .places import Room, Site, Team

MAX_SESSION_LENGTH = datetime.timedelta(hours=4)
# Each rule's sentence, written once: the constraint, clean(), the forms and the services all say this.
CANCEL_REASON_NEEDED = "Give a reason for cancelling, so staff know why."
ROOM_AT_ANOTHER_SITE = "This room is at another site. Choose a room at this site."
NOT_SITE_SUPERVISOR = "Choose one of this site's supervisors to run it: the person chosen does not supervise here."
CHOOSE_SUPERVISOR = "Choose who runs it: one of this site's supervisors."
IS_CANCELLED = "This session is cancelled. Add a new session instead."


MAX_SERIES_DAYS = 366


class Series(models.Model):
    """A regular rule that makes sessions: chosen weekdays, every N weeks, between two dates."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="series")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="series", null=True, blank=True)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="series")
    weekdays = models.JSONField(help_text="Weekday numbers, Monday 0 to Sunday 6.")
    every_weeks = models.PositiveSmallIntegerField("every how many weeks", default=1)
    starts_on = models.DateField()
    ends_on = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    on_bank_holidays = models.BooleanField(
        "runs on bank holidays", default=False,
        help_text="Left unticked, dates that fall on the site's bank holidays are skipped.",
    )
    skip_dates = models.JSONField(default=list, blank=True, help_text="Dates (YYYY-MM-DD) with no session.")
    audience_teams = models.ManyToManyField(Team, blank=True, related_name="series")
    public_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_ends_on_or_after_start",
                violation_error_message="The last date must be on or after the first date.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__lte=F("starts_on") + datetime.timedelta(days=MAX_SERIES_DAYS)),
                name="%(app_label)s_%(class)s_at_most_a_year",
                violation_error_message="A series can run for at most a year.",
            ),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=8),
                name="%(app_label)s_%(class)s_every_1_to_8_weeks",
                violation_error_message="Repeat every 1 to 8 weeks.",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="%(app_label)s_%(class)s_ends_after_it_starts",
                violation_error_message="Sessions must end after they start.",
            ),
        ]

    def __str__(self):
        return f"{self.site}: every {self.every_weeks} week(s) from {self.starts_on} to {self.ends_on}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class SessionKind(models.TextChoices):
    REGULAR = "regular", "Regular"
    AD_HOC = "ad_hoc", "Ad hoc"
    EXTRA = "extra", "Extra"


class RoomBooking(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed"
    TO_REQUEST = "to_request", "To request"
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"

    @classmethod
    def to_start_with(cls, room) -> str:
        """Return a new (or moved) session's booking: a room someone books must be asked for again."""
        return cls.TO_REQUEST if room is not None and room.needs_booking else cls.NOT_NEEDED


class SessionQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(status=Session.Status.SCHEDULED)

    def at_site(self, site: Site):
        return self.filter(site=site)

    def for_team(self, team: Team):
        """Return sessions open to the team: those for it, and those for everyone at its site."""
        return self.filter(Q(audience_teams=team) | Q(audience_teams__isnull=True), site_id=team.site_id).distinct()

    def overlapping(self, starts_at: datetime.datetime, ends_at: datetime.datetime):
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def between(self, start: datetime.datetime, end: datetime.datetime):
        """Return sessions not yet over at `start` that begin before `end`."""
        return self.filter(ends_at__gt=start, starts_at__lt=end)

    def for_display(self):
        """Fetch everything a listing shows in a fixed number of queries."""
        return self.select_related("site", "room", "supervisor").prefetch_related("audience_teams")


class Session(models.Model):
    """One drop-in window: no booking, staff just turn up."""

    Status = SessionStatus
    Kind = SessionKind
    RoomBooking = RoomBooking

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions",
        help_text="The regular series that made this session, if any.",
    )
    occurrence_date = models.DateField(
        null=True, blank=True, editable=False,
        help_text="The date in its series this session stands for, even after it is moved alone.",
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="sessions", null=True, blank=True,
        help_text="Leave empty while a room is still being found.",
    )
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(
        max_length=200, blank=True, help_text="Shown to staff, e.g. “Supervisor needed on the wing”."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.AD_HOC)
    room_booking = models.CharField(
        "room booking", max_length=20, choices=RoomBooking.choices, default=RoomBooking.NOT_NEEDED
    )
    room_requested_on = models.DateField(
        null=True, blank=True, help_text="When the room was requested from the prison's booking contact."
    )
    room_booking_note = models.CharField(max_length=300, blank=True)
    audience_teams = models.ManyToManyField(
        Team, blank=True, related_name="sessions",
        help_text="Leave empty for everyone at the site.",
    )
    public_note = models.CharField(max_length=300, blank=True, help_text="Shown to staff with the session.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Live tally while the session runs. Counts only: never who, never when.
    waiting = models.PositiveIntegerField(default=0, editable=False)
    in_session = models.PositiveIntegerField(default=0, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Grows on every change so calendar clients take the newest."
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            # The upcoming page and the feeds read by time, often within one site.
            models.Index(fields=["site", "starts_at"], name="session_site_starts_idx"),
            models.Index(fields=["starts_at"], name="session_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_it_starts",
                violation_error_message="The session must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + MAX_SESSION_LENGTH),
                name="%(app_label)s_%(class)s_at_most_four_hours",
                violation_error_message="A session can be at most 4 hours long.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values),
                name="%(app_label)s_%(class)s_status_known",
                violation_error_message="Choose a status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values),
                name="%(app_label)s_%(class)s_kind_known",
                violation_error_message="Choose a kind of session from the list.",
            ),
            models.CheckConstraint(
                condition=Q(room_booking__in=RoomBooking.values),
                name="%(app_label)s_%(class)s_room_booking_known",
                violation_error_message="Choose a room booking status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled") | ~Q(cancel_reason=""),
                name="%(app_label)s_%(class)s_cancelled_has_a_reason",
                violation_error_message=CANCEL_REASON_NEEDED,
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True, occurrence_date__isnull=True)
                | Q(series__isnull=False, occurrence_date__isnull=False),
                name="%(app_label)s_%(class)s_series_sessions_have_a_date",
                violation_error_message="A session in a series needs its date in the series, and only then.",
            ),
            models.UniqueConstraint(
                fields=["series", "occurrence_date"],
                name="%(app_label)s_%(class)s_one_per_series_date",
                violation_error_message="This series already has a session for that date.",
            ),
            PostgresExclusionConstraint(
                name="%(app_label)s_%(class)s_room_not_double_booked",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(status="scheduled"),
            ),
            PostgresExclusionConstraint(
                name="%(app_label)s_%(class)s_supervisor_not_double_booked",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("supervisor", RangeOperators.EQUAL),
                ],
                condition=Q(status="scheduled"),
            ),
        ]

    def __str__(self):
        local = self.local_starts_at
        return f"{self.site} {local:%a %d %b %Y %H:%M}" if local else f"Session {self.pk}"

    def get_absolute_url(self):
        return reverse("session_detail", args=[self.pk])

    def clean(self):
        errors = []
        if self.room_id and self.site_id and self.room.site_id != self.site_id:
            errors.append(ValidationError(ROOM_AT_ANOTHER_SITE, code="room_site"))
        if self.room_id and not self.room.is_active and self._room_changed():
            errors.append(ValidationError("This room is no longer in use. Choose an active room.", code="room_inactive"))
        if self.starts_at and self.ends_at and self.status == self.Status.SCHEDULED:
            clashes = Session.objects.scheduled().overlapping(self.starts_at, self.ends_at).exclude(pk=self.pk)
            if self.room_id and clashes.filter(room_id=self.room_id).exists():
                errors.append(ValidationError(
                    "This room already has a session at that time. Choose another room or time.",
                    code="room_double_booked",
                ))
            if self.supervisor_id and clashes.filter(supervisor_id=self.supervisor_id).exists():
                errors.append(ValidationError(
                    "This supervisor already has a session at that time. Choose another time.",
                    code="supervisor_double_booked",
                ))
        if errors:
            raise ValidationError(errors)

    def _room_changed(self) -> bool:
        if self._state.adding:
            return True
        return not Session.objects.filter(pk=self.pk, room_id=self.room_id).exists()

    def save(self, *args, update_fields=None, **kwargs):
        # Calendar clients keep the copy with the highest SEQUENCE, so every change counts.
        if self._state.adding:
            return super().save(*args, update_fields=update_fields, **kwargs)
        if update_fields is not None:
            update_fields = {*update_fields, "sequence", "updated_at"}
        stored_sequence = self.sequence
        self.sequence = F("sequence") + 1
        try:
            super().save(*args, update_fields=update_fields, **kwargs)
        except Exception:
            self.sequence = stored_sequence
            raise
        self.refresh_from_db(fields=["sequence"])

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_extra(self) -> bool:
        return self.kind == self.Kind.EXTRA

    @property
    def local_starts_at(self) -> datetime.datetime | None:
        return self.starts_at.astimezone(self.site.zone) if self.starts_at and self.site_id else None

    @property
    def local_ends_at(self) -> datetime.datetime | None:
        return self.ends_at.astimezone(self.site.zone) if self.ends_at and self.site_id else None
