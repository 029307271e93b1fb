"""Drop-in's domain, one module per part: people, places, sessions, contract, evidence."""
from .contract import Contract
from .evidence import Attendance
from .people import User
from .places import Room, Site, Team
from .sessions import Session

__all__ = ["Attendance", "Contract", "Room", "Session", "Site", "Team", "User"]
