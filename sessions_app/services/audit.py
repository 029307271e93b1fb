"""The audit trail: every change a supervisor or manager makes, append-only."""
from django.forms.models import model_to_dict

from ..models import AuditEntry, Session, User

AUDITED_SESSION_FIELDS = ["room", "starts_at", "ends_at", "status", "cancel_reason", "kind", "room_booking",
                          "public_note", "supervisor"]


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """Return a JSON-ready picture of an object's fields for before/after."""
    data = model_to_dict(obj, fields=fields)
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in data.items()
            if not isinstance(value, list)}


def session_snapshot(session: Session) -> dict:
    return snapshot(session, AUDITED_SESSION_FIELDS) | {
        "starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
    }


def audit_entry(*, actor: User | None, action: str, obj, before: dict | None = None, after: dict | None = None,
                reason: str = "", actor_address: str = "") -> AuditEntry:
    """Return one change, not yet saved; `obj` is the changed object (its session is linked when it is one).

    Someone without an account (a booking contact answering a room request) acts as `actor_address`. Something
    that changed nothing, a refused sign-in, has no `obj`.
    """
    return AuditEntry(
        actor=actor,
        actor_address=actor_address,
        action=action,
        session=obj if isinstance(obj, Session) else getattr(obj, "session", None),
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        before=before,
        after=after,
        reason=reason,
    )


def audit_record(**change) -> AuditEntry:
    """Record one change (see audit_entry for what it takes)."""
    entry = audit_entry(**change)
    entry.save()
    return entry
