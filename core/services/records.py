"""What happens on an account: interactions, contacts, deals, orders, promises,
notices, requests and feedback.

Each writer checks the actor's right to the account, validates every field,
and leaves an audit event; one helper does those three things for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from core import audit
from core.actors import Actor, ensure_can_change
from core.checkins import resolve_after_interaction
from core.clock import as_utc, utcnow
from core.errors import KamError, NotFound
from core.models import (
    Account,
    Commitment,
    Contact,
    CustomerRequest,
    Deal,
    Feedback,
    Interaction,
    Notice,
    Order,
    OrderStatus,
)
from core.services.validation import required_text, validated

R = TypeVar("R", bound=SQLModel)

FUTURE_SLACK = timedelta(minutes=5)


def _add(
    model: type[R],
    data: Mapping[str, Any],
    *,
    account: Account,
    session: Session,
    actor: Actor,
    what: str,
) -> R:
    """Check rights, validate, insert and audit one record of ``account``.

    A record carrying an ``idempotency_key`` that is already stored (a double
    click, a retried request, a concurrent twin) returns the stored one instead.
    """
    ensure_can_change(actor, account)
    key = data.get("idempotency_key")
    if key is not None and (earlier := _by_key(model, key, session=session)) is not None:
        return earlier
    record = validated(model, {**data, "account_id": account.id}, what)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        earlier = _by_key(model, key, session=session) if key is not None else None
        if earlier is None:
            raise
        return earlier
    audit.record(
        "create",
        str(model.__tablename__),
        getattr(record, "id", None),
        session=session,
        actor=actor,
        after=audit.as_json(record),
    )
    return record


def _by_key(model: type[R], key: str, *, session: Session) -> R | None:
    column = model.idempotency_key  # type: ignore[attr-defined]
    return session.exec(select(model).where(column == key)).first()


def _change(record: R, changes: Mapping[str, Any], *, session: Session, actor: Actor) -> R:
    """Apply ``changes`` to ``record`` and audit both versions."""
    before = audit.as_json(record)
    for field, value in changes.items():
        setattr(record, field, value)
    session.add(record)
    session.flush()
    audit.record(
        "update",
        str(record.__tablename__),
        getattr(record, "id", None),
        session=session,
        actor=actor,
        before=before,
        after=audit.as_json(record),
    )
    return record


def find_contact(account: Account, name: str, *, session: Session) -> Contact:
    """A contact of ``account`` by name (any case), or NotFound listing who is there."""
    contacts = contacts_of(account, session=session)
    wanted = name.strip().casefold()
    for contact in contacts:
        if contact.name.casefold() == wanted:
            return contact
    matches = [c for c in contacts if wanted and wanted in c.name.casefold()]
    if len(matches) == 1:
        return matches[0]
    raise NotFound(
        f"{account.name} has no contact called {name!r}.", [c.name for c in contacts][:5]
    )


def contacts_of(account: Account, *, session: Session) -> Sequence[Contact]:
    """The account's contacts, decision makers first."""
    return session.exec(
        select(Contact)
        .where(Contact.account_id == account.id)
        .order_by(col(Contact.decision_maker).desc(), col(Contact.name))
    ).all()


def add_contact(
    account: Account, data: Mapping[str, Any], *, session: Session, actor: Actor
) -> Contact:
    """Add a person at the customer, with whatever personal facts are known."""
    fields = {**data, "name": required_text(data.get("name"), "contact's name", max_length=200)}
    return _add(Contact, fields, account=account, session=session, actor=actor, what="contact")


