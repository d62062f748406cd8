"""Commitments: promises made to the customer, tracked until they are kept."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.actors import Actor
from core.clock import utcnow
from core.models import Account, Commitment, CommitmentCreate
from core.services._records import insert, stamp_once
from core.services.users import ensure_active


def add_commitment(
    account: Account, commitment: CommitmentCreate, *, session: Session, actor: Actor
) -> Commitment:
    """Record a promise made to the customer, with the day it is due.

    Whoever records it keeps it unless the input names its owner; a promise recorded
    by no one in particular (a script) is the account owner's.
    """
    owner_id = commitment.owner_id or actor.user_id or account.owner_id
    ensure_active(owner_id, session=session)
    return insert(
        Commitment, commitment, account=account, session=session, actor=actor, owner_id=owner_id
    )


def complete_commitment(
    commitment: Commitment, *, session: Session, actor: Actor, now: datetime | None = None
) -> Commitment:
    """Mark a promise kept."""
    return stamp_once(commitment, "done_at", now or utcnow(), session=session, actor=actor)
