"""Forms own input: one module per topic. Import them from here."""
from .announce import AddressesForm, AnnounceForm
from .cover import HandOverForm, TimeAwayForm
from .dates import YEARS_EITHER_SIDE, within_reach
from .demand import TargetForm
from .insights import InsightsFilterForm, MeasureTargetsForm, MonthField, ServiceStartForm
from .pulse import FeedbackReviewForm, PulseForm
from .rooms import RoomForm
from .room_requests import RoomAnswerForm
from .series import SeriesCancelForm, SeriesForm
from .sessions import CancelForm, MoveForm, RoomBookingForm, SessionForm
from .sickness import SicknessConfirmForm, SicknessForm, SicknessSiteForm, SicknessUploadForm
from .tally import CorrectionForm, TallyForm
from .upcoming import MAX_WEEKS, UpcomingFilterForm

__all__ = [
    "AddressesForm", "AnnounceForm", "CancelForm", "CorrectionForm", "FeedbackReviewForm", "HandOverForm",
    "InsightsFilterForm", "MAX_WEEKS", "MeasureTargetsForm", "MonthField", "MoveForm", "PulseForm", "RoomAnswerForm", "RoomBookingForm",
    "RoomForm", "SeriesCancelForm", "SeriesForm", "ServiceStartForm", "SessionForm", "SicknessConfirmForm",
    "SicknessForm", "SicknessSiteForm", "SicknessUploadForm", "TallyForm", "TargetForm", "TimeAwayForm",
    "UpcomingFilterForm", "within_reach", "YEARS_EITHER_SIDE",
]
