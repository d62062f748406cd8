"""A person's home: what is due, their key accounts' health, overdue promises, untold news.

What the App Home tab shows one account manager, read in one session. The
lists are capped at :data:`LIST_LIMIT` rows, which is more than the tab shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.checkins import DueItem, due_items
from core.clock import zone
from core.models import Account, Commitment, Notice, ScoreSnapshot, Tier, User
from core.scoring.config import ScoringConfig, load_config
from core.scoring.snapshots import newest_snapshot
from core.scoring.trend import HealthChange, health_trend

KEY_TIERS = (Tier.STRATEGIC.value, Tier.KEY.value)
LIST_LIMIT = 50


@dataclass(frozen=True)
class KeyAccount:
    """One of the person's strategic or key accounts, with how its health is doing."""

    id: int
    name: str
    tier: str | None
    health: float | None
    """The newest snapshot's health; None before the account is scored."""
    band: str | None
    trend: HealthChange | None
    """Against the snapshot before the newest; None with fewer than two."""


@dataclass(frozen=True)
class OverduePromise:
    """A promise to a customer whose day has passed."""

    account: str
    what: str
    due_on: date


@dataclass(frozen=True)
class NoticeToTell:
    """Bad news a customer has not heard from us yet."""

    account: str
    what: str
    must_tell_by: date


@dataclass(frozen=True)
class AppHome:
    """Everything on one person's home tab."""

    items: list[DueItem]
    """What is due for them, most urgent first."""
    key_accounts: list[KeyAccount]
    """Weakest health first; unscored ones last."""
    overdue: list[OverduePromise]
    untold: list[NoticeToTell]


def key_accounts(
    user: User, *, session: Session, config: ScoringConfig | None = None
) -> list[KeyAccount]:
    """The person's strategic and key accounts with health band and trend, weakest first."""
    config = config or load_config()
    snap, newest = newest_snapshot(col(Account.id))
    rows = session.execute(
        sa_select(
            col(Account.id),
            col(Account.name),
            col(Account.tier_override),
            col(snap.tier),
            col(snap.health),
        )
        .outerjoin(snap, newest)
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
        trend = (
            None
            if health is None or account_id not in previous
            else health_trend(health, previous[account_id], config)
        )
        out.append(
            KeyAccount(
                id=cast(int, account_id),
                name=cast(str, name),
                tier=cast(str | None, override or tier),
                health=health,
                band=config.band(health) if health is not None else None,
                trend=trend,
            )
        )
    out.sort(key=lambda a: (a.health is None, a.health or 0.0, a.name))
    return out


def app_home(
    user: User, *, session: Session, now: datetime, config: ScoringConfig | None = None
) -> AppHome:
    """Due items, key accounts, overdue promises and untold notices for ``user`` at ``now``.

    "Overdue" is judged by the day in the person's own time zone.
    """
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
    return AppHome(
        items=due_items(session=session, now=now, user_id=user.id),
        key_accounts=key_accounts(user, session=session, config=config),
        overdue=[OverduePromise(account=name, what=c.what, due_on=c.due_on) for c, name in overdue],
        untold=[
            NoticeToTell(account=name, what=n.what, must_tell_by=n.must_tell_by)
            for n, name in untold
        ],
    )
