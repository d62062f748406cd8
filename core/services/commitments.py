"""Commitments: promises made to the customer, tracked until they are kept."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.actors import Actor, ensure_can_change
from core.clock import utcnow
from core.models import Account, Commitment, CommitmentCreate
from core.services._records import change, insert


def add_commitment(
    account: Account, commitment: CommitmentCreate, *, session: Session, actor: Actor
) -> Commitment:
    """Record a promise made to the customer, with the day it is due.

    Whoever records it keeps it unless the input names its owner; a promise recorded
    by no one in particular (a script) is the account owner's.
    """
    owner_id = commitment.owner_id or actor.user_id or account.owner_id
    return insert(
        Commitment, commitment, account=account, session=session, actor=actor, owner_id=owner_id
    )


def complete_commitment(
    commitment: Commitment, *, session: Session, actor: Actor, now: datetime | None = None
) -> Commitment:
    """Mark a promise kept."""
    account = session.get(Account, commitment.account_id)
    assert account is not None
    ensure_can_change(actor, account)
    if commitment.done_at is not None:
        return commitment
    return change(commitment, {"done_at": now or utcnow()}, session=session, actor=actor)
