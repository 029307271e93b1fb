"""The measures that show whether drop-ins work: morale pulse, feedback, sickness absence.

Privacy rule 1 holds for the pulse as for attendance: no user, no time finer than the ISO
week, nothing about the browser or the address it came from.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from .places import Site, Team


class PulseScore(models.IntegerChoices):
    VERY_LOW = 1, "Very low"
    LOW = 2, "Low"
    OKAY = 3, "Okay"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


class Attended(models.TextChoices):
    NOT_ANSWERED = "", "Not answered"
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT = "prefer_not", "Prefer not to say"


class ShownAs(models.TextChoices):
    NOTHING = "", "Nothing: just the comment"
    NURSE = "nurse", "Nurse"
    ANP = "anp", "ANP/NMP"
    HCA = "hca", "Healthcare assistant"
    DOCTOR = "doctor", "Doctor"
    PRISON_OFFICER = "prison_officer", "Prison officer"
    ADMIN = "admin", "Admin"
    OTHER = "other", "Staff member"


class Pulse(models.Model):
    """One anonymous answer to “How are you feeling at work this week?”.

    tests/models/test_measures.py fails if a field is added: adding one is a privacy decision.
    """

    Score = PulseScore
    Attended = Attended

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="pulses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="pulses",
                             help_text="Empty when the person preferred not to say.")
    week = models.DateField(help_text="The Monday of the ISO week the answer belongs to; never the day or the time.")
    score = models.PositiveSmallIntegerField(choices=Score.choices)
    attended = models.CharField(
        "been to a drop-in in the last month", max_length=20, choices=Attended.choices, blank=True,
        default=Attended.NOT_ANSWERED,
    )

    class Meta:
        indexes = [
            # The dashboard reads a site's answers over a range of weeks.
            models.Index(fields=["site", "week"], name="pulse_site_week_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="%(app_label)s_%(class)s_score_1_to_5",
                violation_error_message="Choose an answer from very low to very good.",
            ),
            models.CheckConstraint(
                condition=Q(week__week_day=2),  # Django counts Sunday as 1, so Monday is 2
                name="%(app_label)s_%(class)s_week_is_a_monday",
                violation_error_message="A pulse answer keeps only its week: the Monday it starts on.",
            ),
            models.CheckConstraint(
                condition=Q(attended__in=Attended.values),
                name="%(app_label)s_%(class)s_attended_known",
                violation_error_message="Choose yes, no or prefer not to say.",
            ),
        ]

    def __str__(self):
        return f"{self.site}: week of {self.week}"

    def clean(self):
        if self.team_id and self.site_id and self.team.site_id != self.site_id:
            raise ValidationError({"team": "This team is at another site. Choose a team at this site."})


class Feedback(models.Model):
    """A short comment left with the pulse, shown on the public page only once a supervisor approves it.

    Deliberately not linked to a pulse answer: a comment and a score together could say who.
    """

    ShownAs = ShownAs
    MAX_LENGTH = 500

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="feedback")
    comment = models.TextField(max_length=MAX_LENGTH)
    shown_as = models.CharField("show me as", max_length=20, choices=ShownAs.choices, blank=True,
                                default=ShownAs.NOTHING, help_text="The only attribution ever shown.")
    week = models.DateField(help_text="The Monday of the week it was left; kept so old comments can be purged.")
    approved = models.BooleanField(default=False, help_text="Only approved comments are shown. Rejected ones are deleted.")

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-week", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shown_as__in=ShownAs.values),
                name="%(app_label)s_%(class)s_shown_as_known",
                violation_error_message="Choose how to be shown from the list.",
            ),
            models.CheckConstraint(
                condition=~Q(comment=""),
                name="%(app_label)s_%(class)s_has_a_comment",
                violation_error_message="Write a comment, or leave feedback out.",
            ),
            models.CheckConstraint(
                condition=Q(week__week_day=2),
                name="%(app_label)s_%(class)s_week_is_a_monday",
                violation_error_message="Feedback keeps only its week: the Monday it starts on.",
            ),
        ]

    def __str__(self):
        return f"{self.site}: {self.comment[:40]}"

    @property
    def attribution(self) -> str:
        return self.get_shown_as_display() if self.shown_as else ""


class SicknessRecord(models.Model):
    """A team's sickness absence for one calendar month; rate = FTE days lost / FTE days available."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="sickness")
    month = models.DateField(help_text="The first day of the calendar month.")
    fte_days_lost = models.DecimalField("FTE days lost", max_digits=9, decimal_places=2)
    fte_days_available = models.DecimalField("FTE days available", max_digits=9, decimal_places=2)
    # A corrected import can swap figures between rows and leave every total as it was: this still moves.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month"],
                name="%(app_label)s_%(class)s_one_per_team_month",
                violation_error_message="This team already has sickness figures for that month.",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="%(app_label)s_%(class)s_month_starts_on_the_first",
                violation_error_message="A month is stored as its first day.",
            ),
            models.CheckConstraint(
                condition=Q(fte_days_lost__gte=0),
                name="%(app_label)s_%(class)s_lost_not_negative",
                violation_error_message="FTE days lost cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(fte_days_available__gt=0),
                name="%(app_label)s_%(class)s_available_positive",
                violation_error_message="FTE days available must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(fte_days_lost__lte=F("fte_days_available")),
                name="%(app_label)s_%(class)s_lost_within_available",
                violation_error_message="FTE days lost cannot be more than FTE days available.",
            ),
        ]

    def __str__(self):
        return f"{self.team} {self.month:%Y-%m}"

    @property
    def rate(self) -> float:
        return float(self.fte_days_lost / self.fte_days_available)


