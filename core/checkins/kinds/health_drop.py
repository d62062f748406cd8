"""Health drop (habit 5, reliable and proactive): an account whose health fell into red
at a scoring, named with the factors that moved.

Due from the scoring whose snapshot first read red (after one that did not) for
``health_drop_window`` (14 days), while the newest snapshot is still red and no
call, meeting or visit has been logged since the drop. The occurrence is the
drop, named by the day of that snapshot. Red; priority 1.5, weighted by tier.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins.kind import (
    Context,
    Derived,
    Kind,
    LogInteraction,
    about_account,
    current_tier,
    newest_snapshot,
    scorings,
)
from core.checkins.kinds.personal_connect import PERSONAL_KINDS
from core.checkins.sql import chunked, moment, rows
from core.models import Account, AccountStatus, Interaction, InteractionKind, ScoreSnapshot, Tier

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "health_drop"
MOVED = 0.1
"""A factor moved when its points changed by at least this much (points are tenths)."""


@dataclass(frozen=True)
class Drop:
    """The snapshot that first read red, and the one before it."""

    at: datetime
    health: float
    before: float
    factors: dict[str, float]
    """Points per health factor at the drop, minus the points before it."""


def factors_moved(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, float]:
    """The health factors whose points changed between two breakdowns, the largest
    fall first."""
    points_now = (now or {}).get("health") or {}
    points_before = (before or {}).get("health") or {}
    moved = {}
    for factor in sorted(set(points_now) | set(points_before)):
        was, now_at = points_before.get(factor, 0.0), points_now.get(factor, 0.0)
        change = round(float(now_at) - float(was), 1)
        if abs(change) >= MOVED:
            moved[factor] = change
    return dict(sorted(moved.items(), key=lambda kv: (kv[1], kv[0])))


def read(context: Context, reading: Reading) -> list[Derived]:
    """Accounts whose newest snapshot is red and whose red run began with a drop in
    the window, without a personal contact since."""
    now, config, session = context.now, context.config, reading.session
    first_scoring, last_scoring = scorings(session)
    if first_scoring == last_scoring:  # a drop needs two scorings
        return []
    red_line = config.health_red
    tier = current_tier()
    since = now - config.health_drop_window
    # Each account's newest snapshot, found through the (account, at) index per account
    # rather than by grouping every snapshot of every nightly run.
    newest = newest_snapshot("id")
    accounts = rows(
        session,
        wide_select(
            col(Account.id),
            col(Account.name),
            col(Account.owner_id),
            tier,
            col(ScoreSnapshot.health),
        )
        .join(ScoreSnapshot, col(ScoreSnapshot.id) == newest)
        .where(
            col(Account.status) == AccountStatus.ACTIVE.value,
            col(ScoreSnapshot.health) <= red_line,
            col(ScoreSnapshot.at) >= since,
            *context.scope.where(col(Account.owner_id), col(Account.id)),
        ),
    )
    if not accounts:
        return []
    drops = red_drops(session, {row[0] for row in accounts}, red_line, since=since)
    contacted = _contacted_since(session, drops)
    found = []
    for row in accounts:
        account_id, name, _owner_id, tier_name, _health = row
        drop = drops.get(account_id)
        if drop is None or account_id in contacted or drop.at > now:
            continue
        fell = [f"{factor} {change:+.1f}" for factor, change in drop.factors.items() if change < 0]
        rose = [f"{factor} {change:+.1f}" for factor, change in drop.factors.items() if change > 0]
        moved = "; ".join(fell + rose) or "no single factor moved"
        weight = config.weight(tier_name) / config.weight(Tier.STRATEGIC)
        found.append(
            about_account(
                row,
                NAME,
                f"{drop.at:%Y-%m-%d}",
                due_at=drop.at,
                priority=1.5 * weight,
                severity="red",
                title=f"Health of {name} fell into red: {drop.before:.1f} → {drop.health:.1f}",
                detail=f"What moved: {moved}. Call them and find out why.",
                tier=tier_name,
                reason=f"health fell into red ({drop.before:.0f} → {drop.health:.0f}) "
                f"at the scoring of {drop.at:%d %b}",
            )
        )
    kept = reading.keep(found, lambda i: i.key, lambda i: i.user_id)
    return [Derived(i) for i in kept]


def red_drops(
    session: Session, account_ids: Collection[int], red_line: float, *, since: datetime
) -> dict[int, Drop]:
    """For each account, its drop into red since ``since``: the first red snapshot after
    its last one above the red line, and that one. Accounts red from their first
    snapshot (or whose drop is older) have none."""
    out: dict[int, Drop] = {}
    for part in chunked(sorted(account_ids)):
        out.update(_drops_of(session, list(part), red_line, since))
    return out


def _drops_of(
    session: Session, account_ids: list[int], red_line: float, since: datetime
) -> dict[int, Drop]:
    last_above = (
        select(
            col(ScoreSnapshot.account_id).label("account_id"),
            func.max(ScoreSnapshot.at).label("at"),
        )
        .where(col(ScoreSnapshot.health) > red_line, col(ScoreSnapshot.account_id).in_(account_ids))
        .group_by(col(ScoreSnapshot.account_id))
        .subquery()
    )
    first_red = (
        select(
            col(ScoreSnapshot.account_id).label("account_id"),
            func.min(ScoreSnapshot.at).label("at"),
        )
        .join(last_above, last_above.c.account_id == ScoreSnapshot.account_id)
        .where(
            col(ScoreSnapshot.account_id).in_(account_ids),
            col(ScoreSnapshot.at) > last_above.c.at,
            col(ScoreSnapshot.at) >= since,
        )
        .group_by(col(ScoreSnapshot.account_id))
        .subquery()
    )
    pair = rows(
        session,
        wide_select(ScoreSnapshot.__table__)  # type: ignore[attr-defined]
        .join(last_above, last_above.c.account_id == ScoreSnapshot.account_id)
        .outerjoin(first_red, first_red.c.account_id == ScoreSnapshot.account_id)
        .where(
            col(ScoreSnapshot.account_id).in_(account_ids),
            first_red.c.at.is_not(None),
            or_(col(ScoreSnapshot.at) == last_above.c.at, col(ScoreSnapshot.at) == first_red.c.at),
        ),
    )
    seen: dict[int, dict[str, Any]] = {}
    for row in pair:
        seen.setdefault(row.account_id, {})["red" if row.health <= red_line else "above"] = row
    out = {}
    for account_id, both in seen.items():
        red, above = both.get("red"), both.get("above")
        at = moment(red.at) if red is not None else None
        if red is None or above is None or at is None:
            continue
        out[account_id] = Drop(
            at=at,
            health=float(red.health),
            before=float(above.health),
            factors=factors_moved(red.breakdown or {}, above.breakdown or {}),
        )
    return out


def _contacted_since(session: Session, drops: Mapping[int, Drop]) -> set[int]:
    """The accounts with a call, meeting or visit logged since their drop."""
    if not drops:
        return set()
    earliest = min(d.at for d in drops.values())
    out: set[int] = set()
    kinds = [str(k) for k in PERSONAL_KINDS]
    for part in chunked(sorted(drops)):
        for account_id, last in rows(
            session,
            wide_select(col(Interaction.account_id), func.max(Interaction.occurred_at))
            .where(
                col(Interaction.account_id).in_(part),
                col(Interaction.kind).in_(kinds),
                col(Interaction.occurred_at) >= earliest,
            )
            .group_by(col(Interaction.account_id)),
        ):
            stamp = moment(last)
            if stamp is not None and stamp >= drops[account_id].at:
                out.add(account_id)
    return out


DONE = LogInteraction(InteractionKind.CALL, "Called about their health")
KIND = Kind(
    NAME,
    "Health drop",
    read,
    resolved_by="a call, meeting or visit, or health back above red",
    done=DONE,
)
