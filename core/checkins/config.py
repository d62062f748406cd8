"""The check-in engine's numbers, in one place.

Cadence per tier and the red factor belong to the team's scoring rules
(``[scoring.cadence]`` in ``kam.toml``, :func:`core.scoring.load_config`), so
scoring and reminders read one setting; their defaults are the KAM defaults of
DESIGN.md §1. The other figures (how long a thank-you stays open, how far
ahead a promise shows) are kam's own choices, named here so a reader finds
them together.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.errors import KamError
from core.models import Tier
from core.scoring.config import TIERS, ScoringConfig, default_path, load_config


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
    urgent_per_day: int = 5
    """Urgent items sent as their own message per person per local day; the rest wait
    for the digest (``[reminders] urgent_per_day`` in ``kam.toml``)."""
    fold_routine: bool = True
    """Routine items reach people in their daily digest only, not as messages of their
    own (``[reminders] fold_routine``); False sends every item on its own, in working
    hours, up to ``urgent_per_day``."""

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
    :func:`core.scoring.load_config`), its ``[reminders]`` table, the engine's own
    figures otherwise."""
    config = CheckinConfig.from_scoring(load_config(path))
    where = Path(path) if path is not None else default_path()
    if where is None or not where.exists():
        return config
    table = tomllib.loads(where.read_text(encoding="utf-8")).get("reminders", {})
    return replace(config, **_reminder_settings(table, str(where)))


def _reminder_settings(table: dict[str, Any], source: str) -> dict[str, Any]:
    """The ``[reminders]`` table, checked: a mistake names the key and what it takes."""
    known = {"urgent_per_day": int, "fold_routine": bool}
    out: dict[str, Any] = {}
    for key, value in table.items():
        wanted = known.get(key)
        if wanted is None:
            raise KamError(
                f"{source}: [reminders] has no setting {key!r}; it takes {sorted(known)}."
            )
        if type(value) is not wanted or (isinstance(value, int) and value < 0):
            raise KamError(
                f"{source}: [reminders] {key} must be "
                + ("a whole number, 0 or more." if wanted is int else "true or false.")
            )
        out[key] = value
    return out
