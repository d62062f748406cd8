"""Quarterly account reviews: held with the customer, recorded against the plan.

A review is a record of its own (when, who took part, the plan's progress, notes,
next actions) and a touch with the customer: recording it logs an interaction of
kind review on the day it was held, which resets the check-in clock and resolves
the quarter's account-review reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time

from sqlmodel import Session, col, select

from core.actors import Actor
from core.clock import utcnow
from core.models import (
    Account,
    InteractionCreate,
    InteractionKind,
    Review,
    ReviewCreate,
)
from core.services._records import earlier, insert
from core.services.interactions import log_interaction
from core.services.plans import ensure_planned_tier

SUMMARY_LIMIT = 4000


def record_review(
    account: Account,
    review: ReviewCreate,
    *,
    session: Session,
    actor: Actor,
    now: datetime | None = None,
) -> Review:
    """Record a review of a strategic or key account's plan, and log it as held."""
    key = review.idempotency_key
    if key is not None and (twin := earlier(Review, key, session=session)) is not None:
        return twin
    ensure_planned_tier(account, session=session, actor=actor)
    now = now or utcnow()
    stored = insert(
        Review, review, account=account, session=session, actor=actor, user_id=actor.user_id
    )
    held = now if review.held_on == now.date() else datetime.combine(review.held_on, time(12), UTC)
    summary = f"Account review with {review.participants}"
    if review.progress:
        summary += f": {review.progress}"
    log_interaction(
        account,
        InteractionCreate(
            kind=InteractionKind.REVIEW,
            occurred_at=min(held, now),
            summary=summary[:SUMMARY_LIMIT],
            idempotency_key=f"review:{key}" if key else None,
        ),
        session=session,
        actor=actor,
        now=now,
    )
    return stored


def reviews_of(account: Account, *, session: Session, limit: int = 10) -> Sequence[Review]:
    """The account's latest reviews, newest first."""
    return session.exec(
        select(Review)
        .where(col(Review.account_id) == account.id)
        .order_by(col(Review.held_on).desc(), col(Review.id).desc())
        .limit(limit)
    ).all()
