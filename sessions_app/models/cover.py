from django.conf import settings
from django.db import models
from django.db.models import F, Q

AWAY_ENDS_BEFORE_START = "The last day away must be on or after the first."


class TimeAwayQuerySet(models.QuerySet):
    def overlapping(self, first, last=None):
        """Return time away that takes in any day from first to last (just first, when last is not given)."""
        return self.filter(starts_on__lte=last or first, ends_on__gte=first)


class TimeAway(models.Model):
    """Days a supervisor is away (leave, training, an inspection): her sessions in them need cover."""

    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_away")
    starts_on = models.DateField("first day away")
    ends_on = models.DateField("last day away")
    note = models.CharField(
        max_length=200, blank=True,
        help_text="Seen only by supervisors and managers of her sites, e.g. “Annual leave”. Never shown to staff.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TimeAwayQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name_plural = "time away"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_ends_on_or_after_start",
                violation_error_message=AWAY_ENDS_BEFORE_START,
            ),
        ]

    def __str__(self):
        return f"{self.supervisor} away {self.starts_on} to {self.ends_on}"
