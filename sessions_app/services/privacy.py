"""Privacy rule 2: a count of people or answers below the threshold is never published.

In the workspace, a manager who is not also a supervisor sees “fewer than 5” instead of a
session's small counts, and nothing beside them that would give the number away.

Published figures (insights, exports, the report) go further. Primary suppression hides a
count from 1 to threshold − 1. Secondary suppression looks at cells that add up to a published
total: the hidden cells' sum is then known, and with what a reader knows of each hidden cell (a
small one is 1 to threshold − 1, a secondary one at least the threshold) one of them could still
be pinned to a single value. While that is so, the smallest shown cell is hidden too; when no
cell is left to hide, the total is withheld instead. Zero is shown as zero: it identifies nobody.
A month's counts are published only once it has ended: a total that grows while someone watches
would show each new session or answer as the difference.
"""
import dataclasses
import math

from django.conf import settings

from ..permissions import supervises

SHOWN, SMALL, HIDDEN, PENDING = "shown", "small", "hidden", "pending"


def threshold() -> int:
    return settings.DROPIN_SUPPRESSION_THRESHOLD


@dataclasses.dataclass(frozen=True)
class Figure:
    """A count of people or answers as it may be published."""

    value: int
    state: str = SHOWN

    @property
    def shown(self) -> bool:
        return self.state == SHOWN

    @property
    def is_zero(self) -> bool:
        """Whether it is a published nought: nobody, which identifies nobody."""
        return self.shown and self.value == 0

    @property
    def is_pending(self) -> bool:
        return self.state == PENDING

    @property
    def number(self) -> int | None:
        """The value where it may be published, else None (for charts and sums)."""
        return self.value if self.shown else None

    def __str__(self) -> str:
        if self.state == SMALL:
            return f"fewer than {threshold()}"
        if self.state == HIDDEN:
            return "not shown"
        if self.state == PENDING:
            return "not yet"
        return str(self.value)

    @property
    def status(self) -> str:
        """Return why an export's number cell is empty: "" where the number shows."""
        return {SMALL: "suppressed", HIDDEN: "not shown", PENDING: "not yet"}.get(self.state, "")


def figure(value: int) -> Figure:
    """Return a count with the primary rule applied."""
    return Figure(value, SMALL if is_small(value) else SHOWN)


def withheld(value: int) -> Figure:
    """Return a total that must not be published, because a small part of it could be worked out."""
    return Figure(value, SMALL if is_small(value) else HIDDEN)


def pinned(hidden_sum: int, bounds: list[tuple[int, float]]) -> bool:
    """Return whether the sum of the hidden cells and each one's bounds fix any one of them."""
    # The others' bounds are all the bounds less this one's, summed once (the estate asks this
    # for thousands of cells); an unbounded cell makes the others unbounded unless it is this one.
    all_low = sum(low for low, _ in bounds)
    finite_high = sum(high for _, high in bounds if high != math.inf)
    unbounded = sum(high == math.inf for _, high in bounds)
    for low, high in bounds:
        others_low = all_low - low
        others_high = math.inf if unbounded - (high == math.inf) else finite_high - (0 if high == math.inf else high)
        least = max(low, hidden_sum - others_high)
        most = min(high, hidden_sum - others_low)
        if least == most:
            return True
    return False


def small_bounds() -> tuple[int, int]:
    return 1, threshold() - 1


def protect(cells: dict) -> tuple[dict, bool]:
    """Suppress cells that add up to a published total; return each cell's Figure and whether the total may show."""
    small, secondary, total_shown = suppress(cells)
    figures = {key: Figure(value, SMALL if key in small else HIDDEN if key in secondary else SHOWN)
               for key, value in cells.items()}
    return figures, total_shown


def suppress(cells: dict) -> tuple[set, set, bool]:
    """Return the small cells, the cells hidden beside them, and whether the total may show."""
    least = threshold()
    small = {key for key, value in cells.items() if 0 < value < least}
    secondary: set = set()
    if not small:  # nothing to protect: the common case, kept cheap for the estate's thousands of cells
        return small, secondary, True

    small_range = (1, least - 1)  # small_bounds(), read once: this runs for every site and month of the estate

    def bounds():
        return [small_range] * len(small) + [(least, math.inf)] * len(secondary)

    total_shown = True
    while pinned(sum(cells[key] for key in small | secondary), bounds()):
        candidates = sorted((value, order) for order, (key, value) in enumerate(cells.items())
                            if value >= least and key not in secondary)
        if not candidates:
            total_shown = False
            break
        secondary.add(list(cells)[candidates[0][1]])
    return small, secondary, total_shown


def is_small(value: int) -> bool:
    """Return whether a count is one the primary rule hides: from 1 to the threshold less one."""
    return 0 < value < threshold()


