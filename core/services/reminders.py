"""What a person does with a reminder: done, snooze, dismiss.

Each action is stored on the occurrence's row in the reminder table (created
if the sweep has not claimed it yet), checked against the person's rights to
the account, and audited. Done also records what was done where the data has
a place for it, so the situation resolves itself: a kept promise is completed,
a told notice is marked told, a check-in, call, review or thank-you is logged
as an interaction (which resets the check-in cadence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit
from core.actors import Actor, can_change
from core.checkins.due import CLOSED, items_for_accounts
from core.checkins.items import DueItem
from core.checkins.keys import account_of
from core.checkins.kind import CompleteCommitment, LogInteraction, MarkNoticeTold
from core.checkins.kinds import kind_named
from core.errors import Forbidden, KamError, NotFound
from core.models import (
    Account,
    AuditEvent,
    Commitment,
    InteractionCreate,
    Notice,
    Reminder,
    ReminderState,
)
from core.services.commitments import complete_commitment
from core.services.interactions import log_interaction
from core.services.notices import mark_notice_told
from core.validation import required_text

SNOOZE_CHOICES: dict[str, timedelta] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "1w": timedelta(weeks=1),
}
"""The snooze lengths the front ends offer besides "until a date"."""


def reminder_by_key(key: str, *, session: Session) -> Reminder | None:
    """The stored row of the occurrence ``key``, if a sweep or an action made one."""
    return session.exec(select(Reminder).where(Reminder.key == key)).first()


def _lock(key: str, *, session: Session) -> None:
    """A write on the row (when there is one) that holds it until the transaction ends."""
    session.execute(update(Reminder).where(col(Reminder.key) == key).values(key=Reminder.key))


def locked_reminder(key: str, *, session: Session) -> Reminder | None:
    """The occurrence's row, locked first, so a second click on it waits for the first.

    A double click or a retried request reads the row only once the first action
    has committed (a row lock on PostgreSQL, the write lock on SQLite), and then
    finds it closed.
    """
    _lock(key, session=session)
    return reminder_by_key(key, session=session)


def _occurrence(
    key: str, *, session: Session, now: datetime
) -> tuple[Reminder | None, DueItem | None]:
    row = reminder_by_key(key, session=session)
    account_id = account_of(key)
    item = None
    if account_id is not None:
        for derived in items_for_accounts([account_id], session=session, now=now):
            if derived.item.key == key:
                item = derived.item
    if row is None and item is None:
        raise NotFound(
            f"Nothing due has the key {key!r}. `kam due` lists what is due, each with its key."
        )
    return row, item


def _check_rights(actor: Actor, account: Account | None, owner_id: int | None) -> None:
    if actor.user is None or (owner_id is not None and actor.user.id == owner_id):
        return
    if account is not None and can_change(actor, account):
        return
    raise Forbidden("This reminder is someone else's; only they or a manager can act on it.")


def _apply(
    key: str,
    action: str,
    state: ReminderState,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    until: datetime | None = None,
    note: dict[str, Any] | None = None,
    unless: ReminderState | None = None,
) -> tuple[Reminder, DueItem | None, bool]:
    """Put the occurrence's row in ``state`` (snoozed ``until`` a moment), creating the row
    if the sweep has not; audit it as ``action``.

    The row is locked first, so two clicks on one reminder (a double click, two
    devices) queue here; with ``unless``, a row already in that state is left
    alone and the third value is False.
    """
    _lock(key, session=session)
    row, item = _occurrence(key, session=session, now=now)
    if unless is not None and row is not None and row.state == unless:
        return row, item, False
    account_id = row.account_id if row is not None else item.account_id  # type: ignore[union-attr]
    account = session.get(Account, account_id) if account_id is not None else None
    owner_id = row.user_id if row is not None else item.user_id  # type: ignore[union-attr]
    _check_rights(actor, account, owner_id)
    if row is None:
        assert item is not None
        row = Reminder(
            key=key,
            kind=item.kind,
            account_id=item.account_id,
            user_id=item.user_id,
            due_at=item.due_at,
            state=ReminderState.PENDING,
            payload=item.as_dict(),
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # a sweep or a twin click created it at this very moment
            row = session.exec(select(Reminder).where(Reminder.key == key)).one()
            if unless is not None and row.state == unless:
                return row, item, False
    with audit.changing(action, "reminder", row, session=session, actor=actor):
        row.state, row.snoozed_until, row.updated_at = state, until, now
        if note:
            row.payload = {**(row.payload or {}), **note}
    return row, item, True


@dataclass(frozen=True)
class LastChange:
    """Who put a reminder in its state and when, from the audit trail."""

    state: str
    by: str | None
    """The audit trail's name for who did it (``slack:U123 anna@example.com``, ``cli …``),
    or None when the trail does not say (the row was changed by a sweep)."""
    at: datetime


def last_change(row: Reminder, *, session: Session) -> LastChange:
    """Who put ``row`` in its present state and when (two racing clicks: who won)."""
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "reminder", AuditEvent.entity_id == row.id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    state = str(row.state)
    if event is not None and (event.after or {}).get("state") == state:
        return LastChange(state=state, by=event.actor, at=event.at)
    return LastChange(state=state, by=None, at=row.updated_at)


def mark_done(key: str, *, session: Session, actor: Actor, now: datetime) -> Reminder:
    """The person did it; the situation is resolved in the data where it can be."""
    done = ReminderState.DONE
    row, item, changed = _apply(
        key, "done", done, session=session, actor=actor, now=now, unless=done
    )
    if not changed:  # done already: a second click records nothing more
        return row
    record_what_was_done(row, item, session=session, actor=actor, now=now)
    return row


def record_what_was_done(
    row: Reminder, item: DueItem | None, *, session: Session, actor: Actor, now: datetime
) -> None:
    """What the kind says done records: a kept promise, a told notice, a logged interaction."""
    payload = row.payload or {}
    subject = item.subject_id if item else payload.get("subject_id")
    match kind_named(row.kind).done:
        case CompleteCommitment() if subject is not None:
            promise = session.get(Commitment, subject)
            if promise is not None:
                complete_commitment(promise, session=session, actor=actor, now=now)
        case MarkNoticeTold() if subject is not None:
            notice = session.get(Notice, subject)
            if notice is not None:
                mark_notice_told(notice, session=session, actor=actor, now=now)
        case LogInteraction(kind=interaction_kind, summary=summary) if row.account_id is not None:
            account = session.get(Account, row.account_id)
            if account is None:
                return
            title = item.title if item else payload.get("title", "")
            done = InteractionCreate(
                summary=f"{summary} ({title})" if title else summary,
                kind=interaction_kind,
                occurred_at=now,
                source="reminder",
            )
            log_interaction(account, done, session=session, actor=actor, now=now)


def snooze(key: str, until: datetime, *, session: Session, actor: Actor, now: datetime) -> Reminder:
    """Put it away until ``until``; it is delivered again then."""
    if until <= now:
        raise KamError("Snooze until a moment in the future, e.g. tomorrow 9am or in 3 days.")
    row = reminder_by_key(key, session=session)
    if row is not None and row.state in CLOSED:
        raise KamError(f"This reminder is already {row.state}; there is nothing to snooze.")
    snoozed = ReminderState.SNOOZED
    row, _, _ = _apply(key, "snooze", snoozed, session=session, actor=actor, now=now, until=until)
    return row


def dismiss(key: str, reason: str, *, session: Session, actor: Actor, now: datetime) -> Reminder:
    """Decide not to act on it, saying why (the reason is kept with the reminder)."""
    why = required_text(reason, "reason for dismissing", max_length=500)
    note = {"dismissed_reason": why}
    dismissed = ReminderState.DISMISSED
    row, _, _ = _apply(key, "dismiss", dismissed, session=session, actor=actor, now=now, note=note)
    return row
