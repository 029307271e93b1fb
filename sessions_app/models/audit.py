from django.conf import settings
from django.db import models


class AuditEntryError(Exception):
    """An audit entry was about to change or disappear."""


class AuditEntry(models.Model):
    """One change a supervisor or manager made: who, what, when, before and after. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_entries",
                              null=True, blank=True, help_text="Empty when someone without an account acted.")
    actor_address = models.EmailField(
        blank=True, help_text="Who acted without an account, e.g. the booking contact answering a room request."
    )
    action = models.CharField(max_length=40)
    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    object_type = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField(null=True, blank=True,
                                               help_text="Empty for a refused sign-in, which changed nothing.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor or self.actor_address}: {self.action} {self.object_type} {self.object_id}"

    @property
    def action_words(self) -> str:
        """Return the action as words a person reads: "room_answer" is "Room answer"."""
        return self.action.replace("_", " ").capitalize()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEntryError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryError("Audit entries are never deleted.")
