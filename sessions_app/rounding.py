"""How figures are rounded, for the pages and the CSV files alike: half up, to the decimals shown.

One rule, so a spreadsheet's figure and the page's never differ: 101 / 40 = 2.525 is 2.53 on both.
"""
from decimal import Decimal
from fractions import Fraction

FTE_DAYS_PLACES = 2  # FTE days lost and available: as entered, to the hundredth
MEAN_PLACES = 2  # the mean pulse score
RATE_PLACES = 1  # the sickness rate, in per cent
UTILISATION_PLACES = 0  # utilisation, in per cent
BAND_PLACES = 0  # a pulse band's share of the answers, in per cent
HOURS_PLACES = 2  # hours of sessions held


def exact(value: int | float | Decimal | Fraction) -> Fraction:
    """Return a value as an exact fraction; a float as the shortest decimal that is that float (2.525, not 2.52499…)."""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def rounded(value: int | float | Decimal | Fraction | None, places: int) -> Decimal | None:
    """Return the value rounded half up (half away from zero) to `places` decimals; None stays None."""
    if value is None:
        return None
    scaled = exact(value) * 10 ** places
    whole = (abs(scaled.numerator) * 2 + scaled.denominator) // (scaled.denominator * 2)  # half up, on the size
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


def rounded_percent(share: int | float | Decimal | Fraction | None, places: int) -> Decimal | None:
    """Return a share as a percentage rounded half up: 0.9345 to 1 place is 93.5."""
    return None if share is None else rounded(exact(share) * 100, places)
