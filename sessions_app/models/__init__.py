"""Drop-in's domain, one module per part: people, places, sessions, contract, evidence, audit."""
from .audit import AuditEntry
from .contract import Contract
from .evidence import Attendance, AttendanceCorrection, StaffGroup, TallyStep
from .people import User
from .places import Room, Site, Team
from .publishing import Announcement
from .sessions import Series, Session

__all__ = [
    "Announcement", "Attendance", "AttendanceCorrection", "AuditEntry", "Contract", "Room", "Series", "Session", "Site",
    "StaffGroup", "TallyStep", "Team", "User",
]
