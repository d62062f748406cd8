"""The team's scoring rules: criteria weights, tier and quadrant cut-offs, cadences.

Every number has a default taken from KAM practice (see DESIGN.md §1); a team
changes them in a ``kam.toml`` file under ``[scoring]``. A typo in a key or
weights that do not add up to 100 stop with a message, never a silent default.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Self, cast

from platformdirs import user_config_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import KamError
from core.scoring.criteria import Criterion

CONFIG_ENV = "KAM_CONFIG"
CONFIG_NAME = "kam.toml"
TIERS = ("strategic", "key", "growth", "standard")


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def weight(default: float, label: str, method: str, unit: str) -> Any:
    """A criterion's weight (``default`` unless the team sets it), declared with how the
    breakdown names and reads the criterion (see :class:`Criterion`)."""
    return Field(
        default=default, json_schema_extra={"label": label, "method": method, "unit": unit}
    )


class _Weights(_Rules):
    """A score's criteria and their weights: none negative, and together 100."""

    SCORE: ClassVar[str]

    @classmethod
    def criteria(cls) -> tuple[Criterion, ...]:
        """The score's criteria, in the order the breakdown lists them."""
        return tuple(
            Criterion(name, **cast(dict[str, str], f.json_schema_extra))
            for name, f in cls.model_fields.items()
        )

    @model_validator(mode="after")
    def _sums_to_100(self) -> Self:
        weights = self.model_dump()
        if any(w < 0 for w in weights.values()):
            raise ValueError(f"{self.SCORE} weights must not be negative")
        total = sum(weights.values())
        if abs(total - 100) > 1e-6:
            raise ValueError(f"{self.SCORE} weights add up to {total:g}; they must add up to 100")
        return self


class AttractivenessWeights(_Weights):
    """How much each criterion counts towards attractiveness (sums to 100)."""

    SCORE = "attractiveness"

    revenue_12m: float = weight(25, "Revenue from us, 12 months", "percentile", "money")
    revenue_growth: float = weight(10, "Growth on the 12 months before", "capped", "ratio")
    annual_revenue: float = weight(10, "Customer's annual revenue", "percentile", "money")
    employees: float = weight(5, "Customer's head count", "percentile", "count")
    potential: float = weight(15, "Spend in our category (wallet)", "percentile", "money")
    profitability: float = weight(
        15, "Margin minus cost to serve, 12 months", "percentile", "money"
    )
    industry_influence: float = weight(6, "Influence in its industry (1–5)", "capped", "rating")
    group_reach: float = weight(4, "Parent group and subsidiaries", "capped", "count")
    financial_health: float = weight(10, "Financial health (1–5)", "capped", "rating")


class RelationshipWeights(_Weights):
    """How much each criterion counts towards relationship strength (sums to 100)."""

    SCORE = "relationship"

    relationship_stage: float = weight(30, "McDonald stage (1–5)", "capped", "rating")
    contact_coverage: float = weight(15, "Contacts and decision makers", "capped", "count")
    cadence_kept: float = weight(20, "Check-in periods kept, last 52 weeks", "capped", "share")
    satisfaction: float = weight(15, "CSAT, NPS and expectations, last year", "capped", "share")
    commitments_kept: float = weight(10, "Promises kept on time, last year", "capped", "share")
    recency: float = weight(10, "Days since the last contact", "capped", "days")


class HealthWeights(_Weights):
    """How much each factor counts towards health (sums to 100)."""

    SCORE = "health"

    recency: float = weight(
        30, "Days since the last contact, against the cadence", "capped", "days"
    )
    satisfaction_trend: float = weight(
        20, "Satisfaction lately, and its change", "capped", "change"
    )
    overdue_commitments: float = weight(20, "Promises past their due date", "capped", "count")
    untold_notices: float = weight(
        15, "Bad news not yet told (due within a week)", "capped", "count"
    )
    revenue_trend: float = weight(15, "Revenue, last 6 months on the 6 before", "capped", "ratio")


class Scales(_Rules):
    """The capped scales that turn a raw value into 0..1 (beyond the cap counts as the cap)."""

    growth_floor: float = -0.5
    """Revenue growth (last 12 months against the 12 before) that scores 0."""
    growth_cap: float = 0.5
    """Growth that scores full marks."""
    trend_floor: float = -0.5
    """Revenue trend (last 6 months against the 6 before) that scores 0 in health."""
    trend_cap: float = 0.5
    group_reach_cap: int = Field(default=3, ge=1)
    """Related companies (parent group and subsidiaries) that give full influence marks."""
    contacts_target: int = Field(default=5, ge=1)
    decision_makers_target: int = Field(default=2, ge=1)
    recency_zero_at: float = Field(default=2.0, gt=1)
    """Days since the last contact, in cadences, at which recency scores 0 (full marks up to 1)."""
    overdue_commitments_zero_at: int = Field(default=3, ge=1)
    untold_notices_zero_at: int = Field(default=2, ge=1)
    notice_warning_days: int = Field(default=7, ge=0)
    """An untold notice counts against health from this many days before its must-tell-by date."""
    satisfaction_recent_days: int = Field(default=90, ge=1)
    """Feedback this recent is compared with the rest of the year for the trend."""


