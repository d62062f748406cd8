"""What scoring says about the whole portfolio: concentration, tiers, matrix, value, goals.

One frozen dataclass per part, so every front end reads the same named figures;
``as_json()`` gives exactly the keys ``kam portfolio --json`` prints, in the order
the README lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.scoring.classify import CapacityWarning
from core.scoring.forecast import NoForecast, RevenueForecast
from core.scoring.goals import GoalProgress


@dataclass(frozen=True, slots=True)
class ConcentrationFlag:
    """A concentration risk: one customer above 15% of revenue, or the top five above 40%."""

    flag: str  # one_customer_over_15pct or top_five_over_40pct
    message: str

    def as_json(self) -> dict[str, Any]:
        """``flag`` and ``message``."""
        return {"flag": self.flag, "message": self.message}


@dataclass(frozen=True, slots=True)
class RevenueShare:
    """One of the largest customers: its 12-month revenue and share of the portfolio's."""

    account: str
    revenue_12m: float
    share: float

    def as_json(self) -> dict[str, Any]:
        """``account``, ``revenue_12m`` and ``share``."""
        return {"account": self.account, "revenue_12m": self.revenue_12m, "share": self.share}


@dataclass(frozen=True, slots=True)
class Concentration:
    """How much of the revenue the largest customers bring (all None without revenue)."""

    revenue_12m: float
    cr1: float | None
    cr5: float | None
    cr10: float | None
    hhi: float | None  # 0–10,000
    hhi_band: str | None  # diversified, moderate, high or critical
    flags: tuple[ConcentrationFlag, ...]
    top: tuple[RevenueShare, ...]

    def as_json(self) -> dict[str, Any]:
        """The figures as ``concentration`` holds them."""
        return {
            "revenue_12m": self.revenue_12m,
            "cr1": self.cr1,
            "cr5": self.cr5,
            "cr10": self.cr10,
            "hhi": self.hhi,
            "hhi_band": self.hhi_band,
            "flags": [flag.as_json() for flag in self.flags],
            "top": [share.as_json() for share in self.top],
        }


@dataclass(frozen=True, slots=True)
class HealthFigures:
    """The portfolio's average health (None when empty) and how many accounts are in each band."""

    average: float | None
    bands: Mapping[str, int]  # red, yellow, green

    def as_json(self) -> dict[str, Any]:
        """``average`` and ``bands``."""
        return {"average": self.average, "bands": dict(self.bands)}


@dataclass(frozen=True, slots=True)
class AccountClv:
    """One of the accounts with the highest lifetime value."""

    account: str
    clv: float

    def as_json(self) -> dict[str, Any]:
        """``account`` and ``clv``."""
        return {"account": self.account, "clv": self.clv}


@dataclass(frozen=True, slots=True)
class ClvFigures:
    """Customer lifetime value over the portfolio, and the retention and discount behind it."""

    formula: str
    retention: float
    retention_observed: bool  # False: the default, for want of a year of history
    retention_basis_accounts: int
    discount_rate: float
    total: float
    top: tuple[AccountClv, ...]

    def as_json(self) -> dict[str, Any]:
        """The figures as ``clv`` holds them."""
        return {
            "formula": self.formula,
            "retention": self.retention,
            "retention_observed": self.retention_observed,
            "retention_basis_accounts": self.retention_basis_accounts,
            "discount_rate": self.discount_rate,
            "total": self.total,
            "top": [account.as_json() for account in self.top],
        }


@dataclass(frozen=True, slots=True)
class WalletFigures:
    """Share of wallet over the accounts whose category spend is known."""

    accounts_with_category_spend: int
    portfolio: float | None  # None when no category spend is known
    headroom: float

    def as_json(self) -> dict[str, Any]:
        """The figures as ``share_of_wallet`` holds them."""
        return {
            "accounts_with_category_spend": self.accounts_with_category_spend,
            "portfolio": self.portfolio,
            "headroom": self.headroom,
        }


@dataclass(frozen=True, slots=True)
class OverServedAccount:
    """An account that looks over-served ("importance inflation"), and why."""

    account: str
    tier: str
    earned_tier: str
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """``account``, ``tier``, ``earned_tier`` and ``reasons``."""
        return {
            "account": self.account,
            "tier": self.tier,
            "earned_tier": self.earned_tier,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class OverServed:
    """How many accounts look over-served, and the costliest of them."""

    count: int
    accounts: tuple[OverServedAccount, ...]

    def as_json(self) -> dict[str, Any]:
        """``count`` and ``accounts``."""
        return {"count": self.count, "accounts": [a.as_json() for a in self.accounts]}


@dataclass(frozen=True, slots=True)
class PortfolioFigures:
    """Every portfolio figure as of ``at`` (what ``kam portfolio`` shows)."""

    at: datetime
    accounts: int
    concentration: Concentration
    tiers: Mapping[str, int]  # accounts per tier, strategic first
    earned_tiers: Mapping[str, int]  # what the scores earn, before overrides
    tier_overrides: int
    quadrants: Mapping[str, int]
    health: HealthFigures
    capacity_warnings: tuple[CapacityWarning, ...]
    clv: ClvFigures
    share_of_wallet: WalletFigures
    over_served: OverServed
    forecast: RevenueForecast | NoForecast
    goals: tuple[GoalProgress, ...]

    def as_json(self) -> dict[str, Any]:
        """The figures as ``kam portfolio --json`` prints them."""
        return {
            "at": self.at.isoformat(),
            "accounts": self.accounts,
            "concentration": self.concentration.as_json(),
            "tiers": dict(self.tiers),
            "earned_tiers": dict(self.earned_tiers),
            "tier_overrides": self.tier_overrides,
            "quadrants": dict(self.quadrants),
            "health": self.health.as_json(),
            "capacity_warnings": [warning.as_json() for warning in self.capacity_warnings],
            "clv": self.clv.as_json(),
            "share_of_wallet": self.share_of_wallet.as_json(),
            "over_served": self.over_served.as_json(),
            "forecast": self.forecast.as_json(),
            "goals": [goal.as_json() for goal in self.goals],
        }