def log_interaction(
    account: Account,
    summary: str,
    *,
    session: Session,
    actor: Actor,
    kind: str = "call",
    occurred_at: datetime | None = None,
    contact: Contact | None = None,
    sentiment: str | None = None,
    source: str = "cli",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Interaction:
    """Record a touch with the customer; it resets the account's check-in clock.

    The same ``idempotency_key`` twice (a double click, a retried request)
    returns the first interaction instead of logging a second.
    """
    if idempotency_key is not None and (
        earlier := _by_key(Interaction, idempotency_key, session=session)
    ):
        return earlier
    now = now or utcnow()
    when = as_utc(occurred_at) if occurred_at else now
    if when > now + FUTURE_SLACK:
        raise KamError(
            f"An interaction cannot be logged in the future ({when:%Y-%m-%d %H:%M} UTC). "
            "Log it once it has happened, or make it a commitment."
        )
    if contact is not None and contact.account_id != account.id:
        raise KamError(f"{contact.name} is not a contact at {account.name}.")
    data = {
        "summary": required_text(summary, "summary", max_length=4000),
        "kind": kind,
        "occurred_at": when,
        "contact_id": contact.id if contact else None,
        "user_id": actor.user_id,
        "sentiment": sentiment,
        "source": source,
        "idempotency_key": idempotency_key,
    }
    logged = _add(
        Interaction, data, account=account, session=session, actor=actor, what="interaction"
    )
    assert account.id is not None
    resolve_after_interaction(account.id, session=session, now=now)
    return logged


def recent_interactions(
    account: Account, *, session: Session, limit: int = 10
) -> Sequence[Interaction]:
    """The latest interactions, newest first."""
    return session.exec(
        select(Interaction)
        .where(Interaction.account_id == account.id)
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
        .limit(limit)
    ).all()


def add_deal(account: Account, data: Mapping[str, Any], *, session: Session, actor: Actor) -> Deal:
    """Add an opportunity; a won or lost deal needs its close date."""
    draft = validated(Deal, {**data, "account_id": account.id}, "deal")
    if draft.stage != "open" and draft.closed_on is None:
        raise KamError("A won or lost deal needs its close date.")
    if draft.closed_on and draft.engaged_on and draft.closed_on < draft.engaged_on:
        raise KamError("A deal cannot close before it was engaged.")
    return _add(Deal, data, account=account, session=session, actor=actor, what="deal")


def record_order(
    account: Account,
    what: str,
    *,
    session: Session,
    actor: Actor,
    amount: float | None = None,
    deal: Deal | None = None,
    idempotency_key: str | None = None,
) -> Order:
    """Record an order the customer placed (it prompts a thank-you)."""
    data = {
        "what": required_text(what, "order description", max_length=500),
        "amount": amount,
        "deal_id": deal.id if deal else None,
        "user_id": actor.user_id,
        "idempotency_key": idempotency_key,
    }
    return _add(Order, data, account=account, session=session, actor=actor, what="order")


def set_order_status(
    order: Order, status: str, *, session: Session, actor: Actor, problem: str | None = None
) -> Order:
    """Mark an order completed or in trouble (either prompts a personal call)."""
    account = session.get(Account, order.account_id)
    assert account is not None
    ensure_can_change(actor, account)
    try:
        new_status = OrderStatus(status)
    except ValueError as exc:
        raise KamError(
            f"Order status {status!r} is unknown; use {', '.join(s.value for s in OrderStatus)}."
        ) from exc
    if new_status is OrderStatus.PROBLEM:
        problem = required_text(problem, "problem description", max_length=4000)
    return _change(
        order,
        {"status": new_status, "problem": problem, "updated_at": utcnow()},
        session=session,
        actor=actor,
    )


def add_commitment(
    account: Account,
    what: str,
    due_on: date,
    *,
    session: Session,
    actor: Actor,
    to_whom: str | None = None,
    owner_id: int | None = None,
    idempotency_key: str | None = None,
) -> Commitment:
    """Record a promise made to the customer, with the day it is due."""
    data = {
        "what": required_text(what, "promise", max_length=1000),
        "due_on": due_on,
        "to_whom": to_whom,
        "owner_id": owner_id or actor.user_id or account.owner_id,
        "idempotency_key": idempotency_key,
    }
    return _add(Commitment, data, account=account, session=session, actor=actor, what="commitment")


def complete_commitment(
    commitment: Commitment, *, session: Session, actor: Actor, now: datetime | None = None
) -> Commitment:
    """Mark a promise kept."""
    account = session.get(Account, commitment.account_id)
    assert account is not None
    ensure_can_change(actor, account)
    if commitment.done_at is not None:
        return commitment
    return _change(commitment, {"done_at": now or utcnow()}, session=session, actor=actor)


def add_notice(
    account: Account,
    what: str,
    must_tell_by: date,
    *,
    session: Session,
    actor: Actor,
    kind: str = "other",
    alternatives: str | None = None,
    idempotency_key: str | None = None,
) -> Notice:
    """Record bad news the customer must hear from us by ``must_tell_by``."""
    data = {
        "what": required_text(what, "notice", max_length=1000),
        "must_tell_by": must_tell_by,
        "kind": kind,
        "alternatives": alternatives,
        "owner_id": account.owner_id or actor.user_id,
        "idempotency_key": idempotency_key,
    }
    return _add(Notice, data, account=account, session=session, actor=actor, what="notice")


def mark_notice_told(
    notice: Notice, *, session: Session, actor: Actor, now: datetime | None = None
) -> Notice:
    """Mark that the customer has been told."""
    account = session.get(Account, notice.account_id)
    assert account is not None
    ensure_can_change(actor, account)
    if notice.communicated_at is not None:
        return notice
    return _change(notice, {"communicated_at": now or utcnow()}, session=session, actor=actor)


def add_request(
    account: Account,
    what: str,
    *,
    session: Session,
    actor: Actor,
    alternatives: str | None = None,
    idempotency_key: str | None = None,
) -> CustomerRequest:
    """Log what the customer asked for that we do not offer, and what we offered instead."""
    data = {
        "what": required_text(what, "request", max_length=1000),
        "alternatives": alternatives,
        "user_id": actor.user_id,
        "idempotency_key": idempotency_key,
    }
    return _add(
        CustomerRequest, data, account=account, session=session, actor=actor, what="request"
    )


def add_feedback(
    account: Account,
    *,
    session: Session,
    actor: Actor,
    csat: int | None = None,
    nps: int | None = None,
    expectation: str | None = None,
    comment: str | None = None,
    contact: Contact | None = None,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Feedback:
    """Record how the customer rates us (CSAT 1–5, NPS 0–10, expectation)."""
    if csat is None and nps is None and expectation is None:
        raise KamError(
            "Feedback needs a CSAT (1–5), an NPS (0–10) or an expectation (exceeded, met or below)."
        )
    data = {
        "csat": csat,
        "nps": nps,
        "expectation": expectation,
        "comment": comment,
        "contact_id": contact.id if contact else None,
        "at": at or utcnow(),
        "idempotency_key": idempotency_key,
    }
    return _add(Feedback, data, account=account, session=session, actor=actor, what="feedback")
