from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .places import Site


class Announcement(models.Model):
    """One email sent to a site's distribution lists: when, by whom, to how many, and what it listed."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", "Announcement"
        CHANGES = "changes", "Changes"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="announcements")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ANNOUNCEMENT)
    starts_on = models.DateField()
    ends_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="announcements", help_text="Empty when a scheduled job sent it.")
    recipients = models.PositiveIntegerField(help_text="How many addresses it went to.")
    # What it said of each listed session (when and where), so a later "changes" email can say what moved.
    sessions = models.JSONField(default=dict)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_ends_on_or_after_start",
                violation_error_message="The period must end on or after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["announcement", "changes"]),
                name="%(app_label)s_%(class)s_kind_known",
                violation_error_message="Choose a kind of email from the list.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.site}, {self.starts_on} to {self.ends_on}"
