"""XmR charts: limits and each Making Data Count rule, against examples worked by hand from the published rules."""
import datetime

import pytest

from sessions_app.dates import add_months, months_between
from sessions_app.services import spc

JAN = datetime.date(2025, 1, 1)


def months(count: int) -> list[datetime.date]:
    return [add_months(JAN, n) for n in range(count)]


def compute(values, direction=spc.NEUTRAL, steps=()):
    return spc.spc_compute(months=months(len(values)), values=values, direction=direction,
                           steps=tuple(add_months(JAN, n) for n in steps))


def flagged(result, rule) -> list[int]:
    return [i for i, point in enumerate(result.points) if rule in point.rules]


def test_limits_are_the_mean_plus_and_minus_2_66_mean_moving_ranges():
    # 10, 12 six times: mean 132 / 12 = 11; 11 moving ranges of 2, so a mean moving range of 2;
    # limits 11 ± 2.66 × 2 = 5.68 and 16.32.
    segment = compute([10, 12] * 6).segments[0]
    assert (segment.mean, segment.lower, segment.upper) == (11, pytest.approx(5.68), pytest.approx(16.32))


def test_alternating_values_inside_the_limits_are_common_cause():
    result = compute([10, 12] * 6, direction=spc.UP)
    assert {point.kind for point in result.points} == {spc.COMMON}
    assert result.variation == "common cause variation"


def test_a_point_above_the_upper_limit_is_special_cause_and_its_range_is_screened_out():
    # 10, 12 five times, 10, then 34: mean (60 + 60 + 34) / 12 = 12.8333.
    # Moving ranges: ten of 2 and |34 − 10| = 24, mean 44 / 11 = 4. 24 ≥ 3.267 × 4 = 13.07, so it is
    # screened out: mean moving range 20 / 10 = 2; upper limit 12.8333 + 5.32 = 18.1533 < 34.
    result = compute([10, 12] * 5 + [10, 34], direction=spc.DOWN)
    assert result.segments[0].upper == pytest.approx(18.1533, abs=1e-4)
    assert flagged(result, spc.BEYOND) == [11]
    assert result.points[11].kind == spc.CONCERN  # up is worse where down is improvement
    assert result.variation == "special cause concern"


def test_a_shift_of_exactly_6_points_is_not_flagged():
    # 6, 0, 6, 0, 6, 0, then six 4s: mean (18 + 24) / 12 = 3.5; the 0 before them is below, the six 4s above.
    # Moving ranges 6 × 5, 4, 0 × 5: mean 34 / 11 = 3.09; two sigma = 2 × 2.66 / 3 × 3.09 = 5.48, beyond
    # every point's distance from the mean (at most 3.5), and the limits 3.5 ± 8.22 hold them all.
    result = compute([6, 0] * 3 + [4] * 6)
    assert all(not point.rules for point in result.points)


def test_a_shift_of_exactly_7_points_is_flagged_on_all_7():
    # As above with seven 4s: mean 46 / 13 = 3.54, so the seven 4s (indices 6 to 12) are above it.
    # Moving ranges 6 × 5, 4, 0 × 6: mean 34 / 12 = 2.83; two sigma 5.02 > 3.54, limits 3.54 ± 7.54.
    result = compute([6, 0] * 3 + [4] * 7, direction=spc.UP)
    assert flagged(result, spc.SHIFT) == list(range(6, 13))
    assert all(point.rules == {spc.SHIFT} for point in result.points[6:])
    assert result.variation == "special cause improvement"


def test_a_point_across_the_mean_breaks_a_shift():
    # 6, 0, 6, 0, 6, 0, 4, 4, 4, then 3, then 4, 4, 4, 4: mean (18 + 12 + 3 + 16) / 14 = 3.5. The 3 is below
    # the mean, leaving runs of 3 and 4 above it.
    assert flagged(compute([6, 0] * 3 + [4, 4, 4, 3, 4, 4, 4, 4]), spc.SHIFT) == []


def test_a_trend_of_exactly_6_points_is_not_flagged():
    # NHSRplotthedots: a trend is 7 points each strictly higher (or lower) than the one before, i.e. 6 rises.
    # 0, 4, 0, 4, 0, 4 then 1 to 6: the fall from 4 to 1 starts it, so 1 to 6 is 6 points with 5 rises.
    # Mean (12 + 21) / 12 = 2.75; moving ranges 4 × 5, 3, 1 × 5: mean 28 / 11 = 2.55; two sigma 4.51;
    # limits 2.75 ± 6.77. Below, above, ... then 1, 2 below and 3 to 6 above: no run of 7 on one side.
    result = compute([0, 4] * 3 + [1, 2, 3, 4, 5, 6])
    assert all(not point.rules for point in result.points)


