"""Read models for the front ends: the account list and the account card.

They return plain JSON-safe dictionaries so that the CLI's ``--json``, the
Slack blocks and the TUI all show the same facts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, select

from core.clock import utcnow
from core.models import (
    Account,
    Commitment,
    CustomerRequest,
    Deal,
    Feedback,
    Interaction,
    Notice,
    Order,
    ScoreSnapshot,
    User,
)
from core.scoring.snapshots import latest_snapshots
from core.services import accounts as account_service
from core.services import records

REVENUE_WINDOW = timedelta(days=365)


def iso(value: date | datetime | None) -> str | None:
    """ISO text for a date or timestamp, None kept."""
    return value.isoformat() if value is not None else None


def list_accounts(
    *,
    session: Session,
    tier: str | None = None,
    owner: User | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every account with its owner, tier, last contact and revenue over 12 months."""
    now = now or utcnow()
    since = (now - REVENUE_WINDOW).date()
    revenue = (
        select(Deal.account_id, func.sum(Deal.amount).label("revenue"))
        .where(Deal.stage == "won", col(Deal.closed_on) > since)
        .group_by(col(Deal.account_id))
        .subquery()
    )
    last_contact = (
        select(Interaction.account_id, func.max(Interaction.occurred_at).label("last"))
        .group_by(col(Interaction.account_id))
        .subquery()
    )
    snap = latest_snapshots().subquery()
    owner_table = select(User.id, User.email).subquery()
    query = (
        select(  # type: ignore[call-overload]
            # Columns, not Account objects: building 100,000 of those took half the time.
            col(Account.id),
            col(Account.name),
            col(Account.sector),
            col(Account.country),
            col(Account.tier_override),
            owner_table.c.email,
            func.coalesce(revenue.c.revenue, 0.0).label("revenue_12m"),
            last_contact.c.last,
            snap.c.tier,
        )
        .outerjoin(owner_table, owner_table.c.id == Account.owner_id)
        .outerjoin(revenue, revenue.c.account_id == Account.id)
        .outerjoin(last_contact, last_contact.c.account_id == Account.id)
        .outerjoin(snap, snap.c.account_id == Account.id)
        .order_by(literal_column("revenue_12m").desc(), col(Account.name))
    )
    if owner is not None:
        query = query.where(Account.owner_id == owner.id)
    rows = []
    for row in session.exec(query).all():
        current_tier = row.tier_override or row.tier
        if tier is not None and current_tier != tier:
            continue
        rows.append(
            {
                "id": row.id,
                "name": row.name,
                "sector": row.sector,
                "country": row.country,
                "owner": row.email,
                "tier": current_tier,
                "revenue_12m": float(row.revenue_12m or 0),
                "last_contact": iso(_aware(row.last)),
            }
        )
    return rows


