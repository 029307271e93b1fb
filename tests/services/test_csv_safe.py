"""Every CSV the app writes opens in a spreadsheet without running anything (OWASP's CSV injection list)."""
import csv
import datetime
import io

import pytest

from sessions_app.services.csv_safe import csv_cell
from tests.factories import make_manager, make_site

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_a_cell_a_spreadsheet_could_run_is_kept_as_text(cell):
    assert csv_cell(cell) == f"'{cell}"


@pytest.mark.parametrize("cell", ["HMP Northgate", "2026-11", 12, "", "not yet"])
def test_other_cells_are_left_as_they_are(cell):
    assert csv_cell(cell) == cell


@pytest.mark.parametrize("name", ["\t=HYPERLINK(\"http://x\")", "\r@SUM(1)", "=cmd|' /C calc'!A0"])
def test_a_site_named_to_run_in_a_spreadsheet_is_written_as_text(client, name):
    make_site(name=name)
    client.force_login(make_manager())
    month = datetime.date.today().replace(day=1)
    response = client.get(f"/insights/monthly-return.csv?start={month:%Y-%m}&end={month:%Y-%m}")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["site"] == f"'{name}"