def total_of_small_cells(*, total: int, small_count: int, small_sum: int, corrected_small: bool = False) -> Figure:
    """Return a total over cells published elsewhere with the primary rule only (such as sessions).

    Those cells cannot be hidden further, so the total is withheld whenever the small ones
    could be worked out from it; and for good where a correction set a cell from or to a small
    count, since the total before it (perhaps published, printed, sent) less the total after it
    would give the corrected session's count away.
    """
    if is_small(total):
        return Figure(total, SMALL)
    if corrected_small or (small_count and small_cells_pinned(small_sum, small_count)):
        return Figure(total, HIDDEN)
    return Figure(total, SHOWN)


def small_cells_pinned(hidden_sum: int, count: int) -> bool:
    """Return pinned() for `count` small cells alone, without building their bounds.

    With every cell between the same low and high, one is fixed only when there is one cell,
    when low is high, or when the sum says every cell is low or every cell is high. The estate's
    dashboard asks this for every site and month, twice.
    """
    low, high = small_bounds()
    return count == 1 or low == high or hidden_sum in (count * low, count * high)


def total_parts(cells: dict, *, total: Figure, regrouped: bool = False) -> dict:
    """Return the parts of a total published elsewhere (a month's people seen by staff group) as they may show.

    The parts show only beside a total that shows and that they add up to, with secondary suppression
    among them; else none of them does, since the total less the shown parts would give the others away.
    None shows in a month where a correction regrouped a session (it replaces its groups with one
    ungrouped row): the parts before less the parts after would give that session's groups away.
    """
    if total.is_pending:
        return {key: pending() for key in cells}
    if regrouped or not total.shown or sum(cells.values()) != total.value:
        return {key: Figure(value, HIDDEN) for key, value in cells.items()}
    figures, total_shown = protect(cells)
    return figures if total_shown else {key: Figure(value, HIDDEN) for key, value in cells.items()}


def pending() -> Figure:
    """Return a count for a period that has not ended: not published, and not carried, until it has."""
    return Figure(0, PENDING)


def total_of_totals(parts: list[Figure]) -> Figure:
    """Return a total over published totals: shown only when every part is shown, so it adds nothing.

    While any part's period has not ended (a site in a later time zone), the total has not either.
    """
    if any(part.state == PENDING for part in parts):
        return pending()
    value = sum(part.value for part in parts)
    if is_small(value):
        return Figure(value, SMALL)
    if all(part.shown for part in parts):
        return Figure(value, SHOWN)
    return Figure(value, HIDDEN)


def total_over_months(months: list[Figure]) -> Figure:
    """Return a period's total of the monthly counts published beside it, over the months that have ended.

    It is a total of totals: shown only where every ended month is, so the total less the months
    shown never gives a withheld month away. Months not yet ended are left out (they are not
    published yet); with none ended, the total is not yet either.
    """
    ended = [month for month in months if not month.is_pending]
    return total_of_totals(ended) if ended else pending()


def mean_over_months(months: list[tuple[Figure, float | None]]) -> float | None:
    """Return a period's mean from each ended month's published (answers, mean), or None where any is withheld.

    Built from the published figures alone (each month's sum is its mean × its answers), it adds nothing
    to them; a month with answers but no mean shown withholds it, since the period's sum less the others'
    would give that month's sum away.
    """
    answers = score_sum = 0
    for count, mean in months:
        if count.is_pending or count.is_zero:
            continue
        if not count.shown or mean is None:
            return None
        answers += count.value
        score_sum += round(mean * count.value)
    return score_sum / answers if answers and mean_publishable(answers, score_sum) else None


# Means. A mean over n answers of 1 to 5 gives their sum; beside a total's mean and the other groups'
# means, a withheld group's sum is the difference. Means get secondary suppression as counts do.

LOWEST, HIGHEST = 1, 5


def mean_publishable(count: int, score_sum: int) -> bool:
    """Return whether a mean hides who gave other answers than the rest.

    Each answer above the lowest adds at least 1 to the total over all-lowest, so a total only a
    little above it says that fewer than 5 people answered anything else (a mean of 1.2 over 5
    answers: one “low”, four “very low”); the same at the top.
    """
    above_lowest, below_highest = score_sum - count * LOWEST, count * HIGHEST - score_sum
    return all(gap == 0 or gap >= threshold() for gap in (above_lowest, below_highest))


