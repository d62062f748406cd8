"""What scoring says about one account: its headline figures and the reason for every point.

Front ends render these and scripts read their JSON, so each is a frozen dataclass
(a renamed field is a type error where a renamed key was a silent ``None``) with
``as_json()`` giving exactly the keys ``kam score --json`` and ``--explain`` print,
in the order the README lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.scoring.trend import Direction


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """An account's scores, band, tier, quadrant and value at a glance (one ``kam score`` row)."""

    account_id: int
    account_name: str
    attractiveness: float
    relationship: float
    health: float
    band: str
    health_change: float | None  # against the previous snapshot; None without one
    tier: str
    earned_tier: str
    tier_override_reason: str | None
    quadrant: str
    revenue_12m: float
    clv: float
    over_served: bool

    def as_json(self) -> dict[str, Any]:
        """The row as ``kam score --json`` prints it."""
        return {
            "account_id": self.account_id,
            "account": self.account_name,
            "attractiveness": self.attractiveness,
            "relationship": self.relationship,
            "health": self.health,
            "band": self.band,
            "health_change": self.health_change,
            "tier": self.tier,
            "earned_tier": self.earned_tier,
            "tier_override_reason": self.tier_override_reason,
            "quadrant": self.quadrant,
            "revenue_12m": self.revenue_12m,
            "clv": self.clv,
            "over_served": self.over_served,
        }


@dataclass(frozen=True, slots=True)
class CriterionRow:
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

    def as_json(self) -> dict[str, Any]:
        """The row as the breakdown's ``criteria`` list holds it."""
        return {
            "criterion": self.criterion,
            "label": self.label,
            "raw": self.raw,
            "normalised": self.normalised,
            "weight": self.weight,
            "points": self.points,
            "missing": self.missing,
            "method": self.method,
            "unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class ScoreDetail:
    """One score (attractiveness or relationship) with every criterion behind it."""

    score: float
    criteria: tuple[CriterionRow, ...]

    def as_json(self) -> dict[str, Any]:
        """``score`` and ``criteria``."""
        return {"score": self.score, "criteria": [row.as_json() for row in self.criteria]}


@dataclass(frozen=True, slots=True)
class TrendFactor:
    """A health criterion whose points moved since the previous snapshot."""

    criterion: str
    label: str
    change: float  # in points

    def as_json(self) -> dict[str, Any]:
        """``criterion``, ``label`` and ``change``."""
        return {"criterion": self.criterion, "label": self.label, "change": self.change}


@dataclass(frozen=True, slots=True)
class HealthTrend:
    """Health against the previous snapshot, and the factors that moved it, largest first."""

    previous: float
    previous_at: datetime | None
    change: float
    direction: Direction
    factors: tuple[TrendFactor, ...]

    def as_json(self) -> dict[str, Any]:
        """The trend as the breakdown's ``health.trend`` holds it."""
        return {
            "previous": self.previous,
            "previous_at": self.previous_at.isoformat() if self.previous_at else None,
            "change": self.change,
            "direction": self.direction,
            "factors": [factor.as_json() for factor in self.factors],
        }


@dataclass(frozen=True, slots=True)
class HealthDetail:
    """The health score with its criteria, its band and its trend (None before a snapshot)."""

    score: float
    criteria: tuple[CriterionRow, ...]
    band: str
    trend: HealthTrend | None

    def as_json(self) -> dict[str, Any]:
        """``score``, ``criteria``, ``band`` and ``trend``."""
        return {
            "score": self.score,
            "criteria": [row.as_json() for row in self.criteria],
            "band": self.band,
            "trend": None if self.trend is None else self.trend.as_json(),
        }


@dataclass(frozen=True, slots=True)
class TierInfo:
    """The tier an account has, the one its scores earn, its rank, and its check-in cadence."""

    tier: str
    earned: str
    override: str | None
    override_reason: str | None
    rank: int  # 1 = most attractive
    of: int  # accounts ranked
    cadence_days: int

    def as_json(self) -> dict[str, Any]:
        """The tier as the breakdown's ``tier`` holds it."""
        return {
            "tier": self.tier,
            "earned": self.earned,
            "override": self.override,
            "override_reason": self.override_reason,
            "rank": self.rank,
            "of": self.of,
            "cadence_days": self.cadence_days,
        }


@dataclass(frozen=True, slots=True)
class AccountValue:
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

    def as_json(self) -> dict[str, Any]:
        """The value as the breakdown's ``value`` holds it."""
        return {
            "revenue_12m": self.revenue_12m,
            "revenue_prev_12m": self.revenue_prev_12m,
            "contribution_12m": self.contribution_12m,
            "contribution_assumed": self.contribution_assumed,
            "wallet": self.wallet,
            "headroom": self.headroom,
            "share_of_wallet": self.share_of_wallet,
            "clv": self.clv,
            "retention": self.retention,
            "over_served": self.over_served,
            "over_served_reasons": list(self.over_served_reasons),
        }


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Why an account's scores are what they are: every criterion, tier, value, what is missing."""

    account_id: int
    account_name: str
    attractiveness: ScoreDetail
    relationship: ScoreDetail
    health: HealthDetail
    tier: TierInfo
    quadrant: str
    value: AccountValue
    missing: tuple[str, ...]  # criteria counted as neutral, as ``score.criterion``

    @property
    def scores(self) -> tuple[tuple[str, ScoreDetail | HealthDetail], ...]:
        """The three scores by name, in the order they are explained."""
        return (
            ("attractiveness", self.attractiveness),
            ("relationship", self.relationship),
            ("health", self.health),
        )

    def as_json(self) -> dict[str, Any]:
        """The explanation as ``kam score ACCOUNT --explain --json`` prints its ``breakdown``."""
        return {
            "account_id": self.account_id,
            "account": self.account_name,
            "attractiveness": self.attractiveness.as_json(),
            "relationship": self.relationship.as_json(),
            "health": self.health.as_json(),
            "tier": self.tier.as_json(),
            "quadrant": self.quadrant,
            "value": self.value.as_json(),
            "missing": list(self.missing),
        }
