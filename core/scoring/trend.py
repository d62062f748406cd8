"""The health trend: how an account's health moved since its previous score snapshot.

One rule for every front end: ``kam score``'s breakdown, the App Home, the TUI's
card and its portfolio table all say "up", "down" or "steady" from this function,
so a change of 1.96 points reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.scoring.config import ScoringConfig

Direction = Literal["up", "down", "steady"]


@dataclass(frozen=True, slots=True)
class HealthChange:
    """How far health moved in points (one decimal) and which way that reads."""

    change: float
    direction: Direction


def health_trend(current: float, previous: float, config: ScoringConfig) -> HealthChange:
    """Health against the previous snapshot: a change under the threshold is "steady".

    The change is rounded to one decimal before it is compared, so the direction
    always agrees with the change a person sees. It depends on the difference alone.
    """
    change = round(current - previous, 1)
    threshold = config.bands.trend_threshold
    direction: Direction = (
        "up" if change >= threshold else "down" if change <= -threshold else "steady"
    )
    return HealthChange(change, direction)
