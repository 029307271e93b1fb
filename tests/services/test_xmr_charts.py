"""XmR charts drawn on the server: the step where drop-ins started, the marks, and the words beneath."""
import datetime
import re

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


# Targets: a line of its own and a sentence of assurance, leaving everything else drawn as it was.

TARGET_LINE = 'stroke="#d5281b" stroke-width="2" stroke-dasharray="2 3"'
STABLE = [0.07, 0.08] * 6 + [0.07, 0.08, 0.07, 0.08, 0.07]  # limits 7.5% ± 2.66 points: 4.84% to 10.16%


def sickness_with(target, values=STABLE, start=None):
    """A chart of 17 months with no step (so limits of their own), or with one (`start`)."""
    return xmr_chart(label="Sickness absence rate", measure="the sickness absence rate", months=MONTHS,
                     values=values, start=start, direction=spc.DOWN, percent=True, target=target)


def test_a_target_between_the_limits_is_hit_and_miss():
    chart = sickness_with(0.06)
    assert chart.words == (
        "Common cause variation: no signal in the sickness absence rate in May 2026. "
        "Target 6%: hit and miss — the process limits straddle the target, so it will be met in some months "
        "and not others.")


def test_a_target_judged_only_by_the_limits_from_before_is_not_yet_assured():
    # Five months since the start, below the old limits: "consistently fail" from those limits would
    # contradict the improvement the chart shows, so nothing is said until the months since have their own.
    chart = sickness_with(0.045, values=[0.07, 0.08] * 6 + [0.04] * 5, start=STARTED)
    assert chart.words.startswith("Special cause improvement")
    assert chart.words.endswith("Target 4.5%: not yet assured — with fewer than 12 months since drop-ins started, "
                                "the limits are those from before, which cannot say whether the process now meets it.")


def test_a_sickness_target_above_the_upper_limit_is_consistently_hit_and_below_the_lower_consistently_failed():
    assert "Target 11%: consistently hit — the target lies outside the process limits on the side that meets it" \
           in sickness_with(0.11).words
    assert "Target 4.5%: consistently fail — the target lies outside the process limits on the side that misses" \
           in sickness_with(0.045).words


def test_without_limits_a_target_is_not_yet_assured():
    chart = sickness_with(0.06, values=[None] * 12 + [0.07] * 5, start=STARTED)
    assert chart.words.endswith("Target 6%: not yet assured — without process limits, Making Data Count cannot "
                                "say whether it will be met.")


def test_the_target_is_a_dotted_line_with_a_key_and_everything_else_is_as_without_it():
    without, chart = sickness_with(None).svg, sickness_with(0.06).svg
    assert chart.count(TARGET_LINE) == 2  # across the plot, and in the key beside its word
    assert ">Target</text>" in chart
    left = re.sub(r"<line [^>]*" + re.escape(TARGET_LINE) + r"/>|<text [^>]*>Target</text>", "", chart)
    assert left.replace(sickness_with(0.06).words, sickness_with(None).words) == without


def test_a_target_above_the_scale_is_said_but_not_drawn():
    chart = sickness_with(0.5)  # the scale tops at 20%
    assert TARGET_LINE not in chart.svg
    assert "Target 50%: consistently hit" in chart.words


def test_a_target_is_written_as_the_page_rounds_it():
    from sessions_app.services.charts import target_text

    assert [target_text(12345.0, percent=False), target_text(1234.5, percent=False), target_text(2.525, percent=False),
            target_text(0.035, percent=True), target_text(0.06, percent=True)] == ["12345", "1234.5", "2.53", "3.5%", "6%"]
