"""Orders: what the customer placed, and how it went (completed, or a problem)."""

from __future__ import annotations

from sqlmodel import Session

from core.actors import Actor
from core.clock import utcnow
from core.errors import KamError
from core.models import Account, Deal, Order, OrderCreate, OrderStatus
from core.services._records import change, ensure_can_change_record, insert
from core.validation import required_text


def record_order(account: Account, order: OrderCreate, *, session: Session, actor: Actor) -> Order:
    """Record an order the customer placed (it prompts a thank-you)."""
    if order.deal_id is not None:
        deal = session.get(Deal, order.deal_id)
        if deal is None or deal.account_id != account.id:
            raise KamError(f"{account.name} has no deal with id {order.deal_id}.")
    return insert(
        Order, order, account=account, session=session, actor=actor, user_id=actor.user_id
    )


def set_order_status(
    order: Order, status: str, *, session: Session, actor: Actor, problem: str | None = None
) -> Order:
    """Mark an order completed or in trouble (either prompts a personal call)."""
    ensure_can_change_record(order, session=session, actor=actor)
    try:
        new_status = OrderStatus(status)
    except ValueError as exc:
        raise KamError(
            f"Order status {status!r} is unknown; use {', '.join(s.value for s in OrderStatus)}."
        ) from exc
    if new_status is OrderStatus.PROBLEM:
        problem = required_text(problem, "problem description", max_length=4000)
    return change(
        order,
        {"status": new_status, "problem": problem, "updated_at": utcnow()},
        session=session,
        actor=actor,
    )