def test_a_trend_of_exactly_7_points_is_flagged_on_all_7():
    # 0, 4, 0, 4, 0, 4 then 1 to 7: 7 points, 6 rises. Mean 40 / 13 = 3.08; moving ranges 4 × 5, 3, 1 × 6:
    # mean 29 / 12 = 2.42; limits 3.08 ± 6.43, two sigma 4.29 > |7 − 3.08| = 3.92: only the trend.
    result = compute([0, 4] * 3 + [1, 2, 3, 4, 5, 6, 7], direction=spc.UP)
    assert flagged(result, spc.TREND) == list(range(6, 13))
    # A trend is judged by the way it runs (NHSRplotthedots since its fix of issue 171): the rising 1, 2
    # and 3 are below the mean, yet where up is better they are improvement, as the 4 to 7 are.
    assert [point.kind for point in result.points[6:]] == [spc.IMPROVEMENT] * 7
    assert [point.kind for point in compute([0, 4] * 3 + [1, 2, 3, 4, 5, 6, 7], direction=spc.DOWN).points[6:]] == [
        spc.CONCERN] * 7


def test_a_falling_trend_of_7_is_flagged_and_judged_by_its_fall():
    # 7, 3 three times, then 6 down to 0: mean 51 / 13 = 3.92; moving ranges 4 × 5, 3, 1 × 6: mean 29 / 12
    # = 2.42; limits 3.92 ± 6.43 = −2.51 to 10.35; two sigma 4.29 > |0 − 3.92| = 3.92 and > |7 − 3.92|;
    # 6, 5, 4 above the mean and 3 to 0 below: no shift. Only the trend.
    result = compute([7, 3] * 3 + [6, 5, 4, 3, 2, 1, 0], direction=spc.DOWN)
    assert flagged(result, spc.TREND) == list(range(6, 13))
    assert [point.kind for point in result.points[6:]] == [spc.IMPROVEMENT] * 7
    assert spc.FALLING in result.points[-1].rules


def test_an_equal_neighbour_breaks_a_trend():
    assert flagged(compute([0, 4] * 3 + [1, 2, 3, 3, 4, 5, 6, 7]), spc.TREND) == []


def test_two_of_three_beyond_two_sigma_on_one_side_flags_those_two():
    # 5, 7 five times, then 11, 11: mean (60 + 22) / 12 = 6.8333; moving ranges 2 × 9, 4, 0: mean 22 / 11 = 2.
    # Upper limit 6.8333 + 5.32 = 12.1533; two sigma above: 6.8333 + 2 × 2.66 / 3 × 2 = 10.38.
    # The last three, 7, 11, 11, are all above the mean and two are beyond 10.38 but within 12.15.
    result = compute([5, 7] * 5 + [11, 11], direction=spc.DOWN)
    assert flagged(result, spc.TWO_OF_THREE) == [10, 11]
    assert flagged(result, spc.BEYOND) == [] and flagged(result, spc.SHIFT) == []
    assert [p.kind for p in result.points[9:]] == [spc.COMMON, spc.CONCERN, spc.CONCERN]


def test_one_of_three_beyond_two_sigma_is_not_flagged():
    # 5, 7 five times, then 11, 7: mean 78 / 12 = 6.5; moving ranges 2 × 9, 4, 4: mean 26 / 11 = 2.36;
    # two sigma above 6.5 + 4.19 = 10.69 < 11 < upper 12.79, but the 11 is alone in every three.
    assert all(not point.rules for point in compute([5, 7] * 5 + [11, 7]).points)


def test_a_step_recalculates_the_limits_from_the_step():
    # Without the step: mean 8 over 24 months; the |4 − 12| = 8 range is screened out (≥ 3.267 × 52 / 23),
    # limits 8 ± 5.32, and the first 12 (all above 8) and the last 12 (all below) are shifts.
    values = [10, 12] * 6 + [4, 6] * 6
    whole = compute(values, direction=spc.DOWN)
    assert (whole.segments[0].mean, whole.segments[0].lower) == (8, pytest.approx(2.68))
    assert flagged(whole, spc.SHIFT) == list(range(24))
    # With a step at month 12: 10, 12 → mean 11, limits 5.68 to 16.32; 4, 6 → mean 5, limits −0.32 to 10.32.
    # No moving range crosses the step, and each half alone is common cause.
    stepped = compute(values, direction=spc.DOWN, steps=(12,))
    assert [(s.mean, s.lower, s.upper) for s in stepped.segments] == [
        (11, pytest.approx(5.68), pytest.approx(16.32)), (5, pytest.approx(-0.32), pytest.approx(10.32))]
    assert stepped.points[12].moving_range is None
    assert {point.kind for point in stepped.points} == {spc.COMMON}


def test_fewer_than_12_points_after_a_step_are_judged_against_the_limits_before():
    # 12 months of 10, 12 (limits 5.68 to 16.32), then 5 months of 4 after the step: each below 5.68.
    result = compute([10, 12] * 6 + [4] * 5, direction=spc.DOWN, steps=(12,))
    after = result.segments[1]
    assert after.borrowed and (after.mean, after.count) == (11, 5)
    assert flagged(result, spc.BEYOND) == list(range(12, 17))
    assert result.variation == "special cause improvement"


