"""What the App Home tab shows one person, read in one session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from slack_sdk.models.views import View
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.checkins import DueItem, due_items
from core.clock import zone
from core.models import Account, Commitment, Notice, ScoreSnapshot, Tier, User
from core.scoring import load_config
from core.scoring.snapshots import latest_snapshots
from kambot import blocks as kb

KEY_TIERS = (Tier.STRATEGIC.value, Tier.KEY.value)
LIST_LIMIT = 50


@dataclass(frozen=True)
class HomeData:
    items: list[DueItem]
    key_accounts: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    untold: list[dict[str, Any]]


def key_accounts(user: User, *, session: Session) -> list[dict[str, Any]]:
    """The person's strategic and key accounts with health band and trend, weakest first."""
    config = load_config()
    snap = latest_snapshots().subquery()
    rows = session.execute(
        sa_select(
            col(Account.id),
            col(Account.name),
            col(Account.tier_override),
            snap.c.tier,
            snap.c.health,
        )
        .outerjoin(snap, snap.c.account_id == Account.id)
        .where(col(Account.owner_id) == user.id)
    ).all()
    chosen = [r for r in rows if (r[2] or r[3]) in KEY_TIERS]
    ids = [r[0] for r in chosen]
    previous: dict[int, float] = {}
    if ids:
        history = session.exec(
            select(ScoreSnapshot.account_id, ScoreSnapshot.health)
            .where(col(ScoreSnapshot.account_id).in_(ids))
            .order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at).desc())
        ).all()
        seen: dict[int, int] = {}
        for snap_account, snap_health in history:
            seen[snap_account] = seen.get(snap_account, 0) + 1
            if seen[snap_account] == 2:
                previous[snap_account] = snap_health
    out = []
    for account_id, name, override, tier, raw_health in chosen:
        health = None if raw_health is None else float(cast(float, raw_health))
        change = (
            None if health is None or account_id not in previous else health - previous[account_id]
        )
        trend = None
        if change is not None:
            steady = abs(change) < config.bands.trend_threshold
            trend = "steady" if steady else ("up" if change > 0 else "down")
        out.append(
            {
                "id": account_id,
                "name": name,
                "tier": override or tier,
                "health": health,
                "band": config.band(health) if health is not None else None,
                "change": change,
                "trend": trend,
            }
        )
    out.sort(key=lambda a: (a["health"] is None, a["health"] or 0.0, a["name"]))
    return out


def home_data(user: User, *, session: Session, now: datetime) -> HomeData:
    """Due items, key accounts, overdue promises and untold notices for ``user``."""
    today = now.astimezone(zone(user.timezone)).date()
    overdue = session.exec(
        select(Commitment, Account.name)
        .join(Account, col(Account.id) == Commitment.account_id)
        .where(
            Commitment.owner_id == user.id,
            col(Commitment.done_at).is_(None),
            col(Commitment.due_on) < today,
        )
        .order_by(col(Commitment.due_on))
        .limit(LIST_LIMIT)
    ).all()
    untold = session.exec(
        select(Notice, Account.name)
        .join(Account, col(Account.id) == Notice.account_id)
        .where(Notice.owner_id == user.id, col(Notice.communicated_at).is_(None))
        .order_by(col(Notice.must_tell_by))
        .limit(LIST_LIMIT)
    ).all()
    return HomeData(
        items=due_items(session=session, now=now, user_id=user.id),
        key_accounts=key_accounts(user, session=session),
        overdue=[
            {"account": name, "what": c.what, "due_on": c.due_on.isoformat()} for c, name in overdue
        ],
        untold=[
            {"account": name, "what": n.what, "must_tell_by": n.must_tell_by.isoformat()}
            for n, name in untold
        ],
    )


def home_view(user: User, *, session: Session, now: datetime, page: int = 0) -> View:
    """The App Home view for ``user`` at ``page`` of their due list."""
    data = home_data(user, session=session, now=now)
    pages = max(1, -(-len(data.items) // 15))
    return kb.home_view(
        name=user.name,
        items=data.items,
        page=min(max(page, 0), pages - 1),
        key_accounts=data.key_accounts,
        overdue=data.overdue,
        untold=data.untold,
    )
