"""Privacy rule 2's arithmetic: primary and secondary suppression, and withheld totals."""
import itertools
from fractions import Fraction

import pytest

from sessions_app.rounding import BAND_PLACES, rounded_percent
from sessions_app.services.privacy import (HIDDEN, SHOWN, SMALL, Figure, bands_publishable, figure, pinned,
                                           protect, total_of_small_cells, total_of_totals)


def states(figures: dict) -> dict:
    return {key: value.state for key, value in figures.items()}


@pytest.mark.parametrize("value, state, text", [(0, SHOWN, "0"), (1, SMALL, "fewer than 5"), (4, SMALL, "fewer than 5"),
                                                (5, SHOWN, "5"), (12, SHOWN, "12")])
def test_a_count_below_the_threshold_is_shown_as_fewer_than_5(value, state, text):
    assert (figure(value).state, str(figure(value))) == (state, text)


def test_the_threshold_is_a_setting(settings):
    settings.DROPIN_SUPPRESSION_THRESHOLD = 10
    assert str(figure(7)) == "fewer than 10"


def test_one_small_cell_beside_a_total_hides_the_next_smallest_cell_too():
    figures, total_shown = protect({"a": 3, "b": 12, "c": 20, "none": 0})
    assert states(figures) == {"a": SMALL, "b": HIDDEN, "c": SHOWN, "none": SHOWN}
    assert total_shown
    assert str(figures["b"]) == "not shown"


def test_a_small_cell_with_nothing_else_to_hide_withholds_the_total():
    figures, total_shown = protect({"a": 3, "none": 0})
    assert states(figures) == {"a": SMALL, "none": SHOWN}
    assert not total_shown


def test_two_small_cells_of_one_each_are_protected_by_a_third():
    # Hidden sum 2 over two cells of at least 1 each: both must be 1, so a third is hidden.
    figures, total_shown = protect({"a": 1, "b": 1, "c": 9})
    assert states(figures) == {"a": SMALL, "b": SMALL, "c": HIDDEN}
    assert total_shown


def test_two_small_cells_that_cannot_be_told_apart_need_nothing_more():
    figures, total_shown = protect({"a": 2, "b": 3, "c": 9})
    assert states(figures) == {"a": SMALL, "b": SMALL, "c": SHOWN}
    assert total_shown


def test_a_secondary_cell_at_the_threshold_would_still_pin_a_one_so_another_is_hidden():
    # 1 + 5 = 6: a small cell is at least 1 and a hidden shown-size cell at least 5, so both are fixed.
    figures, total_shown = protect({"a": 1, "b": 5, "c": 40})
    assert states(figures) == {"a": SMALL, "b": HIDDEN, "c": HIDDEN}
    assert total_shown


@pytest.mark.parametrize("hidden_sum, bounds, expected", [
    (3, [(1, 4)], True),
    (5, [(1, 4), (1, 4)], False),
    (8, [(1, 4), (1, 4)], True),
    (15, [(1, 4), (5, float("inf"))], False),
])
def test_pinned_says_whether_the_hidden_cells_can_be_worked_out(hidden_sum, bounds, expected):
    assert pinned(hidden_sum, bounds) is expected


def test_a_total_over_sessions_with_one_small_session_is_withheld():
    assert total_of_small_cells(total=13, small_count=1, small_sum=3).state == HIDDEN


def test_a_total_over_sessions_with_two_small_sessions_of_unknown_split_is_shown():
    assert total_of_small_cells(total=15, small_count=2, small_sum=5) == Figure(15, SHOWN)


def test_a_total_over_totals_shows_only_when_every_part_shows():
    assert total_of_totals([Figure(15), Figure(10)]) == Figure(25, SHOWN)
    assert total_of_totals([Figure(15), Figure(10, HIDDEN)]).state == HIDDEN
    assert total_of_totals([Figure(2, SMALL), Figure(0)]).state == SMALL


# The pulse's bands: low (1–2), okay (3), good (4–5), shown as per cents of the answers shown beside them.

BANDS = [(1, 2), (3,), (4, 5)]


def shown_beside_answers_and_mean(spread) -> tuple:
    """What a reader sees of a group's month: its answers, each band's rounded per cent, and (from the mean) the sum."""
    answers = sum(spread)
    shares = tuple(rounded_percent(Fraction(sum(spread[s - 1] for s in band), answers), BAND_PLACES) for band in BANDS)
    return answers, shares, sum(score * count for score, count in zip(range(1, 6), spread))


def compositions(answers: int):
    """Yield every way `answers` answers can fall on the five scores."""
    for cuts in itertools.combinations(range(answers + 4), 4):
        edges = (-1, *cuts, answers + 4)
        yield tuple(high - low - 1 for low, high in zip(edges, edges[1:]))


def test_no_small_band_or_score_can_be_worked_out_from_the_bands_shown():
    # Every spread of 5 to 16 answers: group those whose bands show by what a reader sees of them.
    seen: dict = {}
    for answers in range(5, 17):
        for spread in compositions(answers):
            if bands_publishable(spread, bands=BANDS):
                seen.setdefault(shown_beside_answers_and_mean(spread), []).append(spread)
    assert seen
    for alike in seen.values():
        counts = {"band": [tuple(sum(s[i - 1] for i in band) for band in BANDS) for s in alike],
                  "score": [tuple(s) for s in alike]}
        for name, values in counts.items():
            for position in range(len(values[0])):
                known = {value[position] for value in values}
                assert len(known) > 1 or not 0 < known.pop() < 5, (name, position, alike)


@pytest.mark.parametrize("spread, expected", [
    ((5, 0, 5, 0, 5), True),
    ((4, 0, 5, 0, 5), False),  # 4 low answers: 4 in 14 is 29%, which gives the 4
    ((0, 0, 5, 0, 0), True),  # nobody low or good: zero identifies nobody
    ((4, 1, 5, 0, 0), False),  # bands 5, 5, 0: the mean gives the one answer of 2
    ((3, 3, 5, 3, 3), True),  # the 2s and 5s add up to 6, split 0 to 6 either way
])
def test_bands_show_only_when_no_band_and_no_score_within_one_is_pinned_small(spread, expected):
    assert bands_publishable(spread, bands=BANDS) is expected
