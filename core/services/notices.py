"""Notices: bad news the customer must hear from us by a date ("don't postpone")."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.actors import Actor
from core.clock import utcnow
from core.models import Account, Notice, NoticeCreate
from core.services._records import insert, stamp_once
from core.services.users import ensure_active


def add_notice(account: Account, notice: NoticeCreate, *, session: Session, actor: Actor) -> Notice:
    """Record bad news the customer must hear from us by its ``must_tell_by`` day.

    The account's owner is nagged until it is told (whoever records it, if the
    account has no owner).
    """
    owner_id = account.owner_id or actor.user_id
    ensure_active(owner_id, session=session)
    return insert(Notice, notice, account=account, session=session, actor=actor, owner_id=owner_id)


def mark_notice_told(
    notice: Notice, *, session: Session, actor: Actor, now: datetime | None = None
) -> Notice:
    """Mark that the customer has been told."""
    return stamp_once(notice, "communicated_at", now or utcnow(), session=session, actor=actor)
