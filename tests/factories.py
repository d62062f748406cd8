"""Small builders for test data, going through the real services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from core.actors import Actor
from core.models import Account, AccountCreate, Reminder, ReminderState, User, UserCreate
from core.services.accounts import create_account
from core.services.users import create_user

SYSTEM = Actor.system("test")
EVERY_STATE = (ReminderState.SENT, ReminderState.DONE, ReminderState.SNOOZED, ReminderState.HELD)


def user(session: Session, email: str = "anna@example.com", **fields: Any) -> User:
    fields.setdefault("name", email.split("@")[0].title())
    return create_user(UserCreate(email=email, **fields), session=session, actor=SYSTEM)


def account(session: Session, name: str = "Acme", **fields: Any) -> Account:
    return create_account(AccountCreate(name=name, **fields), session=session, actor=SYSTEM)


def reminders_in_every_state(
    session: Session, keys: Sequence[str], kind: str, at: datetime
) -> int | None:
    """Store reminders of ``keys`` as sent, done, snoozed and held in turn (a snooze or
    hold ending five days before ``at`` or fifteen after), so a sweep has every state
    to sort; the owner of the first key's account."""
    for n, key in enumerate(keys):
        state = EVERY_STATE[n % len(EVERY_STATE)]
        until = at + timedelta(days=(n % 2) * 20 - 5)
        session.add(
            Reminder(
                key=key,
                kind=kind,
                account_id=int(key.split(":")[1]),
                due_at=at,
                state=state,
                snoozed_until=until if state in EVERY_STATE[2:] else None,
            )
        )
    session.commit()
    return session.exec(
        select(Account.owner_id).where(col(Account.id) == int(keys[0].split(":")[1]))
    ).one()