class Measure(models.TextChoices):
    """The measures a manager may set a target for: each is one of the insights' XmR charts."""

    SESSIONS_HELD = "sessions_held", "Sessions held a month"
    PEOPLE_SEEN = "people_seen", "People seen a month"
    PEOPLE_NOT_SEEN = "people_not_seen", "People not seen a month"
    PULSE_MEAN = "pulse_mean", "Mean pulse score (1 to 5)"
    SICKNESS_RATE = "sickness_rate", "Sickness absence rate (%)"


# Each rule's message, written once: the constraints below say it, and so does the targets form.
TARGET_NOT_NEGATIVE = "A target cannot be below 0."
TARGET_PULSE_RANGE = "A pulse target is a mean score from 1 to 5."
TARGET_PERCENTAGE = "A sickness rate target is a percentage from 0 to 100."


class MeasureTarget(models.Model):
    """A site's target for one measure, which its XmR chart says whether the process will meet.

    Not personal data and nothing about a person's answers: a number a manager chose.
    """

    Measure = Measure
    NOT_NEGATIVE, PULSE_RANGE, PERCENTAGE = TARGET_NOT_NEGATIVE, TARGET_PULSE_RANGE, TARGET_PERCENTAGE

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="measure_targets")
    measure = models.CharField(max_length=20, choices=Measure.choices)
    value = models.DecimalField(max_digits=7, decimal_places=2,
                                help_text="A month's count, the mean pulse score, or the sickness rate in per cent.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "measure"],
                name="%(app_label)s_%(class)s_one_per_site_measure",
                violation_error_message="This site already has a target for that measure.",
            ),
            models.CheckConstraint(
                condition=Q(measure__in=Measure.values),
                name="%(app_label)s_%(class)s_measure_known",
                violation_error_message="Choose a measure from the list.",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="%(app_label)s_%(class)s_value_not_negative",
                violation_error_message=TARGET_NOT_NEGATIVE,
            ),
            models.CheckConstraint(
                condition=~Q(measure=Measure.PULSE_MEAN) | Q(value__gte=1, value__lte=5),
                name="%(app_label)s_%(class)s_pulse_1_to_5",
                violation_error_message=TARGET_PULSE_RANGE,
            ),
            models.CheckConstraint(
                condition=~Q(measure=Measure.SICKNESS_RATE) | Q(value__lte=100),
                name="%(app_label)s_%(class)s_sickness_a_percentage",
                violation_error_message=TARGET_PERCENTAGE,
            ),
        ]

    def __str__(self):
        return f"{self.site}: {self.get_measure_display()} {self.value}"
