"""How many accounts each tier, quadrant and health band holds, by the stored scores.

The portfolio overview counts the same rows the portfolio table shows, so the two
never disagree (and "not scored yet" is said only when no account has stored scores).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.scoring.config import TIERS
from core.scoring.portfolio import QUADRANTS
from core.views.portfolio_rows import PortfolioColumns, PortfolioRow

BANDS = ("red", "yellow", "green")


@dataclass(frozen=True)
class ScoreCounts:
    """Counts over the stored scores of a set of portfolio rows."""

    accounts: int
    scored: int  # accounts with stored scores
    tiers: dict[str, int]  # every tier, strategic first (a hand-set tier counts as set)
    quadrants: dict[str, int]  # every quadrant, of the scored accounts
    bands: dict[str, int]  # every health band, of the scored accounts
    health_average: float | None  # None when nothing is scored


def score_counts(rows: Sequence[PortfolioRow]) -> ScoreCounts:
    """Tiers, quadrants and health bands as the rows hold them."""
    scored = [r for r in rows if r.health is not None]
    tiers = Counter(r.tier for r in rows)
    quadrants = Counter(r.quadrant for r in scored)
    bands = Counter(r.band for r in scored)
    return ScoreCounts(
        accounts=len(rows),
        scored=len(scored),
        tiers={t: tiers[t] for t in TIERS},
        quadrants={q: quadrants[q] for q in QUADRANTS},
        bands={b: bands[b] for b in BANDS},
        health_average=(
            round(sum(float(r.health or 0.0) for r in scored) / len(scored), 1) if scored else None
        ),
    )


def column_counts(columns: PortfolioColumns) -> ScoreCounts:
    """:func:`score_counts` of every row of ``columns``, counted over the arrays."""
    scored = ~np.isnan(columns.health)
    health: list[float] = columns.health[scored].tolist()
    tiers = np.bincount(columns.tier, minlength=len(columns.tiers)).tolist()
    quadrants = np.bincount(columns.quadrant[scored], minlength=len(columns.quadrants)).tolist()
    bands = np.bincount(columns.band[scored], minlength=len(BANDS)).tolist()
    tier_of = dict(zip(columns.tiers, tiers, strict=True))
    quadrant_of = dict(zip(columns.quadrants, quadrants, strict=True))
    band_of = dict(zip(BANDS, bands, strict=True))
    return ScoreCounts(
        accounts=len(columns),
        scored=len(health),
        tiers={t: tier_of.get(t, 0) for t in TIERS},
        quadrants={q: quadrant_of.get(q, 0) for q in QUADRANTS},
        bands={b: band_of.get(b, 0) for b in BANDS},
        # summed one by one, in account order, as score_counts sums
        health_average=round(sum(health) / len(health), 1) if health else None,
    )
