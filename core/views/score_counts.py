"""How many accounts each tier, quadrant and health band holds, by the stored scores.

The portfolio overview counts the same rows the portfolio table shows, so the two
never disagree (and "not scored yet" is said only when no account has stored scores).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.scoring.config import TIERS
from core.scoring.portfolio import QUADRANTS
from core.views.portfolio_rows import PortfolioRow

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
