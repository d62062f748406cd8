"""Score snapshots: the history that trends are read from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, literal
from sqlmodel import Session, col

from core import bulk
from core.models import ScoreSnapshot
from core.scoring.scored import ScoredPortfolio
from core.types import UTCDateTime


def snapshot_rows(p: ScoredPortfolio, at: datetime) -> list[dict[str, Any]]:
    """One row per account: the scores, the tier earned, and the points of each health factor.

    The health points are what the next run's trend compares against; the full
    explanation is recomputed whenever someone asks for it.
    """
    health = p.tables["health"]
    factors = [c.name for c in health.criteria]
    return [
        {
            "account_id": account_id,
            "at": at,
            "attractiveness": a,
            "relationship": r,
            "health": h,
            "tier": tier,
            "quadrant": quadrant,
            "breakdown": {"health": dict(zip(factors, points, strict=True)), "earned_tier": earned},
        }
        for account_id, a, r, h, tier, quadrant, earned, points in zip(
            p.facts.ids.tolist(),
            p.tables["attractiveness"].score.tolist(),
            p.tables["relationship"].score.tolist(),
            health.score.tolist(),
            p.tier,
            p.quadrant,
            p.earned_tier,
            (health.tenths / 10.0).tolist(),
            strict=True,
        )
    ]


def store_snapshots(p: ScoredPortfolio, *, session: Session, at: datetime) -> int:
    """Write one snapshot per account at ``at``, replacing any taken at that same moment."""
    session.execute(delete(ScoreSnapshot).where(col(ScoreSnapshot.at) == literal(at, UTCDateTime)))
    return bulk.insert_rows(ScoreSnapshot, snapshot_rows(p, at), session=session)
