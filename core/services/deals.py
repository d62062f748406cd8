"""Deals: the opportunities of an account; the won ones are its revenue history."""

from __future__ import annotations

from sqlmodel import Session

from core.actors import Actor
from core.models import Account, Deal, DealCreate
from core.services._records import insert


def add_deal(account: Account, deal: DealCreate, *, session: Session, actor: Actor) -> Deal:
    """Add an opportunity (a won or lost one with its close date, as its input requires)."""
    return insert(Deal, deal, account=account, session=session, actor=actor)
