from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

EMAIL_TAKEN = "Another account already uses this email address."


class User(AbstractUser):
    """A person who signs in: a supervisor or a manager. Staff never need an account."""

    display_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name staff see on the drop-in pages, e.g. “Sam Patel”.",
    )
    role_title = models.CharField(
        max_length=100,
        blank=True,
        help_text="The role staff see beside the name, e.g. “Senior Staff Nurse”.",
    )

    weekly_target_hours = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True,
        help_text="Hours a week off the floor for supervision, agreed with the manager.",
    )

    manages_all_sites = models.BooleanField(
        "manager of all sites", default=False,
        help_text="An area or trust lead: manages every site, including sites added later.",
    )

    # Her private calendar's address is signed with this number: renewing moves it on, so old addresses stop.
    calendar_version = models.PositiveIntegerField(default=0, editable=False)

    # Calendar feeds show a supervisor's name and role: a change must reach subscribed calendars.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # Invitations, password resets and sign-in by email all find one account by its address.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""),
                name="%(app_label)s_%(class)s_unique_email",
                violation_error_message=EMAIL_TAKEN,
            ),
        ]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class ProviderIdentity(models.Model):
    """Who a person is at an OpenID Connect provider: the provider's issuer and its subject identifier for her.

    Remembered at her first sign-in through the provider, so a later change of email at the provider neither
    locks her out nor lets whoever gets the old address in.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="provider_identities")
    issuer = models.CharField(max_length=255, help_text="The provider's issuer, exactly as its ID tokens give it.")
    subject = models.CharField(max_length=255, help_text="The provider's identifier for the person (the sub claim).")
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="%(app_label)s_%(class)s_one_account_per_subject",
                violation_error_message="This account at the provider already signs in to another Drop-in account.",
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="%(app_label)s_%(class)s_one_subject_per_account",
                violation_error_message="This Drop-in account already signs in with another account there.",
            ),
            models.CheckConstraint(
                condition=~Q(issuer="") & ~Q(subject=""), name="%(app_label)s_%(class)s_issuer_subject_given",
                violation_error_message="Give the provider's issuer and its identifier for the person.",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.issuer}"
