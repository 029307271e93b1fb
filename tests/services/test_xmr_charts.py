"""XmR charts drawn on the server: the step where drop-ins started, the marks, and the words beneath."""
import datetime

from sessions_app.dates import add_months
from sessions_app.services import spc
from sessions_app.services.charts import xmr_chart

JAN = datetime.date(2025, 1, 1)
MONTHS = [add_months(JAN, n) for n in range(17)]
STARTED = datetime.date(2026, 1, 15)  # the 13th month: 12 before, 5 since


def sickness(values):
    return xmr_chart(label="Sickness absence rate", measure="the sickness absence rate", months=MONTHS,
                     values=values, start=STARTED, direction=spc.DOWN, percent=True)


def test_sickness_falling_below_the_limits_from_before_is_named_improvement():
    # 7% and 8% before (mean 7.5%, limits 7.5 ± 2.66 points), 4% since: below 4.84%.
    chart = sickness([0.07, 0.08] * 6 + [0.04] * 5)
    assert chart.words == ("Special cause improvement: the sickness absence rate fell below its lower process limit "
                           "in May 2026, since drop-ins started. With fewer than 12 months since drop-ins started, "
                           "the limits are those from before.")
    assert "Drop-ins started</text>" in chart.svg
    assert chart.svg.count('<rect x="') == 5 + 1  # five squares for improvement, and the key's
    assert chart.svg.count("<polygon") == 1  # no concern: only the key's triangle


def test_a_stable_rate_is_common_cause():
    chart = sickness([0.07, 0.08] * 6 + [0.07, 0.08, 0.07, 0.08, 0.07])
    assert chart.words.startswith("Common cause variation: no signal in the sickness absence rate in May 2026, "
                                  "since drop-ins started.")


def test_too_few_months_before_the_start_are_drawn_without_limits_and_said_so():
    chart = sickness([None] * 5 + [0.07, 0.08] * 3 + [0.07] + [0.04] * 5)
    assert chart.words == ("Too few months for process limits (7 before drop-ins started and 5 since): Making Data "
                           "Count needs 12, so the months are drawn without limits.")
    assert "stroke-dasharray=\"6 4\"" in chart.svg  # the key's only
    assert chart.svg.count("stroke-dasharray") == 1