def bands_publishable(spread, *, bands) -> bool:
    """Return whether a group's answers may show as bands of neighbouring scores, beside its answers and mean.

    `spread` counts each score from the lowest; `bands` lists each band's scores, one or two of them.
    A band's share of the answers shown gives its count, so no band may be small. Beside the mean too
    (the sum of scores), the answers at the upper score of the two-score bands add up to a known number;
    where a band's bounds (none to all of it) leave it one way to split, neither part may be small.
    """
    counts = [sum(spread[score - LOWEST] for score in band) for band in bands]
    if any(is_small(count) for count in counts):
        return False
    pairs = [(count, spread[band[-1] - LOWEST]) for band, count in zip(bands, counts) if len(band) == 2]
    uppers, whole = sum(upper for _, upper in pairs), sum(count for count, _ in pairs)
    for count, _ in pairs:
        least, most = max(0, uppers - (whole - count)), min(count, uppers)
        if least == most and (is_small(least) or is_small(count - least)):
            return False
    return True


Intervals = list[tuple[int, int]]  # disjoint, sorted, both ends included


def _merged(intervals) -> Intervals:
    merged: Intervals = []
    for low, high in sorted(i for i in intervals if i[0] <= i[1]):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _plus(a: Intervals, b: Intervals) -> Intervals:
    return _merged((la + lb, ha + hb) for la, ha in a for lb, hb in b)


def _size_within(a: Intervals, low: int, high: int) -> int:
    return sum(max(0, min(h, high) - max(l, low) + 1) for l, h in a)


def possible_sums(count: int, publishable: bool) -> Intervals:
    """Return the score sums a reader who knows the count, and whether its mean passes the rule, could suppose."""
    low, high, near = count * LOWEST, count * HIGHEST, threshold() - 1
    failing = _merged([(low + 1, min(high, low + near)), (max(low, high - near), high - 1)])
    if not publishable:
        return failing
    passing, start = [], low
    for f_low, f_high in failing:
        passing.append((start, f_low - 1))
        start = f_high + 1
    return _merged(passing + [(start, high)])


def sum_pinned(hidden: dict, protected) -> bool:
    """Return whether the known sum of the hidden groups' score sums fixes any protected group's sum.

    `hidden` maps each group not shown to (count, score sum). The reader is granted every count and
    whether each mean passes the rule (more than a page says), so what is safe here is safe on the page.
    """
    known = sum(score_sum for _, score_sum in hidden.values())
    options = {key: possible_sums(count, mean_publishable(count, score_sum))
               for key, (count, score_sum) in hidden.items()}
    for key in protected:
        if key not in hidden:
            continue
        others: Intervals = [(0, 0)]
        for other, sums in options.items():
            if other != key:
                others = _plus(others, sums)
        # The group's sum is `known` less the others' sum: count the values both allow.
        candidates = sum(_size_within(options[key], known - high, known - low) for low, high in others)
        if candidates == 1:
            return True
    return False


def plan_means(groups: dict, *, alone: set, total_shown: bool) -> tuple[set, bool]:
    """Return the groups whose mean may show beside the total's, and whether the total's mean may show.

    `groups` maps every group of a whole (teams, and those who preferred not to say) to (count, score
    sum); `alone` holds those whose mean would show on its own, and `total_shown` whether the total's
    would. Any group with answers whose mean is not shown is then known only as part of the total less
    the others. While that pins a protected group's sum (a count below the threshold, or a mean the
    rule withholds), the smallest shown group is hidden too; when none is left, the total's mean is withheld.
    """
    shown = set(alone)
    if not total_shown:
        return shown, False
    protected = {key for key, (count, score_sum) in groups.items()
                 if is_small(count) or (count and not mean_publishable(count, score_sum))}
    while True:
        hidden = {key: value for key, value in groups.items() if key not in shown and value[0]}
        if not protected or not sum_pinned(hidden, protected):
            return shown, True
        candidates = sorted((groups[key][0], order) for order, key in enumerate(groups) if key in shown)
        if not candidates:
            return shown, False
        shown.discard(list(groups)[candidates[0][1]])


def counts_hidden_for(user, site) -> bool:
    """Return whether a site's small session counts are hidden from this person: all but its own supervisors.

    A service administrator (superuser) can read the database anyway, so is shown them.
    """
    return not (user.is_superuser or supervises(user, site))


def people(count: int, *, hidden: bool) -> int | str:
    """Return a count of people as the person may see it: the number, or “fewer than 5”."""
    published = figure(count)
    return str(published) if hidden and published.state == SMALL else count


def utilisation_shown(*, seen: int, hidden: bool) -> bool:
    """Return whether a session's utilisation may show: it is seen × minutes ÷ length, so only beside a shown seen."""
    return not hidden or figure(seen).shown


def outgrew_shown(*, seen: int, not_seen: int, outgrew: bool, hidden: bool) -> bool:
    """Return whether “outgrew supply” may be said of a session to a viewer who sees its counts or not.

    It means not seen above 0 or utilisation above 90%. Where seen shows as “fewer than 5”, the
    second would narrow it down, so only the first may say so; anything counted from these tags
    (the extra-session suggestion) then says no more than the tags do.
    """
    return outgrew and (not_seen > 0 or utilisation_shown(seen=seen, hidden=hidden))
