"""Deals: the opportunities of an account; the won ones are its revenue history."""

from __future__ import annotations

from sqlmodel import Session

from core.actors import Actor
from core.models import Account, Deal, DealCreate
from core.services._records import insert
from core.services.users import ensure_active


def add_deal(account: Account, deal: DealCreate, *, session: Session, actor: Actor) -> Deal:
    """Add an opportunity (a won or lost one with its close date, as its input requires)."""
    ensure_active(deal.owner_id, session=session)
    return insert(Deal, deal, account=account, session=session, actor=actor)
