from django.db import models
from django.db.models import Q


class RoomRequest(models.Model):
    """One email to a room's booking contact asking for dates; each date is answered through a signed link."""

    room = models.ForeignKey("sessions_app.Room", on_delete=models.PROTECT, related_name="requests")
    sent_to = models.EmailField()
    sent_by = models.ForeignKey("sessions_app.User", on_delete=models.PROTECT, related_name="room_requests")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.room} requested from {self.sent_to} at {self.sent_at:%Y-%m-%d %H:%M}"


class RoomRequestDate(models.Model):
    """One date asked for in a request, and the contact's answer (once)."""

    class Answer(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"

    request = models.ForeignKey(RoomRequest, on_delete=models.PROTECT, related_name="dates")
    session = models.ForeignKey("sessions_app.Session", on_delete=models.PROTECT, related_name="room_requests")
    # What was asked for: a link answers only that room at that time, never a session moved since.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    answer = models.CharField(max_length=20, choices=Answer.choices, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "session"], name="%(app_label)s_%(class)s_once_per_request",
                violation_error_message="This request already asks for that session.",
            ),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True)
                | Q(answer__in=["confirmed", "declined"], answered_at__isnull=False),
                name="%(app_label)s_%(class)s_answer_has_a_time",
                violation_error_message="An answer needs the time it was given, and only an answer has one.",
            ),
            models.CheckConstraint(
                condition=~Q(answer="declined") | ~Q(reason=""),
                name="%(app_label)s_%(class)s_decline_has_a_reason",
                violation_error_message="Say why the room cannot be booked, so the supervisor can find another.",
            ),
        ]

    def __str__(self):
        return f"{self.session} ({self.get_answer_display() or 'not answered'})"
