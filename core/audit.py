"""The audit trail: one event per write, with the record before and after."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from core.actors import Actor
from core.models import AuditEvent


def as_json(record: SQLModel | None) -> dict[str, Any] | None:
    """The record's columns as JSON-safe values."""
    if record is None:
        return None
    out: dict[str, Any] = {}
    for key, value in record.model_dump(warnings=False).items():
        if isinstance(value, (datetime, date, time)):
            out[key] = value.isoformat()
        elif isinstance(value, Enum):
            out[key] = value.value
        else:
            out[key] = value
    return out


def record(
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    session: Session,
    actor: Actor,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session's transaction."""
    event = AuditEvent(
        actor=actor.label,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event
