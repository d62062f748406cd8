"""Recording captured touches: the interaction (once), a planned meeting, the review queue.

A touch in the past becomes an interaction through the writer every typed one goes
through (:func:`core.services.interactions.log_interaction`), so it resets the
cadence and resolves the due check-in exactly as a logged one does. A meeting still
to come is kept as planned and does not. The link back (``external_ref``) is unique
per account and source: a touch read again changes nothing, or moves the meeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, delete, select

from core import audit
from core.actors import Actor
from core.capture.matcher import Matcher, Placed
from core.capture.touches import Person, Touch
from core.clock import utcnow
from core.models import (
    Account,
    CaptureCursor,
    CaptureStatus,
    Interaction,
    InteractionCreate,
    InteractionKind,
    PlannedMeeting,
    UnmatchedAddress,
)
from core.services.interactions import log_interaction

SUMMARY_PEOPLE = 5
"""Addresses named in a captured interaction's summary; more are counted."""


@dataclass
class CaptureReport:
    """What one run read and did, for the person who ran it and for the log."""

    source: str
    read: int = 0
    captured: int = 0
    planned: int = 0
    moved: int = 0
    already: int = 0
    unmatched: int = 0
    ours_only: int = 0
    problems: list[str] = field(default_factory=list)
    failure: str | None = None
    """Why the run stopped early (what it read before that is kept)."""

    def line(self) -> str:
        """The run in one line."""
        parts = [
            f"{self.read} read",
            f"{self.captured} captured",
            f"{self.already} already captured",
        ]
        if self.planned:
            parts.append(f"{self.planned} planned")
        if self.moved:
            parts.append(f"{self.moved} moved")
        parts.append(f"{self.unmatched} new unmatched")
        if self.problems:
            parts.append(f"{len(self.problems)} unreadable")
        return f"{self.source}: " + ", ".join(parts) + "."


def record_touch(
    touch: Touch,
    matcher: Matcher,
    report: CaptureReport,
    *,
    session: Session,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Record ``touch`` on every account its people belong to; queue who is unknown."""
    now = now or utcnow()
    report.read += 1
    places: dict[int, Placed] = {}
    customers: list[Person] = []
    for person in touch.people:
        if matcher.is_ours(person.address):
            continue
        customers.append(person)
        placed = matcher.place(person.address)
        if placed is None:
            report.unmatched += queue_unmatched(person, touch, session=session, now=now)
        elif placed.account_id not in places or places[placed.account_id].contact_id is None:
            places[placed.account_id] = placed
    if not customers:
        report.ours_only += 1
    for placed in places.values():
        account = session.get(Account, placed.account_id)
        assert account is not None
        if touch.cancelled:
            _drop_planned(account, touch, session=session)
        elif touch.at > now:
            _plan(account, placed, touch, report, session=session)
        else:
            _capture(
                account, placed, touch, customers, report, session=session, actor=actor, now=now
            )


def _capture(
    account: Account,
    placed: Placed,
    touch: Touch,
    customers: list[Person],
    report: CaptureReport,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
) -> None:
    _drop_planned(account, touch, session=session)
    stored = session.exec(
        select(Interaction).where(
            Interaction.account_id == account.id,
            Interaction.source == touch.source,
            Interaction.external_ref == touch.ref,
        )
    ).first()
    if stored is not None:
        if touch.movable and stored.occurred_at != touch.at:
            with audit.changing("update", "interactions", stored, session=session, actor=actor):
                stored.occurred_at = touch.at
            report.moved += 1
        else:
            report.already += 1
        return
    log_interaction(
        account,
        InteractionCreate(
            kind=touch.kind,
            occurred_at=touch.at,
            summary=summary_of(touch, customers, ours=actor),
            source=touch.source,
            contact_id=placed.contact_id,
            external_ref=touch.ref,
        ),
        session=session,
        actor=actor,
        now=now,
    )
    report.captured += 1


def summary_of(touch: Touch, customers: list[Person], *, ours: Actor) -> str:
    """How a captured touch reads on the account's timeline."""
    named = ", ".join(p.address for p in customers[:SUMMARY_PEOPLE])
    if len(customers) > SUMMARY_PEOPLE:
        named += f" and {len(customers) - SUMMARY_PEOPLE} more"
    if touch.kind == InteractionKind.EMAIL:
        received = touch.sender is not None and touch.sender in customers
        how = (
            f"E-mail from {touch.sender.address}"
            if received and touch.sender
            else (f"E-mail to {named}")
        )
        said = f"{how}: {touch.title}"
        if touch.body:  # only when the team keeps bodies (store_body)
            said += f"\n\n{touch.body}"
        return said[:4000]
    return f"{touch.kind.value.capitalize()}: {touch.title} (with {named})"[:4000]


def _plan(
    account: Account, placed: Placed, touch: Touch, report: CaptureReport, *, session: Session
) -> None:
    planned = session.exec(
        select(PlannedMeeting).where(
            PlannedMeeting.account_id == account.id, PlannedMeeting.external_ref == touch.ref
        )
    ).first()
    if planned is None:
        assert account.id is not None
        session.add(
            PlannedMeeting(
                account_id=account.id,
                external_ref=touch.ref,
                title=touch.title[:500],
                starts_at=touch.at,
                contact_id=placed.contact_id,
            )
        )
        report.planned += 1
    elif planned.starts_at != touch.at or planned.title != touch.title[:500]:
        planned.starts_at, planned.title = touch.at, touch.title[:500]
        session.add(planned)
        report.moved += 1
    else:
        report.already += 1
    session.flush()


def _drop_planned(account: Account, touch: Touch, *, session: Session) -> None:
    session.exec(
        delete(PlannedMeeting).where(
            col(PlannedMeeting.account_id) == account.id,
            col(PlannedMeeting.external_ref) == touch.ref,
        )
    )


def forget_planned(seen: Iterable[str], since: datetime, *, session: Session) -> int:
    """Drop planned meetings from ``since`` on that the calendar no longer has (deleted
    events); how many went."""
    refs = set(seen)
    gone = [
        p
        for p in session.exec(select(PlannedMeeting).where(PlannedMeeting.starts_at >= since))
        if p.external_ref not in refs
    ]
    for planned in gone:
        session.delete(planned)
    session.flush()
    return len(gone)


def queue_unmatched(person: Person, touch: Touch, *, session: Session, now: datetime) -> int:
    """Put someone kam cannot place in the review queue (1 when they are new to it)."""
    known = session.exec(
        select(UnmatchedAddress).where(UnmatchedAddress.address == person.address)
    ).first()
    if known is None:
        session.add(
            UnmatchedAddress(
                address=person.address,
                name=person.name[:200] if person.name else None,
                source=touch.source,
                last_subject=touch.title[:500],
                first_seen=now,
                last_seen=now,
            )
        )
        session.flush()
        return 1
    if known.status == CaptureStatus.OPEN:
        known.seen += 1
        known.last_seen = now
        known.last_subject = touch.title[:500]
        session.add(known)
    return 0


def cursor(source: str, place: str, *, session: Session) -> CaptureCursor:
    """How far ``source`` has read ``place`` (a new cursor at the start if never)."""
    found = session.exec(
        select(CaptureCursor).where(CaptureCursor.source == source, CaptureCursor.place == place)
    ).first()
    if found is None:
        found = CaptureCursor(source=source, place=place)
        session.add(found)
        session.flush()
    return found
