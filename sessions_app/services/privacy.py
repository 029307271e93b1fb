"""Privacy rule 2: a manager never sees a count of people in a group smaller than the threshold.

Supervisors run the tally and see their own sessions' numbers; a manager who is not also a
supervisor sees "fewer than 5" instead, and nothing beside it that would give the number away.
"""
from django.conf import settings

from ..permissions import has_role


def counts_hidden_for(user) -> bool:
    """Return whether small counts are hidden from this person: managers who do not supervise."""
    return has_role(user, "manager") and not has_role(user, "supervisor")


def people(count: int, *, hidden: bool) -> int | str:
    """Return a count of people as the person may see it: the number, or “fewer than 5”."""
    threshold = settings.DROPIN_SUPPRESSION_THRESHOLD
    if hidden and count < threshold:
        return f"fewer than {threshold}"
    return count
