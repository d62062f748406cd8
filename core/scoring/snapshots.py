"""Score snapshots: the history that trends are read from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import delete, literal
from sqlmodel import Session, col

from core import bulk
from core.models import ScoreSnapshot
from core.scoring.scored import SCORES, ScoredPortfolio
from core.types import UTCDateTime


def snapshot_rows(p: ScoredPortfolio, at: datetime) -> Iterator[dict[str, Any]]:
    """One row per account: the scores, the tier earned, and each criterion's points.

    The points are what the next run's health trend compares against; the full
    explanation (raw and normalised values) is recomputed when asked for.
    """
    names = {s: [c.name for c in p.tables[s].criteria] for s in SCORES}
    points = {s: (p.tables[s].tenths / 10.0).tolist() for s in SCORES}
    scores = {s: p.tables[s].score.tolist() for s in SCORES}
    ids = p.facts.ids.tolist()
    for i, account_id in enumerate(ids):
        breakdown: dict[str, Any] = {
            s: dict(zip(names[s], points[s][i], strict=True)) for s in SCORES
        }
        breakdown["earned_tier"] = p.earned_tier[i]
        yield {
            "account_id": account_id,
            "at": at,
            "attractiveness": scores["attractiveness"][i],
            "relationship": scores["relationship"][i],
            "health": scores["health"][i],
            "tier": p.tier[i],
            "quadrant": p.quadrant[i],
            "breakdown": breakdown,
        }


def store_snapshots(p: ScoredPortfolio, *, session: Session, at: datetime) -> int:
    """Write one snapshot per account at ``at``, replacing any taken at that same moment."""
    session.execute(delete(ScoreSnapshot).where(col(ScoreSnapshot.at) == literal(at, UTCDateTime)))
    return bulk.insert_rows(ScoreSnapshot, snapshot_rows(p, at), session=session)
