"""Health 0–100: is this relationship in good shape right now?

Recency of contact against the account's cadence, satisfaction and its trend,
overdue promises, bad news not yet told, and the revenue trend (last six months
against the six before). Bands and the trend against the previous snapshot are
read from the same numbers.
"""

from __future__ import annotations

import numpy as np

from core.scoring.config import ScoringConfig
from core.scoring.criteria import FloatArray, ScoreTable, capped, score_table
from core.scoring.facts import Facts
from core.scoring.relationship import recency, satisfaction_level


def satisfaction_trend(facts: Facts) -> tuple[FloatArray, FloatArray]:
    """(change in satisfaction, normalised): the latest level averaged with how it moved.

    The level is the recent window's, or the earlier one's when nothing recent
    was said; the move scores 1 when steady or better and 0 after a drop of 0.5.
    """
    recent = satisfaction_level(facts, ("recent",))
    earlier = satisfaction_level(facts, ("earlier",))
    change = recent - earlier
    level = np.where(np.isnan(recent), earlier, recent)
    moved = np.clip(1.0 + 2.0 * change, 0.0, 1.0)
    parts = np.column_stack([level, moved])
    given = (~np.isnan(parts)).sum(axis=1)
    normalised = np.where(given > 0, np.nansum(parts, axis=1) / np.maximum(given, 1), np.nan)
    return change, normalised


def revenue_trend(facts: Facts) -> FloatArray:
    """Revenue of the last 6 months against the 6 before; NaN without revenue the 6 before."""
    prev = facts.revenue_prev_6m
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(prev > 0, (facts.revenue_6m - prev) / prev, np.nan)


def health(facts: Facts, cadence: FloatArray, config: ScoringConfig) -> ScoreTable:
    """Score every account's health, given each account's check-in cadence."""
    s = config.scales
    change, satisfaction = satisfaction_trend(facts)
    overdue = facts.commitments_overdue.astype(np.float64)
    untold = facts.notices_untold.astype(np.float64)
    trend = revenue_trend(facts)
    raw: dict[str, FloatArray] = {
        "recency": facts.days_since_contact,
        "satisfaction_trend": change,
        "overdue_commitments": overdue,
        "untold_notices": untold,
        "revenue_trend": trend,
    }
    normalised = {
        "recency": recency(facts, cadence, config),
        "satisfaction_trend": satisfaction,
        "overdue_commitments": 1.0 - np.minimum(overdue / s.overdue_commitments_zero_at, 1.0),
        "untold_notices": 1.0 - np.minimum(untold / s.untold_notices_zero_at, 1.0),
        "revenue_trend": capped(trend, s.trend_floor, s.trend_cap),
    }
    rules = config.health
    return score_table(rules.criteria(), rules.model_dump(), raw, normalised)
