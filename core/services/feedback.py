"""Feedback: how the customer rates us (CSAT, NPS, expectations)."""

from __future__ import annotations

from sqlmodel import Session

from core.actors import Actor
from core.clock import utcnow
from core.models import Account, Feedback, FeedbackCreate
from core.services._records import insert
from core.services.contacts import ensure_contact_at


def add_feedback(
    account: Account, feedback: FeedbackCreate, *, session: Session, actor: Actor
) -> Feedback:
    """Record how the customer rates us (CSAT 1–5, NPS 0–10, expectation)."""
    ensure_contact_at(account, feedback.contact_id, session=session)
    return insert(
        Feedback,
        feedback,
        account=account,
        session=session,
        actor=actor,
        at=feedback.at or utcnow(),
    )
