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

from ..permissions import has_role

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


def figure(value: int) -> Figure:
    """Return a count with the primary rule applied."""
    return Figure(value, SMALL if 0 < value < threshold() else SHOWN)


def withheld(value: int) -> Figure:
    """Return a total that must not be published, because a small part of it could be worked out."""
    return Figure(value, SMALL if 0 < value < threshold() else HIDDEN)


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


def total_of_small_cells(*, total: int, small_count: int, small_sum: int) -> Figure:
    """Return a total over cells published elsewhere with the primary rule only (such as sessions).

    Those cells cannot be hidden further, so the total is withheld whenever the small ones
    could be worked out from it.
    """
    if 0 < total < threshold():
        return Figure(total, SMALL)
    if small_count and small_cells_pinned(small_sum, small_count):
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


def pending(value: int) -> Figure:
    """Return a count for a period that has not ended: not published until it has."""
    return Figure(value, PENDING)


def total_of_totals(parts: list[Figure]) -> Figure:
    """Return a total over published totals: shown only when every part is shown, so it adds nothing."""
    value = sum(part.value for part in parts)
    if 0 < value < threshold():
        return Figure(value, SMALL)
    if all(part.shown for part in parts):
        return Figure(value, SHOWN)
    return Figure(value, HIDDEN)


def counts_hidden_for(user) -> bool:
    """Return whether small counts are hidden from this person: managers who do not supervise."""
    return has_role(user, "manager") and not has_role(user, "supervisor")


def people(count: int, *, hidden: bool) -> int | str:
    """Return a count of people as the person may see it: the number, or “fewer than 5”."""
    published = figure(count)
    return str(published) if hidden and published.state == SMALL else count
