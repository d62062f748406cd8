"""Customer requests: what they asked for that we do not offer, and what we offered
instead ("alternatives")."""

from __future__ import annotations

from sqlmodel import Session

from core.actors import Actor
from core.models import Account, CustomerRequest, CustomerRequestCreate
from core.services._records import insert


def add_request(
    account: Account, request: CustomerRequestCreate, *, session: Session, actor: Actor
) -> CustomerRequest:
    """Log what the customer asked for that we do not offer, and what we offered instead."""
    return insert(
        CustomerRequest,
        request,
        account=account,
        session=session,
        actor=actor,
        user_id=actor.user_id,
    )
