from django.db import models

from .places import Site, Team


class MonthRollUp(models.Model):
    """One site's closed month, added up once (services/monthly_sums.py): the dashboards then read no raw row of it."""
    # Its sessions here, its pulse answers in PulseMonthRollUp. Rule 2 needs, beside each total, how many
    # sessions had a count under the threshold it was made with, and their sum.

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    threshold = models.PositiveSmallIntegerField()
    held = models.PositiveIntegerField()
    cancelled = models.PositiveIntegerField()
    held_seconds = models.BigIntegerField()
    seen = models.PositiveIntegerField()
    seen_small_sessions = models.PositiveIntegerField()
    seen_small_sum = models.PositiveIntegerField()
    not_seen = models.PositiveIntegerField()
    not_seen_small_sessions = models.PositiveIntegerField()
    not_seen_small_sum = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "month"], name="month_rollup_one_per_site_month",
                                               violation_error_message="A site's month is added up once.")]

    def __str__(self):
        return f"{self.site_id}: sessions of {self.month:%B %Y}"


class PulseMonthRollUp(models.Model):
    """One site's (or one team's) pulse answers of one closed month, by score: what the dashboards plan from."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    month = models.DateField()
    answers = models.PositiveIntegerField()
    score_sum = models.PositiveIntegerField()
    score_1 = models.PositiveIntegerField()
    score_2 = models.PositiveIntegerField()
    score_3 = models.PositiveIntegerField()
    score_4 = models.PositiveIntegerField()
    score_5 = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["site", "month"], name="pulse_rollup_site_month_idx")]

    def __str__(self):
        return f"{self.site_id}: pulse of {self.month:%B %Y}"
