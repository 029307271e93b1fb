from django.db import models
from django.db.models import Q

from .sessions import Session


class StaffGroup(models.TextChoices):
    NOT_GIVEN = "", "Not given"
    NURSE = "nurse", "Nurse"
    HEALTHCARE_ASSISTANT = "hca", "Healthcare assistant"
    DOCTOR = "doctor", "Doctor or ANP"
    THERAPIST = "therapist", "Psychologist or therapist"
    ADMIN = "admin", "Admin"
    PRISON_STAFF = "prison", "Prison staff"
    OTHER = "other", "Other"


class Attendance(models.Model):
    """Anonymous counts for one session and, optionally, one staff group.

    Privacy rule 1: there is deliberately no user, name, email, address, device or time
    here; the session is the finest grain. tests/models/test_evidence.py fails if a field
    is added, so adding one is a decision, not an accident.
    """

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    staff_group = models.CharField(max_length=20, choices=StaffGroup.choices, blank=True, default=StaffGroup.NOT_GIVEN)
    seen = models.IntegerField(default=0, help_text="People who were seen.")
    not_seen = models.IntegerField(default=0, help_text="People who came but could not be seen in time.")

    class Meta:
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "staff_group"],
                name="%(app_label)s_%(class)s_one_row_per_group",
                violation_error_message="This session already has counts for this staff group.",
            ),
            models.CheckConstraint(
                condition=Q(staff_group__in=StaffGroup.values),
                name="%(app_label)s_%(class)s_staff_group_known",
                violation_error_message="Choose a staff group from the list.",
            ),
            models.CheckConstraint(
                condition=Q(seen__gte=0),
                name="%(app_label)s_%(class)s_seen_not_negative",
                violation_error_message="The number seen cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(not_seen__gte=0),
                name="%(app_label)s_%(class)s_not_seen_not_negative",
                violation_error_message="The number not seen cannot be negative.",
            ),
        ]

    def __str__(self):
        group = self.get_staff_group_display()
        return f"{self.session}: {group}"


class TallyStep(models.Model):
    """One press of a tally button, kept only so the last one can be undone.

    Like Attendance it holds no person and no time: only the order of presses in a session.
    """

    class Action(models.TextChoices):
        ARRIVED = "arrived", "Someone arrived"
        STARTED = "started", "Started seeing the next person"
        FINISHED = "finished", "Finished"
        LEFT = "left", "Left without being seen"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="tally_steps")
    action = models.CharField(max_length=20, choices=Action.choices)
    staff_group = models.CharField(max_length=20, choices=StaffGroup.choices, blank=True, default=StaffGroup.NOT_GIVEN)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.session}: {self.get_action_display()}"


class AttendanceCorrection(models.Model):
    """A supervisor's correction of a session's totals after it ended, with the reason kept."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="corrections")
    seen_before = models.PositiveIntegerField()
    not_seen_before = models.PositiveIntegerField()
    seen_after = models.PositiveIntegerField()
    not_seen_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)

    def __str__(self):
        return f"{self.session}: {self.reason}"
