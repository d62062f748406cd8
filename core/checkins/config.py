"""The check-in engine's numbers, in one place.

Cadence per tier and the red factor are the KAM defaults of DESIGN.md §1. The
other figures (how long a thank-you stays open, how far ahead a promise shows)
are kam's own choices, named here so a reader finds them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from core.models import Tier

DEFAULT_CADENCE_DAYS: dict[str, int] = {
    Tier.STRATEGIC: 14,
    Tier.KEY: 30,
    Tier.GROWTH: 60,
    Tier.STANDARD: 90,
}
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

    cadence_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CADENCE_DAYS))
    red_factor: float = 1.5
    tier_weight: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TIER_WEIGHT))
    commitment_lead: timedelta = timedelta(days=2)
    thank_you_window: timedelta = timedelta(days=7)
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


def load_checkin_config() -> CheckinConfig:
    """The configuration in force (the defaults until kam.toml says otherwise)."""
    return CheckinConfig()
