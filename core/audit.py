"""The audit trail: one event per write, with the record before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session, SQLModel, col, select

from core.actors import Actor
from core.errors import Forbidden
from core.models import AuditEvent, Role

R = TypeVar("R", bound=SQLModel)


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


def created(entity: str, row: R, *, session: Session, actor: Actor) -> R:
    """Store the new ``row`` and audit it: every record written leaves its first version
    in the trail, under the ``entity`` name the trail has always used for it."""
    session.add(row)
    session.flush()
    entity_id = getattr(row, "id", None)
    record("create", entity, entity_id, session=session, actor=actor, after=as_json(row))
    return row


@contextmanager
def changing(
    action: str, entity: str, row: SQLModel, *, session: Session, actor: Actor
) -> Iterator[None]:
    """Audit the change the ``with`` block makes to ``row``, with its version before and
    after; a block that raises writes nothing, so a refused change leaves no event."""
    before = as_json(row)
    yield
    session.add(row)
    session.flush()
    entity_id = getattr(row, "id", None)
    record(
        action, entity, entity_id, session=session, actor=actor, before=before, after=as_json(row)
    )


@dataclass(frozen=True)
class AuditLine:
    """One event of the trail as a viewer shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    changed: list[str]
    """The fields whose value differs between before and after (all of them on create)."""
    after: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        """The event as JSON-safe values."""
        return {**asdict(self), "at": self.at.isoformat()}

    @property
    def shown_changes(self) -> list[str]:
        """The changed fields a person reads (bookkeeping columns left out)."""
        return [f for f in self.changed if f not in ("created_at", "updated_at", "id")]

    @property
    def record(self) -> str:
        """The record it is about, as "commitments 12"."""
        return f"{self.entity} {self.entity_id or ''}".strip()


def trail(*, session: Session, account_id: int | None = None, limit: int = 50) -> list[AuditLine]:
    """The newest ``limit`` events, newest first; with ``account_id``, only those about the
    account itself or a record of it (a contact, a promise, an interaction…)."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if account_id is not None:
        query = query.where(
            or_(
                and_(col(AuditEvent.entity) == "account", col(AuditEvent.entity_id) == account_id),
                _json_int(AuditEvent.after, "account_id") == account_id,
                _json_int(AuditEvent.before, "account_id") == account_id,
            )
        )
    return [
        AuditLine(
            id=event.id or 0,
            at=event.at,
            actor=event.actor,
            action=event.action,
            entity=event.entity,
            entity_id=event.entity_id,
            changed=_changed(event.before, event.after),
            after=event.after,
        )
        for event in session.exec(query)
    ]


def _json_int(column: Any, key: str) -> Any:
    return column[key].as_integer()


def _changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    old, new = before or {}, after or {}
    return sorted(k for k in {*old, *new} if old.get(k) != new.get(k))


def trail_for(
    actor: Actor, *, session: Session, account_id: int | None = None, limit: int = 50
) -> list[AuditLine]:
    """The audit trail as ``actor`` may read it: one account's for anyone who may see the
    account (everyone in kam); the whole portfolio's for managers, admins and the system.
    """
    user = actor.user
    if account_id is None and user is not None and user.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(
            "The whole audit trail is for managers and admins; name an account to see "
            "who changed what on it, e.g. `audit Kan-code`."
        )
    return trail(session=session, account_id=account_id, limit=limit)
