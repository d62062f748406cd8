"""Interactions: every touch with the customer, the record the check-in clock runs on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.actors import Actor
from core.clock import as_utc, utcnow
from core.errors import KamError
from core.models import Account, Interaction, InteractionCreate
from core.services._records import earlier, insert
from core.services.contacts import ensure_contact_at

FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of now an interaction may be dated (clocks differ a little)."""


def log_interaction(
    account: Account,
    interaction: InteractionCreate,
    *,
    session: Session,
    actor: Actor,
    now: datetime | None = None,
) -> Interaction:
    """Record a touch with the customer; it resets the account's check-in clock.

    The same ``idempotency_key`` twice (a double click, a retried request)
    returns the first interaction instead of logging a second.
    """
    key = interaction.idempotency_key
    if key is not None and (logged := earlier(Interaction, key, session=session)) is not None:
        return logged
    now = now or utcnow()
    when = as_utc(interaction.occurred_at) if interaction.occurred_at else now
    if when > now + FUTURE_SLACK:
        raise KamError(
            f"An interaction cannot be logged in the future ({when:%Y-%m-%d %H:%M} UTC). "
            "Log it once it has happened, or record it as a promise due then "
            "(`kam promise ACCOUNT WHAT --by WHEN`, or `/kam promise` in Slack)."
        )
    ensure_contact_at(account, interaction.contact_id, session=session)
    logged = insert(
        Interaction,
        interaction,
        account=account,
        session=session,
        actor=actor,
        occurred_at=when,
        user_id=actor.user_id,
    )
    assert account.id is not None
    # The reminder engine is imported when an interaction is logged, not by every reader
    # of interactions (an account card, `kam show`).
    from core.checkins import resolve_after_interaction

    resolve_after_interaction(account.id, session=session, now=now)
    return logged


def recent_interactions(
    account: Account, *, session: Session, limit: int = 10
) -> Sequence[Interaction]:
    """The latest interactions, newest first."""
    return session.exec(
        select(Interaction)
        .where(Interaction.account_id == account.id)
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
        .limit(limit)
    ).all()
