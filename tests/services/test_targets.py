"""A site's targets: set, changed and cleared by its managers only, each change in the audit trail."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from sessions_app.models import AuditEntry, MeasureTarget
from sessions_app.services.targets import chart_targets, measure_targets, measure_targets_save
from tests.factories import make_manager, make_site

pytestmark = pytest.mark.django_db


def test_a_manager_sets_changes_and_clears_targets_each_audited(site):
    manager = make_manager(site)
    measure_targets_save(actor=manager, site=site, values={"pulse_mean": Decimal("3.5"), "sickness_rate": None})
    measure_targets_save(actor=manager, site=site, values={"pulse_mean": Decimal("4"), "sickness_rate": Decimal("6")})
    measure_targets_save(actor=manager, site=site, values={"pulse_mean": None, "sickness_rate": Decimal("6")})
    assert measure_targets(site=site) == {"sickness_rate": Decimal("6")}
    assert MeasureTarget.objects.get().set_by == manager
    entries = AuditEntry.objects.filter(object_type="measuretarget").order_by("pk")
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("create", None, {"measure": "pulse_mean", "value": "3.5"}),
        ("edit", {"measure": "pulse_mean", "value": "3.5"}, {"measure": "pulse_mean", "value": "4"}),
        ("create", None, {"measure": "sickness_rate", "value": "6"}),
        ("delete", {"measure": "pulse_mean", "value": "4"}, None),
    ]


def test_saving_the_same_targets_again_changes_and_records_nothing(site):
    manager = make_manager(site)
    measure_targets_save(actor=manager, site=site, values={"people_seen": Decimal("30")})
    measure_targets_save(actor=manager, site=site, values={"people_seen": Decimal("30.00"), "people_not_seen": None})
    assert AuditEntry.objects.filter(object_type="measuretarget").count() == 1


def test_a_manager_of_another_site_or_a_supervisor_may_not(site, supervisor):
    for person in (make_manager(make_site()), supervisor):
        with pytest.raises(PermissionDenied):
            measure_targets_save(actor=person, site=site, values={"people_seen": Decimal("30")})
    assert not MeasureTarget.objects.exists()


def test_the_charts_read_a_sickness_target_as_a_fraction(site):
    measure_targets_save(actor=make_manager(site), site=site,
                         values={"sickness_rate": Decimal("4.5"), "sessions_held": Decimal("8")})
    assert chart_targets(site=site) == {"sickness_rate": 0.045, "sessions_held": 8.0}
