"""What scoring says about the whole portfolio: concentration, tiers, matrix, value, goals.

One frozen dataclass per part, so every front end reads the same named figures;
its fields are, in the order the README lists them, the keys ``kam portfolio
--json`` prints (:class:`~core.results.JsonResult`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.results import JsonResult
from core.scoring.classify import CapacityWarning
from core.scoring.forecast import NoForecast, RevenueForecast
from core.scoring.goals import GoalProgress


@dataclass(frozen=True, slots=True)
class ConcentrationFlag(JsonResult):
    """A concentration risk: one customer above 15% of revenue, or the top five above 40%."""

    flag: str  # one_customer_over_15pct or top_five_over_40pct
    message: str


@dataclass(frozen=True, slots=True)
class RevenueShare(JsonResult):
    """One of the largest customers: its 12-month revenue and share of the portfolio's."""

    account: str
    revenue_12m: float
    share: float


@dataclass(frozen=True, slots=True)
class Concentration(JsonResult):
    """How much of the revenue the largest customers bring (all None without revenue)."""

    revenue_12m: float
    cr1: float | None
    cr5: float | None
    cr10: float | None
    hhi: float | None  # 0–10,000
    hhi_band: str | None  # diversified, moderate, high or critical
    flags: tuple[ConcentrationFlag, ...]
    top: tuple[RevenueShare, ...]


@dataclass(frozen=True, slots=True)
class HealthFigures(JsonResult):
    """The portfolio's average health (None when empty) and how many accounts are in each band."""

    average: float | None
    bands: Mapping[str, int]  # red, yellow, green


@dataclass(frozen=True, slots=True)
class HeldBack(JsonResult):
    """Accounts whose scores earn strategic or key but whose owner or team is full: they
    stay a tier or two lower ("would be key; over capacity")."""

    accounts: int
    would_be: Mapping[str, int]  # strategic, key: what their scores earn
    by_scope: Mapping[str, int]  # account_manager, team: which limit held them back

    @property
    def message(self) -> str:
        """One line for the overview: how many, and what they would be."""
        if not self.accounts:
            return "No account is held below its tier by capacity."
        tiers = ", ".join(f"{n:,} {t}" for t, n in self.would_be.items() if n)
        some = f"{self.accounts:,} accounts stay" if self.accounts > 1 else "1 account stays"
        return (
            f"{some} a tier lower, over capacity: "
            f"the owner or team is full (by the scores: {tiers})."
        )


@dataclass(frozen=True, slots=True)
class AccountClv(JsonResult):
    """One of the accounts with the highest lifetime value."""

    account: str
    clv: float


@dataclass(frozen=True, slots=True)
class ClvFigures(JsonResult):
    """Customer lifetime value over the portfolio, and the retention and discount behind it."""

    formula: str
    retention: float
    retention_observed: bool  # False: the default, for want of a year of history
    retention_basis_accounts: int
    discount_rate: float
    total: float
    top: tuple[AccountClv, ...]


@dataclass(frozen=True, slots=True)
class WalletFigures(JsonResult):
    """Share of wallet over the accounts whose category spend is known."""

    accounts_with_category_spend: int
    portfolio: float | None  # None when no category spend is known
    headroom: float


@dataclass(frozen=True, slots=True)
class OverServedAccount(JsonResult):
    """An account that looks over-served ("importance inflation"), and why."""

    account: str
    tier: str
    earned_tier: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OverServed(JsonResult):
    """How many accounts look over-served, and the costliest of them."""

    count: int
    accounts: tuple[OverServedAccount, ...]


@dataclass(frozen=True, slots=True)
class PortfolioFigures(JsonResult):
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
    over_capacity: HeldBack
    clv: ClvFigures
    share_of_wallet: WalletFigures
    over_served: OverServed
    forecast: RevenueForecast | NoForecast
    goals: tuple[GoalProgress, ...]
