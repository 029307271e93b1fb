"""Forms own input: one module per part, like models/. Import them from here."""
from .sessions import *  # noqa: F401,F403
from .sessions import MAX_WEEKS, YEARS_EITHER_SIDE, within_reach  # noqa: F401
