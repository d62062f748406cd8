"""Health drop (habit 5, reliable and proactive): an account whose health fell into red
at a scoring, named with the factors that moved.

Due from the scoring whose snapshot first read red (after one that did not) for
``health_drop_window`` (14 days), while the newest snapshot is still red and no
call, meeting or visit has been logged since the drop. The occurrence is the
drop, named by the day of that snapshot. Red; priority 1.5, weighted by tier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Float, and_, case, func
from sqlalchemy import select as wide_select
from sqlmodel import col, select

from core.checkins.keys import key_sql
from core.checkins.kind import (
    Context,
    Derived,
    Kind,
    LogInteraction,
    Scope,
    about,
    current_tier,
    due_by_tier,
    logged_since,
)
from core.checkins.kinds.personal_connect import PERSONAL_KINDS
from core.checkins.sql import moment, utc_day
from core.checkins.statements import NOW, built, value
from core.models import Account, AccountStatus, CurrentTier, InteractionKind, ScoreSnapshot
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "health_drop"
SNAPSHOTS = ScoreSnapshot.__table__  # type: ignore[attr-defined]
# The snapshots as the query reads them, each alias built once: an alias copies its
# table's columns when first read, and a construct does not change once built.
NEWEST_BEFORE, WINDOW, AFTER, ABOVE, FELL = (
    SNAPSHOTS.alias(name) for name in ("newest_before", "window", "after", "above", "fell")
)
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
    now, config = context.now, context.config
    first_scoring, last_scoring = reading.scorings()
    if first_scoring == last_scoring:  # a drop needs two scorings
        return []
    query = drops(context.scope.shape)
    values = context.values(red_line=config.health_red, since=now - config.health_drop_window)
    found = []
    seen = set()
    for row in reading.rows(query, values):
        if row.key in seen:  # two snapshots of one account at one moment
            continue
        seen.add(row.key)
        fell_at = moment(row.at)
        assert fell_at is not None
        drop = Drop(
            at=fell_at,
            health=float(row.health),
            before=float(row.before),
            factors=factors_moved(_json(row.breakdown), _json(row.before_breakdown)),
        )
        fell = [f"{factor} {change:+.1f}" for factor, change in drop.factors.items() if change < 0]
        rose = [f"{factor} {change:+.1f}" for factor, change in drop.factors.items() if change > 0]
        moved = "; ".join(fell + rose) or "no single factor moved"
        found.append(
            due_by_tier(
                row,
                NAME,
                config,
                due_at=drop.at,
                priority=1.5,
                severity="red",
                title=f"Health of {row.name} fell into red: {drop.before:.1f} → {drop.health:.1f}",
                detail=f"What moved: {moved}. Call them and find out why.",
                reason=f"health fell into red ({drop.before:.0f} → {drop.health:.0f}) "
                f"at the scoring of {drop.at:%d %b}",
            )
        )
    return found


@built
def drops(scope: Scope) -> Any:
    """SQL: the accounts of ``scope`` (a shape) whose newest snapshot is at or below
    the red line (``red_line``) and whose red run began at or after ``since`` and by
    the moment (:data:`NOW`), with a snapshot above the red line before it, and no
    call, meeting or visit logged since: one row each, with the snapshot that first
    read red (``at``, ``health``, ``breakdown``) and the one before it (``before``,
    ``before_breakdown``). Built once per shape, run with those values.

    The red accounts are a range of ``current_tiers``' health index (scoring keeps
    the newest snapshot's health there). Where the red run began, the account's last
    snapshot above the red line, is kept there too, with the red line it was judged
    by: read as it is when that is the line asked about, so no snapshot of the run is
    read. Otherwise (a red line changed since the last scoring, or a row kept without
    one) it is found in the snapshots from the last one before ``since`` on, through
    the (account, at) index: a drop before that is older than the window. Either way
    the snapshot after it is one look-up by that index, and must be in the window.
    """
    line = value("red_line", Float())
    since = value("since", UTCDateTime())
    # Plain table aliases, built once: an ORM alias of the snapshots costs milliseconds
    # to build, each time the query is built (five of them were half of one person's
    # reading).
    snap = NEWEST_BEFORE
    floor = func.coalesce(
        select(snap.c.at)
        .where(snap.c.account_id == col(Account.id), snap.c.at < since)
        .order_by(snap.c.at.desc())
        .limit(1)
        .correlate(Account)  # two levels out, where no SELECT correlates on its own
        .scalar_subquery(),
        since,
    )
    window = WINDOW
    scanned = (
        select(func.max(window.c.at))
        .where(
            window.c.account_id == col(Account.id),
            window.c.at >= floor,
            window.c.health > line,
        )
        .scalar_subquery()
    )
    # The kept moment when kept by this red line; the window's snapshots only otherwise
    # (each database evaluates a CASE's subquery only for the rows that reach it).
    last_above = case((col(CurrentTier.red_line) == line, col(CurrentTier.above_at)), else_=scanned)
    health: Any = col(CurrentTier.health)
    if scope.user_ids is not None or scope.account_ids is not None:
        # A few accounts: each one's row by its key, not every red account of the
        # portfolio through the health index (PostgreSQL took that: 12 ms for one person).
        health = health + 0
    # OFFSET 0 keeps the planners from repeating the look-ups in each use below.
    above_at = (
        wide_select(
            *about(col(Account.id)),
            current_tier(joined=True).label("tier"),
            last_above.label("above_at"),
        )
        .join(CurrentTier, col(CurrentTier.account_id) == col(Account.id))
        .where(
            health <= line,
            col(CurrentTier.at) >= since,
            col(Account.status) == AccountStatus.ACTIVE.value,
            *scope.where(col(Account.owner_id), col(Account.id)),
        )
        .offset(0)
        .subquery("above_at")
    )
    after = AFTER
    first_red = (
        select(func.min(after.c.at))
        .where(after.c.account_id == above_at.c.account_id, after.c.at > above_at.c.above_at)
        .scalar_subquery()
    )
    # Each moment looked up once, before the snapshots are joined by (account, at).
    marks = (
        wide_select(above_at, first_red.label("fell_at"))
        .where(above_at.c.above_at.is_not(None))
        .offset(0)
        .subquery("marks")
    )
    above, fell = ABOVE, FELL
    return (
        wide_select(
            marks.c.account_id,
            marks.c.name,
            marks.c.user_id,
            marks.c.tier,
            fell.c.at.label("at"),
            fell.c.health.label("health"),
            fell.c.breakdown.label("breakdown"),
            above.c.health.label("before"),
            above.c.breakdown.label("before_breakdown"),
            key_sql(NAME, marks.c.account_id, utc_day(fell.c.at)).label("key"),
        )
        .select_from(marks)
        .join(above, and_(above.c.account_id == marks.c.account_id, above.c.at == marks.c.above_at))
        .join(fell, and_(fell.c.account_id == marks.c.account_id, fell.c.at == marks.c.fell_at))
        .where(
            marks.c.fell_at >= since,  # a kept moment may lie before the window
            marks.c.fell_at <= NOW,
            ~logged_since(PERSONAL_KINDS, marks.c.account_id, fell.c.at),
        )
    )


def _json(value: Any) -> dict[str, Any]:
    """A breakdown as the driver gave it, or as text where a sweep packed it as JSON."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or {}


DONE = LogInteraction(InteractionKind.CALL, "Called about their health")
KIND = Kind(
    NAME,
    "Health drop",
    read,
    resolved_by="a call, meeting or visit, or health back above red",
    done=DONE,
)
