"""Score snapshots: the history that trends are read from."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, delete, func, literal
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core import bulk
from core.models import Account, ScoreSnapshot
from core.scoring.config import TIERS
from core.tier_runs import snapshots_written
from core.types import UTCDateTime

if TYPE_CHECKING:  # the scoring arrays: not for a reader of stored snapshots
    from core.scoring.scored import ScoredPortfolio


def snapshot_breakdowns(p: ScoredPortfolio, part: slice = slice(None)) -> list[str]:
    """Each account's stored breakdown as JSON text: the health points per factor, the
    tier earned, and why capacity held it below what its scores earn (only if it did);
    for the accounts at ``part`` of the arrays (all by default).

    The health points are what the next run's trend compares against; the full
    explanation is recomputed whenever someone asks for it. The text is exactly
    what ``json.dumps`` writes for ``{"health": {factor: points, …}, "earned_tier": tier}``
    (and ``"over_capacity": reason`` for an account held back),
    but filled into one template per row from a table of the few hundred
    distinct point values (points are whole tenths), since encoding 100,000
    small dicts one by one was the largest cost of a rescore.
    """
    health = p.tables["health"]
    factors = ", ".join(f"{json.dumps(c.name)}: %s" for c in health.criteria)
    template = f'{{"health": {{{factors}}}, "earned_tier": %s%s}}'
    quoted = {tier: json.dumps(tier) for tier in TIERS}
    tenths = health.tenths[part]
    if not len(tenths):
        return []
    low = int(tenths.min())
    texts = [json.dumps(t / 10.0) for t in range(low, int(tenths.max()) + 1)]
    columns = [[texts[t - low] for t in column] for column in tenths.T.tolist()]
    columns.append([quoted[earned] for earned in p.earned_tier[part]])
    held_back = p.over_capacity[part]
    reasons = {
        id(held): f', "over_capacity": {json.dumps(held.as_json())}'
        for held in set(held_back)
        if held
    }
    columns.append([reasons[id(held)] if held else "" for held in held_back])
    return [template % row for row in zip(*columns, strict=True)]


STORE_CHUNK = 100_000
"""Snapshots written at a time: their texts are never all held at once."""


def store_snapshots(p: ScoredPortfolio, *, session: Session, at: datetime) -> int:
    """Write one snapshot per account at ``at``, replacing any taken at that same moment,
    each with the moment its run of strategic or key snapshots began, and keep each
    account's current tier, and where its red run began by these rules' red line
    (:mod:`core.tier_runs`)."""
    session.execute(delete(ScoreSnapshot).where(col(ScoreSnapshot.at) == literal(at, UTCDateTime)))
    n = p.facts.size
    written = 0
    for start in range(0, n, STORE_CHUNK):
        part = slice(start, min(n, start + STORE_CHUNK))
        columns: dict[str, Any] = {
            "account_id": p.facts.ids[part].tolist(),
            "at": list(repeat(at, part.stop - start)),
            "attractiveness": p.tables["attractiveness"].score[part].tolist(),
            "relationship": p.tables["relationship"].score[part].tolist(),
            "health": p.tables["health"].score[part].tolist(),
            "tier": p.tier[part],
            "quadrant": p.quadrant[part],
            "breakdown": snapshot_breakdowns(p, part),
        }
        written += bulk.insert_columns(
            ScoreSnapshot, columns, session=session, serialised={"breakdown"}
        )
    snapshots_written(session.connection(), at, p.config.bands.red)
    return written


def newest_snapshot(account_id: Any) -> tuple[type[ScoreSnapshot], ColumnElement[bool]]:
    """A snapshot alias and the join condition that picks the newest snapshot of the
    account ``account_id`` (a column of the outer query).

    The newest moment is found per account through the snapshots' (account, at, tier)
    index, so the look-up costs the same after thirty nightly scorings as after one;
    grouping every snapshot ever stored to find each account's newest read them all.
    Outer-join the alias on the condition; its columns are None before any scoring.
    """
    snap = aliased(ScoreSnapshot)
    inner = aliased(ScoreSnapshot)
    newest_at = (
        select(func.max(col(inner.at))).where(col(inner.account_id) == account_id).scalar_subquery()
    )
    joined = and_(col(snap.account_id) == account_id, col(snap.at) == newest_at)
    return snap, joined


def held_tier(snap: type[ScoreSnapshot]) -> ColumnElement[Any]:
    """SQL: the tier an account holds: its override, else the tier of ``snap`` (the
    alias :func:`newest_snapshot` joined); None before the first scoring."""
    return func.coalesce(col(Account.tier_override), col(snap.tier))
