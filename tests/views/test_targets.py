"""Targets: a manager sets them per site; the charts and the board then say whether each will be met."""
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app.dates import add_months
from sessions_app.models import Measure, MeasureTarget, SicknessRecord
from sessions_app.services import spc
from sessions_app.services.targets import measure_targets_save
from tests.factories import make_manager, make_site, make_team
from tests.helpers import ENDED_MONTH, page_tables, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_the_moment")]

FIRST = add_months(ENDED_MONTH, -13)
FOURTEEN_MONTHS = f"start={FIRST:%Y-%m}&end={ENDED_MONTH:%Y-%m}"
HIT_AND_MISS = ("Target 6%: hit and miss — the process limits straddle the target, so it will be met in some "
                "months and not others.")
TARGET_LINE = 'stroke-dasharray="2 3"'


@pytest.fixture
def sickness(site):
    """14 months of a stable sickness rate, 7% and 8% by turns: limits 4.84% to 10.16%."""
    team = make_team(site, name="Mental health", slug="mh")
    SicknessRecord.objects.bulk_create(
        SicknessRecord(team=team, month=add_months(FIRST, n), fte_days_lost=7 + n % 2, fte_days_available=100)
        for n in range(14))
    return team


def sickness_chart(client, query: str) -> str:
    html = client.get(f"/insights/?{query}").content.decode()
    return re.search(r"<svg class=\"dropin-chart dropin-xmr\"[^>]*><title>Sickness absence rate</title>.*?</svg>",
                     html, flags=re.S).group()


def test_a_manager_sets_and_clears_a_sites_targets(client, manager, site):
    client.force_login(manager)
    path = f"/insights/targets/?site={site.slug}"
    response = client.post(path, {"sessions_held": "8", "pulse_mean": "3.5", "sickness_rate": "6"})
    assert response.status_code == 302
    assert dict(MeasureTarget.objects.values_list("measure", "value")) == {
        "sessions_held": Decimal("8"), "pulse_mean": Decimal("3.5"), "sickness_rate": Decimal("6")}
    assert 'value="3.5"' in client.get(path).content.decode()
    client.post(path, {"sessions_held": "8", "pulse_mean": "", "sickness_rate": "6"})
    assert set(MeasureTarget.objects.values_list("measure", flat=True)) == {"sessions_held", "sickness_rate"}


def test_a_target_out_of_range_keeps_what_was_typed_and_saves_nothing(client, manager, site):
    client.force_login(manager)
    response = client.post(f"/insights/targets/?site={site.slug}",
                           {"people_seen": "30", "pulse_mean": "7", "sickness_rate": "4,5"})
    assert response.status_code == 200
    page = text(response)
    assert "A pulse target is a mean score from 1 to 5." in page and "Enter a number, for example 6 or 4.5." in page
    body = response.content.decode()
    assert 'value="30"' in body and 'value="7"' in body and 'value="4,5"' in body
    assert not MeasureTarget.objects.exists()


@pytest.mark.parametrize("asked", ["hmp-nowhere", "hmp-southbank"], ids=["unknown", "not hers"])
def test_targets_are_never_saved_to_a_site_other_than_the_one_asked_for(client, site, asked):
    """A site that does not exist, or that she does not manage, is not found: not her first site in its place."""
    make_site(name="HMP Southbank", slug="hmp-southbank")
    client.force_login(make_manager(site))
    path = f"/insights/targets/?site={asked}"
    assert client.get(path).status_code == 404
    assert client.post(path, {"sessions_held": "8"}).status_code == 404
    assert not MeasureTarget.objects.exists()
    assert client.get("/insights/targets/").context["site"] == site  # none asked for: her first


def test_the_targets_form_posts_to_its_own_site(client, site):
    other = make_site(name="HMP Southbank", slug="hmp-southbank")
    client.force_login(make_manager(site, other))
    assert 'action="?site=hmp-southbank"' in client.get(f"/insights/targets/?site={other.slug}").content.decode()
    client.post(f"/insights/targets/?site={other.slug}", {"sessions_held": "8"})
    assert list(MeasureTarget.objects.values_list("site__slug", "measure")) == [("hmp-southbank", "sessions_held")]


