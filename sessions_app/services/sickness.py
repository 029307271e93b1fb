"""Sickness absence per team and month, entered by hand, and the table of a site's recent figures.

Files of many months are read by sickness_csv.py and imported, after a preview, by sickness_import.py.
"""
import dataclasses
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import SicknessRecord, Site, Team, User
from .audit import audit_record
from .sickness_csv import figure_shown, month_label, months_ahead, rate_shown


# Whole months only

MONTH_NOT_ENDED_ANYWAY = "This month has not ended: enter it anyway"


def month_ended(*, site: Site, month: datetime.date, now: datetime.datetime) -> bool:
    """Return whether the month has ended at the site, in its time zone."""
    return now.astimezone(site.zone).date() >= months_ahead(month, 1)


def month_not_ended_message(*, site: Site, months: list[datetime.date]) -> str:
    """Return why figures for months that have not ended at the site are refused, and how to go ahead."""
    named = ", ".join(month_label(month) for month in sorted(months))
    return (f"{named} {'has' if len(months) == 1 else 'have'} not ended at {site.name} yet, so a rate for "
            f"{'it' if len(months) == 1 else 'them'} would be for part of a month beside whole ones. Enter "
            f"{'it' if len(months) == 1 else 'them'} once the month has ended, or tick "
            f"“{MONTH_NOT_ENDED_ANYWAY}”.")


def months_not_ended_check(*, site: Site, months: list[datetime.date], now: datetime.datetime,
                           month_not_ended: bool) -> None:
    """Refuse figures for months not yet ended at the site, unless the person confirmed them."""
    early = sorted({month for month in months if not month_ended(site=site, month=month, now=now)})
    if early and not month_not_ended:
        raise ValidationError(month_not_ended_message(site=site, months=early), code="month_not_ended")


# One team-month by hand


def _figures(record: SicknessRecord | None) -> dict | None:
    if record is None:
        return None
    return {"team": record.team.slug, "month": f"{record.month:%Y-%m}",
            "fte_days_lost": str(record.fte_days_lost), "fte_days_available": str(record.fte_days_available)}


def sickness_save(*, actor: User, team: Team, month: datetime.date, fte_days_lost: Decimal,
                  fte_days_available: Decimal, month_not_ended: bool = False) -> tuple[SicknessRecord, bool]:
    """Save one team's figures for a month, replacing any already there; return it and whether it replaced.

    A month that has not ended at the team's site is refused unless `month_not_ended` confirms it.
    """
    months_not_ended_check(site=team.site, months=[month], now=timezone.now(), month_not_ended=month_not_ended)
    cent = Decimal("0.01")
    fte_days_lost, fte_days_available = fte_days_lost.quantize(cent), fte_days_available.quantize(cent)
    figures = {"fte_days_lost": fte_days_lost, "fte_days_available": fte_days_available}
    with transaction.atomic():
        # get_or_create copes with two managers saving the same new team-month at once.
        record, created = SicknessRecord.objects.select_for_update().get_or_create(team=team, month=month,
                                                                                   defaults=figures)
        before = None if created else _figures(record)
        if not created:
            record.fte_days_lost, record.fte_days_available = fte_days_lost, fte_days_available
            record.save(update_fields=[*figures, "updated_at"])
        audit_record(actor=actor, action="edit" if before else "create", obj=record, before=before,
                     after=_figures(record))
    return record, before is not None


# The list


@dataclasses.dataclass(frozen=True)
class SicknessLine:
    record: SicknessRecord

    @property
    def month_label(self) -> str:
        return month_label(self.record.month)

    @property
    def lost(self) -> str:
        return figure_shown(self.record.fte_days_lost)

    @property
    def available(self) -> str:
        return figure_shown(self.record.fte_days_available)

    @property
    def rate(self) -> str:
        return rate_shown(lost=self.record.fte_days_lost, available=self.record.fte_days_available)


def sickness_recent(*, site: Site, months: int = 24) -> list[SicknessLine]:
    """Return a site's figures for the newest `months` months that have any, newest first, in two queries."""
    records = SicknessRecord.objects.filter(team__site=site)
    newest = records.order_by("-month").values_list("month", flat=True).first()
    if newest is None:
        return []
    since = months_ahead(newest, 1 - months)
    return [SicknessLine(record) for record in
            records.filter(month__gte=since).select_related("team").order_by("-month", "team__name", "pk")]