def test_fewer_than_12_points_before_a_step_have_no_limits():
    result = compute([10, 12] * 5 + [10] + [4] * 3, steps=(11,))
    assert [segment.judged for segment in result.segments] == [False, False]
    assert {point.kind for point in result.points} == {spc.UNJUDGED}
    assert result.variation is None


def test_a_missing_month_is_a_gap_with_no_moving_range_either_side():
    # 12 values of 10, 12 around a gap: ranges 2, 2, 2, 2, none (the gap), none (after it), then 2s:
    # mean moving range 2, mean 11, the same limits as with no gap.
    values = [10, 12, 10, 12, 10, None, 12, 10, 12, 10, 12, 10, 12]
    result = compute(values)
    assert [p.moving_range for p in result.points] == [None, 2, 2, 2, 2, None, None, 2, 2, 2, 2, 2, 2]
    assert (result.segments[0].mean, result.segments[0].upper) == (11, pytest.approx(16.32))
    assert result.points[5].kind == spc.UNJUDGED


def test_a_missing_month_breaks_a_shift():
    # The 7-point shift above with a gap among the 4s: 3 then 4 in a row, never 7.
    assert flagged(compute([6, 0] * 3 + [4, 4, 4, None, 4, 4, 4, 4]), spc.SHIFT) == []


def test_the_variation_is_the_latest_shown_point_s():
    # The shift of 7 then a month not yet published: the latest shown month is still in the shift.
    result = compute([6, 0] * 3 + [4] * 7 + [None], direction=spc.DOWN)
    assert result.latest.month == add_months(JAN, 12)
    assert result.variation == "special cause concern"


@pytest.mark.parametrize("direction, kind",
                         [(spc.UP, spc.IMPROVEMENT), (spc.DOWN, spc.CONCERN), (spc.NEUTRAL, spc.HIGH)])
def test_the_same_signal_is_improvement_or_concern_by_direction(direction, kind):
    assert compute([6, 0] * 3 + [4] * 7, direction=direction).points[-1].kind == kind


@pytest.mark.parametrize("first, step, expected", [
    (datetime.date(2026, 1, 1), datetime.date(2026, 7, 1), 6),  # July 2025 (12 months before the step) to December 2025
    (datetime.date(2025, 1, 1), datetime.date(2026, 7, 1), 0),  # the period holds the 12 months before already
    (datetime.date(2026, 1, 1), datetime.date(2027, 7, 1), 0),  # no step in the period: nothing to show it against
    (datetime.date(2026, 1, 1), None, 0),
    (datetime.date(2026, 1, 1), datetime.date(2023, 1, 1), 12),  # years on: the 12 months before the period, no more
])
def test_a_chart_of_a_period_starting_after_the_baseline_draws_at_most_12_months_before_it(first, step, expected):
    months = months_between(first, datetime.date(2026, 12, 1))
    before = spc.baseline_months(months=months, step=step)
    assert len(before) == expected
    assert not before or (before[0] == max(add_months(step, -12), add_months(first, -12))
                          and add_months(before[-1], 1) == first)


# Assurance: the target against the latest limits, as NHSRplotthedots' ptd_calculate_assurance_type does.
# [10, 12] × 6 has limits 5.68 and 16.32 (worked above).


@pytest.mark.parametrize("target, better, expected", [
    (4, spc.UP, spc.HIT),  # below the lower limit: every month is above it
    (18, spc.UP, spc.FAIL),  # above the upper limit: no month reaches it
    (11, spc.UP, spc.HIT_AND_MISS),  # between: some months above, some below
    (18, spc.DOWN, spc.HIT),  # lower is better: every month is below it
    (4, spc.DOWN, spc.FAIL),
    (6, spc.DOWN, spc.HIT_AND_MISS),
])
def test_assurance_compares_the_target_with_the_process_limits(target, better, expected):
    limits = compute([10, 12] * 6).limits
    assert limits == (pytest.approx(5.68), pytest.approx(16.32))
    assert spc.assurance(limits, target, better) == expected


@pytest.mark.parametrize("target", [5.68, 16.32])
@pytest.mark.parametrize("better", [spc.UP, spc.DOWN])
def test_a_target_exactly_on_a_limit_is_hit_and_miss(target, better):
    # NHSRplotthedots compares strictly (target > upl, target < lpl): on a limit, a month may land either side.
    assert spc.assurance((5.68, 16.32), target, better) == spc.HIT_AND_MISS


def test_no_assurance_without_a_target_limits_or_a_better_way():
    assert spc.assurance((5.68, 16.32), None, spc.UP) is None
    assert spc.assurance(None, 4, spc.UP) is None
    assert spc.assurance((5.68, 16.32), 4, spc.NEUTRAL) is None


def test_the_limits_are_the_latest_points_and_none_without_enough_months():
    assert compute([10, 12] * 5).limits is None  # 10 months: no limits
    # 12 months, then a step and 3 more: they are judged against the limits before, so those are the latest.
    assert compute([10, 12] * 6 + [20, 21, 22], steps=[12]).limits == (pytest.approx(5.68), pytest.approx(16.32))