class TierRules(_Rules):
    """Tier by rank and threshold on attractiveness.

    An account is strategic when it ranks in the top ``strategic_share`` of the
    portfolio and scores at least ``strategic_min``; key, growth likewise with
    the cumulative shares; everything else is standard.
    """

    strategic_share: float = Field(default=0.05, ge=0, le=1)
    key_share: float = Field(default=0.15, ge=0, le=1)
    growth_share: float = Field(default=0.30, ge=0, le=1)
    strategic_min: float = Field(default=60, ge=0, le=100)
    key_min: float = Field(default=50, ge=0, le=100)
    growth_min: float = Field(default=35, ge=0, le=100)

    @model_validator(mode="after")
    def _fits(self) -> TierRules:
        if self.strategic_share + self.key_share + self.growth_share > 1 + 1e-9:
            raise ValueError("tier shares add up to more than 1")
        return self


class QuadrantCuts(_Rules):
    """Where the portfolio matrix splits high from low on each axis."""

    attractiveness: float = Field(default=50, ge=0, le=100)
    relationship: float = Field(default=50, ge=0, le=100)


class Cadence(_Rules):
    """Days between check-ins per tier; ``account.checkin_cadence_days`` overrides."""

    strategic: int = Field(default=14, gt=0)
    key: int = Field(default=30, gt=0)
    growth: int = Field(default=60, gt=0)
    standard: int = Field(default=90, gt=0)
    red_after: float = Field(default=1.5, ge=1)
    """A check-in is red (overdue) at this multiple of the cadence; yellow at the cadence."""


class Capacity(_Rules):
    """How many strategic and key accounts people can serve well.

    Tiers are filled by rank within these limits: past them the next accounts stay
    growth ("would be key; over capacity"). A team is a lead and their reports
    (:mod:`core.teams`).
    """

    manager_strategic_max: int = Field(default=3, ge=0)
    """Strategic accounts one account manager can serve (fortnightly check-ins, reviews)."""
    manager_max: int = Field(default=10, ge=0)
    """Strategic and key accounts together, per account manager."""
    team_strategic_max: int = Field(default=10, ge=0)
    """Strategic accounts per team."""
    team_max: int = Field(default=35, ge=0)
    """Strategic and key accounts together, per team (15–35 is what a team serves well)."""
    team_min: int = Field(default=15, ge=0)
    """Fewer than this is a team with room to spare (only said in the capacity message)."""
    team_critical: int = Field(default=50, ge=1)
    """Above this a team holds too many (hand-set tiers can take it there)."""


class HealthBands(_Rules):
    """Health at or below ``red`` is red, at or below ``yellow`` yellow, above green."""

    red: float = 50
    yellow: float = 75
    trend_threshold: float = Field(default=2.0, ge=0)
    """A change smaller than this many points is "steady"."""


class Value(_Rules):
    """Customer value: margin, CLV and the over-served test."""

    discount_rate: float = Field(default=0.10, ge=0, le=1)
    default_margin: float = Field(default=0.30, ge=0, le=1)
    """Margin as a share of revenue when neither deal costs nor the account's margin are known."""
    default_retention: float = Field(default=0.80, ge=0, lt=1)
    """Used for CLV while there is not a year of history to observe retention."""
    max_retention: float = Field(default=0.95, ge=0, lt=1)
    over_served_cost_share: float = Field(default=0.25, ge=0)
    """Over-served when cost to serve exceeds this share of the revenue from the account."""


class Forecast(_Rules):
    """The revenue forecast: a straight line through the monthly history."""

    history_months: int = Field(default=24, ge=3)
    horizon_months: int = Field(default=12, ge=1, le=36)
    confidence: float = Field(default=0.80, gt=0, lt=1)


class ScoringConfig(_Rules):
    """All scoring rules; ``ScoringConfig()`` is the documented default."""

    attractiveness: AttractivenessWeights = AttractivenessWeights()
    relationship: RelationshipWeights = RelationshipWeights()
    health: HealthWeights = HealthWeights()
    scales: Scales = Scales()
    tiers: TierRules = TierRules()
    quadrant: QuadrantCuts = QuadrantCuts()
    cadence: Cadence = Cadence()
    capacity: Capacity = Capacity()
    bands: HealthBands = HealthBands()
    value: Value = Value()
    forecast: Forecast = Forecast()

    def cadence_days(self, tier: str) -> int:
        """The check-in interval for an account of ``tier`` with no override of its own."""
        if tier not in TIERS:
            raise KamError(f"Unknown tier {tier!r}; use one of {', '.join(TIERS)}.")
        days: int = getattr(self.cadence, tier)
        return days

    def band(self, health: float) -> str:
        """red, yellow or green for a health score."""
        if health <= self.bands.red:
            return "red"
        if health <= self.bands.yellow:
            return "yellow"
        return "green"


def default_path() -> Path | None:
    """Where ``kam.toml`` is looked for: $KAM_CONFIG, ./kam.toml, the user config folder."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    user_file = user_config_path("kam", appauthor=False) / CONFIG_NAME
    for candidate in (Path.cwd() / CONFIG_NAME, user_file):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None) -> ScoringConfig:
    """The scoring rules from the ``[scoring]`` table of ``kam.toml``, defaults elsewhere.

    Without ``path`` the file is looked for as :func:`default_path` says; no file
    means the defaults.
    """
    where = Path(path) if path is not None else default_path()
    if where is None:
        return ScoringConfig()
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KamError(f"The configuration file {where} does not exist.") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KamError(f"Cannot read the configuration file {where}: {exc}.") from exc
    return config_from(data.get("scoring", {}), source=str(where))


def config_from(table: dict[str, Any], *, source: str = "the configuration") -> ScoringConfig:
    """Validate a ``[scoring]`` table; a mistake names the key and the rule it broke."""
    try:
        return ScoringConfig.model_validate(table)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "is not a setting kam knows (check the spelling)"
            problems.append(f"scoring.{key} {message}" if key else message)
        raise KamError(f"In {source}: " + "; ".join(problems) + ".") from exc
