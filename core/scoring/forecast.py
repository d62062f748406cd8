"""A 12-month revenue forecast from the monthly history: a straight line, honestly banded.

Method: won revenue per calendar month over the last ``history_months``
complete months (from the first month with any revenue), an ordinary
least-squares line through it, extended over the next ``horizon_months``
(the current, incomplete month first). The band is the prediction interval at
``confidence`` for the horizon's total, assuming independent, normally
distributed monthly deviations from the line; it includes the uncertainty of
the line itself. No seasonality: with a year or two of history a seasonal
model would fit noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import NormalDist
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
    months_of_history: int
    history: tuple[MonthRevenue, ...]
    slope_per_month: float
    months: tuple[MonthRevenue, ...]
    total: float
    low: float
    high: float
    confidence: float
    last_12_months_actual: float


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


def monthly_revenue(*, session: Session, now: datetime, months: int) -> dict[int, float]:
    """Won revenue (deals with an account) per month index, for ``months`` complete months."""
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
    return {int(y) * 12 + int(m) - 1: float(total or 0) for y, m, total in rows}


def forecast(
    history: dict[int, float], *, now: datetime, config: ScoringConfig
) -> RevenueForecast | NoForecast:
    """The forecast, or the reason there is none."""
    rules = config.forecast
    current = month_index(now.date())
    known = sorted(m for m, v in history.items() if v > 0)
    method = (
        f"least-squares line through monthly won revenue of up to {rules.history_months} "
        f"complete months; {rules.confidence:.0%} prediction interval for the total"
    )
    if not known or current - known[0] < MIN_MONTHS:
        return NoForecast(
            method=method,
            months_of_history=0 if not known else current - known[0],
            reason=f"needs at least {MIN_MONTHS} complete months of revenue",
        )
    months = np.arange(known[0], current)
    y = np.array([history.get(int(m), 0.0) for m in months])
    t = (months - months[0]).astype(np.float64)
    x = np.column_stack([np.ones_like(t), t])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    residuals = y - x @ beta
    dof = max(len(y) - 2, 1)
    sigma2 = float(residuals @ residuals) / dof
    ahead = np.arange(len(y), len(y) + rules.horizon_months, dtype=np.float64)
    future = np.column_stack([np.ones_like(ahead), ahead])
    monthly = np.maximum(future @ beta, 0.0)
    c = future.sum(axis=0)
    variance = sigma2 * (rules.horizon_months + float(c @ np.linalg.pinv(x.T @ x) @ c))
    z = NormalDist().inv_cdf(0.5 + rules.confidence / 2)
    total = float(monthly.sum())
    spread = z * float(np.sqrt(max(variance, 0.0)))
    return RevenueForecast(
        method=method,
        months_of_history=len(y),
        history=tuple(
            MonthRevenue(month_label(int(m)), round(float(v), 2))
            for m, v in zip(months, y, strict=True)
        ),
        slope_per_month=round(float(beta[1]), 2),
        months=tuple(
            MonthRevenue(month_label(current + k), round(float(v), 2))
            for k, v in enumerate(monthly)
        ),
        total=round(total, 2),
        low=round(max(total - spread, 0.0), 2),
        high=round(total + spread, 2),
        confidence=rules.confidence,
        last_12_months_actual=round(float(y[-12:].sum()), 2),
    )