def test_the_service_start_page_links_to_the_targets(client, manager, site):
    client.force_login(manager)
    assert f'href="/insights/targets/?site={site.slug}"' in client.get(
        f"/insights/service-start/?site={site.slug}").content.decode()


def test_the_sites_chart_draws_the_target_and_says_it_is_hit_and_miss(client, manager, site, sickness):
    client.force_login(manager)
    assert f"No targets are set for {site.name}" in text(client.get(f"/insights/?site={site.slug}&{FOURTEEN_MONTHS}"))
    measure_targets_save(actor=manager, site=site, values={"sickness_rate": Decimal("6")})
    chart = sickness_chart(client, f"site={site.slug}&{FOURTEEN_MONTHS}")
    assert chart.count(TARGET_LINE) == 2 and ">Target</text>" in chart
    page = text(client.get(f"/insights/?site={site.slug}&{FOURTEEN_MONTHS}"))
    assert HIT_AND_MISS in page and "Where a target is set, its chart draws it" in page


def test_the_board_says_the_same_beside_the_measure(client, manager, site, sickness):
    measure_targets_save(actor=manager, site=site, values={"sickness_rate": Decimal("6")})
    client.force_login(manager)
    board = page_tables(client.get(f"/insights/board/?site={site.slug}&{FOURTEEN_MONTHS}"))
    row = next(cells for label, cells in board.items() if ": Sickness absence rate" in label)
    assert row[-1].endswith(HIT_AND_MISS)


def test_a_teams_or_several_sites_charts_say_nothing_of_a_sites_target(client, manager, site, sickness):
    measure_targets_save(actor=manager, site=site, values={"sickness_rate": Decimal("6")})
    make_site()
    client.force_login(manager)
    for query in (f"site={site.slug}&team=mh&{FOURTEEN_MONTHS}", FOURTEEN_MONTHS):
        assert TARGET_LINE not in sickness_chart(client, query)
        assert "Target" not in text(client.get(f"/insights/?{query}"))


def test_which_way_is_better_is_read_from_one_place_by_the_chart_the_board_and_the_form(client, manager, site,
                                                                                        sickness, monkeypatch):
    """Turned round in spc.BETTER, the sickness rate's better way turns round everywhere it is said."""
    measure_targets_save(actor=manager, site=site, values={"sickness_rate": Decimal("12")})  # above the limits
    client.force_login(manager)
    query = f"site={site.slug}&{FOURTEEN_MONTHS}"

    def said() -> tuple[str, str, str]:
        chart = re.search(r"Target 12%: [a-z]+ [a-z]+", text(client.get(f"/insights/?{query}"))).group()
        board = page_tables(client.get(f"/insights/board/?{query}"))
        row = next(cells for label, cells in board.items() if ": Sickness absence rate" in label)
        form_page = text(client.get(f"/insights/targets/?site={site.slug}"))
        form = re.search(r"At \w+ this per cent of FTE days lost", form_page)
        return chart, row[-1].split("Target 12%: ")[1].split(" — ")[0], form.group()

    assert said() == ("Target 12%: consistently hit", "consistently hit", "At most this per cent of FTE days lost")
    monkeypatch.setitem(spc.BETTER, Measure.SICKNESS_RATE, spc.UP)
    assert said() == ("Target 12%: consistently fail", "consistently fail", "At least this per cent of FTE days lost")


def test_targets_cost_no_more_queries(client, manager, site, sickness):
    client.force_login(manager)
    path = f"/insights/?site={site.slug}&{FOURTEEN_MONTHS}"
    with CaptureQueriesContext(connection) as without:
        client.get(path)
    measure_targets_save(actor=manager, site=site, values={
        "sessions_held": Decimal("8"), "people_seen": Decimal("30"), "people_not_seen": Decimal("0"),
        "pulse_mean": Decimal("3.5"), "sickness_rate": Decimal("6")})
    with CaptureQueriesContext(connection) as with_targets:
        assert HIT_AND_MISS in text(client.get(path))
    assert len(with_targets) == len(without)
