"""Drop-in's domain, one module per part: people, places, sessions, contract, evidence, audit."""
from .audit import AuditEntry
from .contract import Contract
from .cover import TimeAway
from .generation import DataGeneration
from .invitations import Invitation, Role
from .evidence import Attendance, AttendanceCorrection, StaffGroup, TallyStep
from ..dates import week_of
from .measures import Feedback, Measure, MeasureTarget, Pulse, SicknessRecord
from .people import ProviderIdentity, User
from .places import Room, Site, Team
from .announcements import Announcement
from .room_requests import RoomRequest, RoomRequestDate
from .rollups import MonthRollUp, PulseMonthRollUp
from .sessions import Series, Session

__all__ = [
    "Announcement", "Attendance", "AttendanceCorrection", "AuditEntry", "Contract", "DataGeneration", "Feedback",
    "Invitation", "Measure", "MeasureTarget", "MonthRollUp", "ProviderIdentity", "Pulse", "PulseMonthRollUp", "Role", "Room", "RoomRequest", "RoomRequestDate",
    "Series", "Session", "SicknessRecord", "Site", "StaffGroup", "TallyStep", "Team", "TimeAway", "User", "week_of",
]
