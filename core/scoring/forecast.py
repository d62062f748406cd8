"""A 12-month revenue forecast from the monthly history: a straight line, honestly banded.

Method: won revenue per calendar month over complete months only, an ordinary
least-squares line through it (``scipy.stats.linregress``), extended over the
next ``horizon_months`` (the current, incomplete month first). A month is
complete when it has ended and kam's records cover all of it: the history
begins on the earliest close date kam holds (any deal), so a month that date
falls inside, after its first day, is left out, and so is the current month.
The fit uses at most ``history_months`` months, from the first complete month
with revenue.

The band is the t-based prediction interval at ``confidence`` for the
horizon's total, assuming independent, normally distributed monthly deviations
from the line: t with n − 2 degrees of freedom times s·√(h + h²/n + (Σ(x₀ − x̄))²/Sxx)
over the h months ahead, which for one month is the textbook
s·√(1 + 1/n + (x₀ − x̄)²/Sxx). No seasonality: with a year or two of history a
seasonal model would fit noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import extract, func
from sqlmodel import Session, col, select

from core.models import Deal
from core.results import JsonResult
from core.scoring.config import ScoringConfig

MIN_MONTHS = 3


@dataclass(frozen=True, slots=True)
class MonthRevenue(JsonResult):
    """Won revenue in one calendar month ("YYYY-MM"), recorded or forecast."""

    month: str
    revenue: float


@dataclass(frozen=True, slots=True)
class RevenueForecast(JsonResult):
    """The next months' revenue on the line through the history, and the band around its total."""

    method: str
    available: bool = field(default=True, init=False)
    months_of_history: int  # the complete months the line is fitted to
    history: tuple[MonthRevenue, ...]
    slope_per_month: float
    months: tuple[MonthRevenue, ...]
    total: float
    low: float
    high: float
    confidence: float
    last_12_months_actual: float  # revenue over the last 12 months, as every screen counts it


@dataclass(frozen=True, slots=True)
class NoForecast(JsonResult):
    """Why there is no forecast: too little history to draw a line through."""

    method: str
    months_of_history: int
    available: bool = field(default=False, init=False)
    reason: str


def month_index(day: date) -> int:
    """Months since year 0, so consecutive months differ by one."""
    return day.year * 12 + day.month - 1


def month_label(index: int) -> str:
    """ "YYYY-MM" for a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True, slots=True)
class MonthlyHistory:
    """Won revenue per month index, and the day kam's records begin (None: no deal closed)."""

    revenue: dict[int, float]
    records_begin: date | None

    def first_complete_month(self) -> int | None:
        """The first month the records cover from its first day."""
        if self.records_begin is None:
            return None
        begins = month_index(self.records_begin)
        return begins if self.records_begin.day == 1 else begins + 1


def monthly_revenue(*, session: Session, now: datetime, months: int) -> MonthlyHistory:
    """Won revenue (deals with an account) per month index over the last ``months`` months
    before the current one, and the earliest close date of any deal."""
    current = month_index(now.date())
    first = current - months
    start = date(first // 12, first % 12 + 1, 1)
    end = date(current // 12, current % 12 + 1, 1)
    year = extract("year", col(Deal.closed_on))
    month = extract("month", col(Deal.closed_on))
    rows: list[Any] = session.execute(
        select(year, month, func.sum(func.coalesce(col(Deal.amount), 0.0)))
        .where(
            col(Deal.stage) == "won",
            col(Deal.account_id).is_not(None),
            col(Deal.closed_on) >= start,
            col(Deal.closed_on) < end,
        )
        .group_by(year, month)
    ).all()  # type: ignore[assignment]
    begins = session.exec(select(func.min(col(Deal.closed_on)))).one()
    return MonthlyHistory(
        revenue={int(y) * 12 + int(m) - 1: float(total or 0) for y, m, total in rows},
        records_begin=begins,
    )


def forecast(
    history: MonthlyHistory, *, now: datetime, config: ScoringConfig, last_12_months: float
) -> RevenueForecast | NoForecast:
    """The forecast, or the reason there is none.

    ``last_12_months`` is the portfolio's revenue over the last 12 months (see
    core.scoring.revenue), shown beside the forecast for comparison.
    """
    rules = config.forecast
    current = month_index(now.date())
    complete_from = history.first_complete_month()
    earliest = current - rules.history_months
    if complete_from is not None:
        earliest = max(earliest, complete_from)
    known = sorted(m for m, v in history.revenue.items() if v > 0 and earliest <= m < current)
    method = (
        f"least-squares line through monthly won revenue of up to {rules.history_months} "
        f"complete months; {rules.confidence:.0%} t-based prediction interval for the total"
    )
    if not known or current - known[0] < MIN_MONTHS:
        return NoForecast(
            method=method,
            months_of_history=0 if not known else current - known[0],
            reason=f"needs at least {MIN_MONTHS} complete months of revenue",
        )
    months = np.arange(known[0], current)
    y = np.array([history.revenue.get(int(m), 0.0) for m in months])
    x = (months - months[0]).astype(np.float64)
    n, h = len(y), rules.horizon_months
    from scipy import stats  # here: importing it cost every command a quarter second

    fit: Any = stats.linregress(x, y)
    intercept, slope = float(fit.intercept), float(fit.slope)
    residuals = y - (intercept + slope * x)
    s2 = float(residuals @ residuals) / (n - 2)
    ahead = np.arange(n, n + h, dtype=np.float64)
    line = intercept + slope * ahead
    x_bar = float(x.mean())
    sxx = float(((x - x_bar) ** 2).sum())
    variance = s2 * (h + h * h / n + float((ahead - x_bar).sum()) ** 2 / sxx)
    quantile = float(stats.t.ppf(0.5 + rules.confidence / 2, df=n - 2))
    monthly = np.maximum(line, 0.0)
    total = float(monthly.sum())
    spread = quantile * float(np.sqrt(max(variance, 0.0)))
    return RevenueForecast(
        method=method,
        months_of_history=n,
        history=tuple(
            MonthRevenue(month_label(int(m)), round(float(v), 2))
            for m, v in zip(months, y, strict=True)
        ),
        slope_per_month=round(slope, 2),
        months=tuple(
            MonthRevenue(month_label(current + k), round(float(v), 2))
            for k, v in enumerate(monthly)
        ),
        total=round(total, 2),
        low=round(max(total - spread, 0.0), 2),
        high=round(total + spread, 2),
        confidence=rules.confidence,
        last_12_months_actual=round(last_12_months, 2),
    )
