from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse


class PublishedContractError(Exception):
    """A published contract version was about to change."""


class ContractQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self):
        """Return the current contract: the published version with the highest number, or None."""
        return self.published().order_by("-version").first()


class Contract(models.Model):
    """The supervision contract, in numbered versions. A published version never changes.

    The current version is always the highest-numbered published one, so there is exactly
    one current version as soon as any is published. The database refuses any update to a
    published row (a trigger; see migration 0002), so not even a bulk update can rewrite
    what staff agreed to.
    """

    SECTIONS = [
        ("purpose", "What restorative supervision is for"),
        ("what_to_expect", "What to expect in a drop-in"),
        ("confidentiality", "What stays confidential"),
        ("limits", "The limits of confidentiality"),
        ("records", "What is and is not written down"),
        ("supervisee_part", "Your part"),
        ("supervisor_part", "The supervisor’s part"),
        ("concerns", "How to raise a concern"),
    ]

    version = models.PositiveIntegerField(help_text="Numbered 1, 2, 3… Each version keeps its number for ever.")
    purpose = models.TextField("what restorative supervision is for")
    what_to_expect = models.TextField("what to expect in a drop-in")
    confidentiality = models.TextField("what stays confidential")
    limits = models.TextField(
        "the limits of confidentiality",
        help_text="Say plainly when confidentiality is broken: risk of harm to self or others, "
        "safeguarding, fitness to practise.",
    )
    records = models.TextField("what is and is not written down")
    supervisee_part = models.TextField("the supervisee’s part")
    supervisor_part = models.TextField("the supervisor’s part")
    concerns = models.TextField("how to raise a concern")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Empty while a draft. Once set, the version never changes."
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                name="%(app_label)s_%(class)s_unique_version",
                violation_error_message="There is already a contract with this version number.",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="%(app_label)s_%(class)s_version_from_one",
                violation_error_message="Version numbers start at 1.",
            ),
        ]

    def __str__(self):
        state = "published" if self.is_published else "draft"
        return f"Supervision contract version {self.version} ({state})"

    def get_absolute_url(self):
        return reverse("contract_version", args=[self.version])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def sections(self) -> list[tuple[str, str]]:
        """Return (heading, text) for each section, in reading order."""
        return [(heading, getattr(self, field)) for field, heading in self.SECTIONS]

    def _stored_is_published(self) -> bool:
        return (
            not self._state.adding
            and Contract.objects.filter(pk=self.pk, published_at__isnull=False).exists()
        )

    def clean(self):
        if self._stored_is_published():
            raise ValidationError(
                "This version is published and cannot be changed. Make a new draft version instead.",
                code="published",
            )

    def save(self, *args, **kwargs):
        if self._stored_is_published():
            raise PublishedContractError(f"Contract version {self.version} is published and never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_is_published():
            raise PublishedContractError(f"Contract version {self.version} is published and is kept for the record.")
        return super().delete(*args, **kwargs)
