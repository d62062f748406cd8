"""The review queue: people kam saw in mail or meetings but could not place.

One action makes someone a contact of an account (later mail from them then
matches), another ignores them (they are not queued again). Both are audited; the
CLI, the TUI and Slack's App Home show the same queue and call the same two rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from core import audit
from core.actors import Actor, ensure_can_change
from core.errors import NotFound
from core.models import Account, CaptureStatus, Contact, ContactCreate, UnmatchedAddress
from core.results import JsonResult
from core.services.contacts import add_contact


@dataclass(frozen=True)
class UnmatchedLine(JsonResult):
    """Someone waiting in the review queue."""

    address: str
    name: str | None
    source: str
    seen: int
    last_seen: datetime
    last_subject: str | None


@dataclass(frozen=True)
class UnmatchedQueue(JsonResult):
    """The first people waiting (most often seen first), and how many wait in all."""

    waiting: int
    people: tuple[UnmatchedLine, ...]


def unmatched_queue(*, session: Session, limit: int = 50) -> UnmatchedQueue:
    """Who waits for review, the most often seen first."""
    waiting = session.exec(
        select(func.count()).where(UnmatchedAddress.status == CaptureStatus.OPEN)
    ).one()
    rows = session.exec(
        select(UnmatchedAddress)
        .where(UnmatchedAddress.status == CaptureStatus.OPEN)
        .order_by(col(UnmatchedAddress.seen).desc(), col(UnmatchedAddress.last_seen).desc())
        .limit(limit)
    ).all()
    return UnmatchedQueue(
        waiting=int(waiting),
        people=tuple(
            UnmatchedLine(r.address, r.name, r.source, r.seen, r.last_seen, r.last_subject)
            for r in rows
        ),
    )


def _waiting(address: str, *, session: Session) -> UnmatchedAddress:
    key = address.strip().lower()
    found = session.exec(select(UnmatchedAddress).where(UnmatchedAddress.address == key)).first()
    if found is None or found.status != CaptureStatus.OPEN:
        raise NotFound(
            f"{address} is not waiting for review (`kam capture unmatched` lists who is)."
        )
    return found


def make_contact(
    address: str,
    account: Account,
    *,
    session: Session,
    actor: Actor,
    name: str | None = None,
) -> Contact:
    """Make a queued person a contact of ``account``: their mail and meetings count from
    the next capture run on."""
    ensure_can_change(actor, account)
    waiting = _waiting(address, session=session)
    given = (name or waiting.name or "").strip()
    if not given:
        given = waiting.address.split("@")[0].replace(".", " ").title()
    contact = add_contact(
        account, ContactCreate(name=given, email=waiting.address), session=session, actor=actor
    )
    _settle(waiting, CaptureStatus.CONTACT, session=session, actor=actor)
    return contact


def ignore_address(address: str, *, session: Session, actor: Actor) -> None:
    """Leave someone out of the queue for good (a supplier, a newsletter, a friend)."""
    _settle(_waiting(address, session=session), CaptureStatus.IGNORED, session=session, actor=actor)


def _settle(
    waiting: UnmatchedAddress, status: CaptureStatus, *, session: Session, actor: Actor
) -> None:
    with audit.changing("update", "unmatched_addresses", waiting, session=session, actor=actor):
        waiting.status = status
