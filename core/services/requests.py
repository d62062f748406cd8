"""Customer requests: what they asked for that we do not offer, and what we offered
instead ("alternatives")."""

from __future__ import annotations

from sqlmodel import Session

from core.actors import Actor
from core.models import Account, CustomerRequest, CustomerRequestCreate, RequestOutcome
from core.services._records import change, ensure_can_change_record, fetch, insert
from core.validation import plain


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


def get_request(request_id: int, *, session: Session) -> CustomerRequest:
    """The request with this id, or NotFound."""
    missing = f"There is no request {request_id}; `kam request list` shows them."
    return fetch(CustomerRequest, request_id, missing, session=session)


def set_outcome(
    request: CustomerRequest,
    outcome: RequestOutcome,
    *,
    session: Session,
    actor: Actor,
    alternatives: str | None = None,
) -> CustomerRequest:
    """Record what became of a request (and, if given, the alternatives offered since)."""
    ensure_can_change_record(request, session=session, actor=actor)
    plain("alternatives", alternatives, CustomerRequestCreate.noun)  # the rules of a new one
    changes: dict[str, object] = {"outcome": outcome}
    if alternatives is not None and alternatives.strip():
        changes["alternatives"] = alternatives.strip()
    return change(request, changes, session=session, actor=actor)
