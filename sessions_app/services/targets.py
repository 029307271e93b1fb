"""A site's targets for its measures: set and cleared by its managers, read by the insights' charts."""
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..models import Measure, MeasureTarget, Site, User
from ..permissions import manages
from .audit import audit_record

NOT_YOUR_SITE = "Only a manager of this site may set its targets."


def measure_targets(*, site: Site) -> dict[str, Decimal]:
    """Return the site's targets by measure, in one query."""
    return dict(MeasureTarget.objects.filter(site=site).values_list("measure", "value"))


def chart_targets(*, site: Site) -> dict[str, float]:
    """Return the site's targets in the charts' own units, by measure: a sickness rate as a fraction, not per cent."""
    return {measure: float(value / 100 if measure == Measure.SICKNESS_RATE else value)
            for measure, value in measure_targets(site=site).items()}


@transaction.atomic
def measure_targets_save(*, actor: User, site: Site, values: dict[str, Decimal | None]) -> None:
    """Set, change or clear (None) the site's target for each measure given, auditing each change."""
    if not manages(actor, site):
        raise PermissionDenied(NOT_YOUR_SITE)
    # The site's row is locked first: with no targets yet there is no target row to lock, and two first
    # saves at once would both insert.
    Site.objects.select_for_update().filter(pk=site.pk).first()
    kept = {target.measure: target for target in MeasureTarget.objects.select_for_update().filter(site=site)}
    for measure, value in values.items():
        target = kept.get(measure)
        if target is None and value is None or target is not None and target.value == value:
            continue
        before = {"measure": measure, "value": _said(target.value)} if target else None
        if value is None:
            audit_record(actor=actor, action="delete", obj=target, before=before, reason="Measure target")
            target.delete()
            continue
        target = target or MeasureTarget(site=site, measure=measure)
        target.value, target.set_by = value, actor
        target.full_clean()
        target.save()
        audit_record(actor=actor, action="edit" if before else "create", obj=target, before=before,
                     after={"measure": measure, "value": _said(value)}, reason="Measure target")


def _said(value: Decimal) -> str:
    return f"{value.normalize():f}"  # 3.50 and 3.5 are one target
