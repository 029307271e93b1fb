"""Forms own input: one module per part, like models/. Import them from here."""
from .sessions import *  # noqa: F401,F403
from .sessions import MAX_WEEKS, YEARS_EITHER_SIDE, within_reach  # noqa: F401
from .insights import InsightsFilterForm, MonthField, ServiceStartForm  # noqa: F401
from .pulse import FeedbackReviewForm, PulseForm  # noqa: F401
from .sickness import *  # noqa: F401,F403
