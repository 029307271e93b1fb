from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Role(models.TextChoices):
    """What a person may do at a site. Roles are held per site; a manager may also manage all sites."""

    SUPERVISOR = "supervisor", "Supervisor"
    MANAGER = "manager", "Manager"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An email asking a person to take a role at some sites, answered once through a link."""

    email = models.EmailField(help_text="Where the invitation goes; it becomes the person's sign-in address.")
    role = models.CharField(max_length=20, choices=Role.choices)
    sites = models.ManyToManyField("sessions_app.Site", blank=True, related_name="invitations")
    all_sites = models.BooleanField(
        "manager of all sites", default=False, help_text="Only for managers: every site, including later ones."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A resend moves this on, and the link signs it: so only the newest email's link works.
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_one_pending_per_email",
                violation_error_message="This address already has an invitation waiting. Resend it instead.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_accepted_or_revoked_not_both",
                violation_error_message="An invitation is accepted or withdrawn, not both.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                name="%(app_label)s_%(class)s_accepted_by_someone",
                violation_error_message="An accepted invitation names who accepted it.",
            ),
            models.CheckConstraint(
                condition=Q(all_sites=False) | Q(role=Role.MANAGER),
                name="%(app_label)s_%(class)s_all_sites_only_for_managers",
                violation_error_message="Only a manager can be given all sites.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="%(app_label)s_%(class)s_role_known",
                violation_error_message="Choose supervisor or manager.",
            ),
        ]

    def __str__(self):
        return f"Invitation to {self.email} ({self.get_role_display().lower()})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
