"""The check-in engine's numbers, in one place.

Cadence per tier and the red factor belong to the team's scoring rules
(``[scoring.cadence]`` in ``kam.toml``, :func:`core.scoring.load_config`), so
scoring and reminders read one setting; their defaults are the KAM defaults of
DESIGN.md §1. The other figures (how long a thank-you stays open, how far
ahead a promise shows) are kam's own choices, named here so a reader finds
them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from core.models import Tier
from core.scoring.config import TIERS, ScoringConfig, load_config


def cadence_days(scoring: ScoringConfig) -> dict[str, int]:
    """Days between check-ins per tier, as the scoring rules set them."""
    return {tier: scoring.cadence_days(tier) for tier in TIERS}


DEFAULT_TIER_WEIGHT: dict[str, float] = {
    Tier.STRATEGIC: 4.0,
    Tier.KEY: 3.0,
    Tier.GROWTH: 2.0,
    Tier.STANDARD: 1.0,
}
REVIEWED_TIERS = frozenset({Tier.STRATEGIC.value, Tier.KEY.value})


@dataclass(frozen=True)
class CheckinConfig:
    """How often each tier is called, and how the other reminders are timed."""

    cadence_days: dict[str, int] = field(default_factory=lambda: cadence_days(ScoringConfig()))
    red_factor: float = ScoringConfig().cadence.red_after
    tier_weight: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TIER_WEIGHT))
    commitment_lead: timedelta = timedelta(days=2)
    thank_you_window: timedelta = timedelta(days=7)
    renewal_term: timedelta = timedelta(days=365)
    """A won deal renews an earlier one when the account's latest earlier win of the
    same product closed about one term before it (within ``renewal_slack``)."""
    renewal_slack: timedelta = timedelta(days=45)
    health_drop_window: timedelta = timedelta(days=14)
    health_red: float = ScoringConfig().bands.red
    """Health at or below this is red (the scoring rules' band, ``[scoring.bands]``)."""
    personal_connect_window: timedelta = timedelta(days=7)
    review_lead: timedelta = timedelta(days=42)
    onboarding_window: timedelta = timedelta(days=90)
    notice_warning: timedelta = timedelta(days=3)
    digest_grace: timedelta = timedelta(hours=12)

    def cadence(self, tier: str, override: int | None) -> int:
        """The ideal days between check-ins for an account of ``tier``."""
        if override:
            return override
        return self.cadence_days.get(tier, self.cadence_days[Tier.STANDARD])

    def weight(self, tier: str) -> float:
        """How much a tier's overdue check-in counts against the others'."""
        return self.tier_weight.get(tier, 1.0)

    @classmethod
    def from_scoring(cls, scoring: ScoringConfig) -> CheckinConfig:
        """The engine's settings with the cadences of these scoring rules."""
        return cls(
            cadence_days=cadence_days(scoring),
            red_factor=scoring.cadence.red_after,
            health_red=scoring.bands.red,
        )


def load_checkin_config(path: str | Path | None = None) -> CheckinConfig:
    """The configuration in force: the cadences of ``kam.toml`` (see
    :func:`core.scoring.load_config`), the engine's own figures otherwise."""
    return CheckinConfig.from_scoring(load_config(path))
