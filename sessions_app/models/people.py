from django.contrib.auth.models import AbstractUser
from django.db import models


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

    # Calendar feeds show a supervisor's name and role: a change must reach subscribed calendars.
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username
