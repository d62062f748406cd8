"""What every writer of an account's records does: check the right, insert once, audit.

Private to the record services (contacts, interactions, deals, orders, commitments,
notices, requests, feedback, a plan's parts, goals), so each of them says only what is
its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from core import audit
from core.actors import Actor, ensure_can_change
from core.errors import NotFound
from core.models import Account

R = TypeVar("R", bound=SQLModel)


def insert(
    model: type[R],
    data: SQLModel,
    *,
    account: Account,
    session: Session,
    actor: Actor,
    **stored: Any,
) -> R:
    """Store ``data`` (a checked input) as a ``model`` row of ``account`` and audit it.

    ``stored`` holds what kam adds to what the person gave (who, links, times). An
    input carrying an ``idempotency_key`` that is already stored (a double click, a
    retried request, a concurrent twin) returns the stored record instead.
    """
    ensure_can_change(actor, account)
    key: str | None = getattr(data, "idempotency_key", None)
    if key is not None and (stored_twin := earlier(model, key, session=session)) is not None:
        return stored_twin
    record = model.model_validate(data, update={**stored, "account_id": account.id})
    return create_once(record, session=session, actor=actor)


def create_once(record: R, *, session: Session, actor: Actor) -> R:
    """Store the new ``record`` and audit it; when a concurrent twin (the same request
    handled at the same time elsewhere) stored its ``idempotency_key`` first, that twin."""
    model = type(record)
    key: str | None = getattr(record, "idempotency_key", None)
    try:
        with session.begin_nested():
            return audit.created(str(model.__tablename__), record, session=session, actor=actor)
    except IntegrityError:
        twin = earlier(model, key, session=session) if key is not None else None
        if twin is None:
            raise
        return twin


def earlier(model: type[R], key: str, *, session: Session) -> R | None:
    """The ``model`` record an earlier request with ``key`` stored, if any."""
    column = model.idempotency_key  # type: ignore[attr-defined]
    return session.exec(select(model).where(column == key)).first()


def fetch(model: type[R], record_id: int, missing: str, *, session: Session) -> R:
    """The ``model`` record with this id, or NotFound saying ``missing``."""
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(missing)
    return record


def ensure_can_change_record(record: SQLModel, *, session: Session, actor: Actor) -> None:
    """Refuse an actor who may not change the account ``record`` belongs to."""
    account = session.get(Account, getattr(record, "account_id", None))
    assert account is not None
    ensure_can_change(actor, account)


def change(record: R, changes: dict[str, Any], *, session: Session, actor: Actor) -> R:
    """Apply ``changes`` to ``record`` and audit both versions."""
    with audit.changing("update", str(record.__tablename__), record, session=session, actor=actor):
        for field, value in changes.items():
            setattr(record, field, value)
    return record


def forget(record: SQLModel, *, session: Session, actor: Actor) -> None:
    """Delete ``record``; the audit trail keeps what it was."""
    entity = str(record.__tablename__)
    before = audit.as_json(record)
    audit.record(
        "delete", entity, getattr(record, "id", None), session=session, actor=actor, before=before
    )
    session.delete(record)
    session.flush()


def stamp_once(record: R, field: str, moment: datetime, *, session: Session, actor: Actor) -> R:
    """Set ``field`` to ``moment`` the first time (a promise kept, a notice told); a second
    click, or a reminder and the card both marking it, keeps the first moment."""
    ensure_can_change_record(record, session=session, actor=actor)
    if getattr(record, field) is not None:
        return record
    return change(record, {field: moment}, session=session, actor=actor)
