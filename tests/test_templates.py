"""Template source rules that no rendered page would show until the wrong data came along."""
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).parents[1] / "templates"


@pytest.mark.parametrize("template", sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.*")))
def test_every_short_comment_closes_on_its_own_line(template):
    """Django's {# #} comment is one line only: one spread over two is printed on the page, word for word."""
    lines = (TEMPLATES / template).read_text(encoding="utf-8").splitlines()
    unclosed = [number for number, line in enumerate(lines, 1) if line.count("{#") > line.count("#}")]
    assert unclosed == [], f"{template}, line {unclosed}: use {{% comment %}} … {{% endcomment %}} for more than one line"