def _aware(value: datetime | str | None) -> datetime | None:
    """Timestamps read through a subquery skip the column type; put UTC back."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    from core.clock import as_utc

    return as_utc(value)


def account_card(
    account: Account, *, session: Session, now: datetime | None = None
) -> dict[str, Any]:
    """Everything worth knowing before calling this customer."""
    now = now or utcnow()
    since = (now - REVENUE_WINDOW).date()
    owner = session.get(User, account.owner_id) if account.owner_id else None
    parent = session.get(Account, account.parent_id) if account.parent_id else None
    won = session.exec(
        select(func.coalesce(func.sum(Deal.amount), 0.0), func.count()).where(
            Deal.account_id == account.id, Deal.stage == "won"
        )
    ).one()
    won_12m = session.exec(
        select(func.coalesce(func.sum(Deal.amount), 0.0)).where(
            Deal.account_id == account.id, Deal.stage == "won", col(Deal.closed_on) > since
        )
    ).one()
    open_deals = session.exec(
        select(func.count()).where(Deal.account_id == account.id, Deal.stage == "open")
    ).one()
    interactions = records.recent_interactions(account, session=session, limit=10)
    commitments = session.exec(
        select(Commitment)
        .where(Commitment.account_id == account.id, col(Commitment.done_at).is_(None))
        .order_by(col(Commitment.due_on))
    ).all()
    notices = session.exec(
        select(Notice)
        .where(Notice.account_id == account.id, col(Notice.communicated_at).is_(None))
        .order_by(col(Notice.must_tell_by))
    ).all()
    requests = session.exec(
        select(CustomerRequest)
        .where(CustomerRequest.account_id == account.id)
        .order_by(col(CustomerRequest.created_at).desc())
        .limit(10)
    ).all()
    feedback = session.exec(
        select(Feedback)
        .where(Feedback.account_id == account.id)
        .order_by(col(Feedback.at).desc())
        .limit(5)
    ).all()
    orders = session.exec(
        select(Order)
        .where(Order.account_id == account.id)
        .order_by(col(Order.placed_at).desc())
        .limit(5)
    ).all()
    snapshot = session.exec(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.account_id == account.id)
        .order_by(col(ScoreSnapshot.at).desc())
        .limit(1)
    ).first()
    user_ids = {i.user_id for i in interactions if i.user_id is not None}
    users: dict[int | None, str] = (
        {u.id: u.email for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()}
        if user_ids
        else {}
    )
    return {
        "id": account.id,
        "name": account.name,
        "external_id": account.external_id,
        "sector": account.sector,
        "country": account.country,
        "status": account.status,
        "owner": owner.email if owner else None,
        "owner_name": owner.name if owner else None,
        "parent": parent.name if parent else None,
        "subsidiaries": [a.name for a in account_service.subsidiaries(account, session=session)],
        "customer_since": iso(account.customer_since),
        "annual_revenue": account.annual_revenue,
        "employees": account.employees,
        "founded_year": account.founded_year,
        "relationship_stage": account.relationship_stage,
        "financial_health": account.financial_health,
        "industry_influence": account.industry_influence,
        "category_spend": account.category_spend,
        "cost_to_serve": account.cost_to_serve,
        "gross_margin": account.gross_margin,
        "strategic_plans": account.strategic_plans,
        "checkin_cadence_days": account.checkin_cadence_days,
        "tier": account.tier_override or (snapshot.tier if snapshot else None),
        "tier_override": account.tier_override,
        "tier_override_reason": account.tier_override_reason,
        "revenue_total": float(won[0] or 0),
        "won_deals": int(won[1]),
        "revenue_12m": float(won_12m or 0),
        "open_deals": int(open_deals),
        "scores": None
        if snapshot is None
        else {
            "at": iso(snapshot.at),
            "attractiveness": snapshot.attractiveness,
            "relationship": snapshot.relationship,
            "health": snapshot.health,
            "tier": snapshot.tier,
            "quadrant": snapshot.quadrant,
        },
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "title": c.title,
                "email": c.email,
                "phone": c.phone,
                "decision_maker": c.decision_maker,
                "hometown": c.hometown,
                "interests": c.interests,
                "favourite_team": c.favourite_team,
                "family": c.family,
                "birthday": iso(c.birthday),
                "notes": c.notes,
            }
            for c in records.contacts_of(account, session=session)
        ],
        "latest_interaction": _interaction(interactions[0], users) if interactions else None,
        "interactions": [_interaction(i, users) for i in interactions],
        "open_commitments": [
            {"id": c.id, "what": c.what, "to_whom": c.to_whom, "due_on": iso(c.due_on)}
            for c in commitments
        ],
        "untold_notices": [
            {
                "id": n.id,
                "kind": n.kind,
                "what": n.what,
                "must_tell_by": iso(n.must_tell_by),
                "alternatives": n.alternatives,
            }
            for n in notices
        ],
        "requests": [
            {"id": r.id, "what": r.what, "alternatives": r.alternatives, "at": iso(r.created_at)}
            for r in requests
        ],
        "feedback": [
            {
                "id": f.id,
                "csat": f.csat,
                "nps": f.nps,
                "expectation": f.expectation,
                "comment": f.comment,
                "at": iso(f.at),
            }
            for f in feedback
        ],
        "orders": [
            {
                "id": o.id,
                "what": o.what,
                "amount": o.amount,
                "status": o.status,
                "placed_at": iso(o.placed_at),
            }
            for o in orders
        ],
    }


def _interaction(interaction: Interaction, users: dict[int | None, str]) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "kind": interaction.kind,
        "occurred_at": iso(interaction.occurred_at),
        "summary": interaction.summary,
        "sentiment": interaction.sentiment,
        "by": users.get(interaction.user_id),
        "source": interaction.source,
    }
