"""What scoring says about one account: its headline figures and the reason for every point.

Front ends render these and scripts read their JSON, so each is a frozen dataclass
(a renamed field is a type error where a renamed key was a silent ``None``) whose
fields are, in the order the README lists them, the keys ``kam score --json`` and
``--explain`` print (:class:`~core.results.JsonResult`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.results import JsonResult, printed_as
from core.scoring.classify import OverCapacity
from core.scoring.trend import Direction


@dataclass(frozen=True, slots=True)
class AboutAccount(JsonResult):
    """A result about one account, which it names by id and name (``account_id`` and
    ``account`` in the JSON, first)."""

    account_id: int
    account_name: str = field(metadata=printed_as("account"))


@dataclass(frozen=True, slots=True)
class ScoreSummary(AboutAccount):
    """An account's scores, band, tier, quadrant and value at a glance (one ``kam score`` row)."""

    attractiveness: float
    relationship: float
    health: float
    band: str
    health_change: float | None  # against the previous snapshot; None without one
    tier: str
    earned_tier: str
    tier_override_reason: str | None
    over_capacity: OverCapacity | None  # the scores earn a higher tier; its holder is full
    quadrant: str
    revenue_12m: float
    clv: float
    over_served: bool


@dataclass(frozen=True, slots=True)
class CriterionRow(JsonResult):
    """One criterion of a score: what was measured, how it was read, what it earned."""

    criterion: str
    label: str
    raw: float | int | None  # in ``unit``; None when unknown (then counted as neutral)
    normalised: float  # 0..1
    weight: float
    points: float  # the points of a score's rows add up to the score
    missing: bool
    method: str  # percentile or capped
    unit: str  # money, ratio, change, count, rating, share, days


@dataclass(frozen=True, slots=True)
class ScoreDetail(JsonResult):
    """One score with every criterion behind it (health adds its band and trend)."""

    score: float
    criteria: tuple[CriterionRow, ...]


@dataclass(frozen=True, slots=True)
class TrendFactor(JsonResult):
    """A health criterion whose points moved since the previous snapshot."""

    criterion: str
    label: str
    change: float  # in points


@dataclass(frozen=True, slots=True)
class HealthTrend(JsonResult):
    """Health against the previous snapshot, and the factors that moved it, largest first."""

    previous: float
    previous_at: datetime | None
    change: float
    direction: Direction
    factors: tuple[TrendFactor, ...]


@dataclass(frozen=True, slots=True)
class HealthDetail(ScoreDetail):
    """The health score with its criteria, its band and its trend (None before a snapshot)."""

    band: str
    trend: HealthTrend | None


@dataclass(frozen=True, slots=True)
class TierInfo(JsonResult):
    """The tier an account has, the one its scores earn, its rank, and its check-in cadence."""

    tier: str
    earned: str
    override: str | None
    override_reason: str | None
    rank: int  # 1 = most attractive
    of: int  # accounts ranked
    cadence_days: int
    over_capacity: OverCapacity | None  # why the scores' tier was held back a step or two


@dataclass(frozen=True, slots=True)
class AccountValue(JsonResult):
    """What the account is worth: revenue, margin, wallet, CLV, and whether it is over-served."""

    revenue_12m: float
    revenue_prev_12m: float
    contribution_12m: float  # margin minus cost to serve
    contribution_assumed: bool  # the default margin was used
    wallet: float | None  # the customer's category spend; None when unknown
    headroom: float | None
    share_of_wallet: float | None
    clv: float
    retention: float
    over_served: bool
    over_served_reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Breakdown(AboutAccount):
    """Why an account's scores are what they are: every criterion, tier, value, what is missing."""

    attractiveness: ScoreDetail
    relationship: ScoreDetail
    health: HealthDetail
    tier: TierInfo
    quadrant: str
    value: AccountValue
    missing: tuple[str, ...]  # criteria counted as neutral, as ``score.criterion``

    @property
    def scores(self) -> tuple[tuple[str, ScoreDetail], ...]:
        """The three scores by name, in the order they are explained."""
        return (
            ("attractiveness", self.attractiveness),
            ("relationship", self.relationship),
            ("health", self.health),
        )
