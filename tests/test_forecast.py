"""The revenue forecast: a least-squares line through complete months, banded with t.

The expectations are computed here from the textbook formulas with numpy (the
fit by the normal equations, the interval by hand) and scipy's t quantile, not
by the function under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest
from scipy import stats

from core.scoring.config import config_from
from core.scoring.forecast import MonthlyHistory, NoForecast, RevenueForecast, forecast, month_index

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CURRENT = month_index(NOW.date())
SERIES = [100.0, 130.0, 90.0, 160.0, 150.0, 170.0, 140.0, 210.0, 190.0, 230.0]


def _history(
    values: list[float], *, begins: date | None = None, current: float = 0.0
) -> MonthlyHistory:
    """``values`` in the months just before NOW's, and ``current`` in NOW's own month."""
    first = CURRENT - len(values)
    revenue = {first + k: v for k, v in enumerate(values)}
    revenue[CURRENT] = current
    start = begins or date(first // 12, first % 12 + 1, 1)
    return MonthlyHistory(revenue=revenue, records_begin=start)


def _expected_band(y: list[float], horizon: int, confidence: float) -> tuple[float, float, float]:
    """Total over the horizon and its t-based prediction interval, from the formulas."""
    n = len(y)
    x = np.arange(n, dtype=float)
    design = np.column_stack([np.ones(n), x])
    beta = np.linalg.solve(design.T @ design, design.T @ np.array(y))
    s2 = float(((np.array(y) - design @ beta) ** 2).sum()) / (n - 2)
    ahead = np.arange(n, n + horizon, dtype=float)
    total = float((beta[0] + beta[1] * ahead).sum())
    x_bar, sxx = x.mean(), ((x - x.mean()) ** 2).sum()
    if horizon == 1:  # the textbook interval for one new observation at x0
        factor = 1 + 1 / n + (ahead[0] - x_bar) ** 2 / sxx
    else:  # the sum of h new observations: h + h²/n + (Σ(x0 − x̄))²/Sxx
        factor = horizon + horizon**2 / n + ((ahead - x_bar).sum()) ** 2 / sxx
    spread = stats.t.ppf(0.5 + confidence / 2, df=n - 2) * np.sqrt(s2 * factor)
    return total, total - spread, total + spread


@pytest.mark.parametrize(("horizon", "confidence"), [(1, 0.8), (1, 0.95), (12, 0.8), (6, 0.9)])
def test_the_band_is_the_t_based_prediction_interval_of_the_line(
    horizon: int, confidence: float
) -> None:
    config = config_from({"forecast": {"horizon_months": horizon, "confidence": confidence}})
    result = forecast(_history(SERIES), now=NOW, config=config, last_12_months=1_570.0)
    assert isinstance(result, RevenueForecast)
    total, low, high = _expected_band(SERIES, horizon, confidence)
    assert result.total == pytest.approx(total, abs=0.01)
    assert result.low == pytest.approx(low, abs=0.01)
    assert result.high == pytest.approx(high, abs=0.01)
    assert result.months_of_history == 10 and len(result.months) == horizon
    assert result.last_12_months_actual == 1_570.0


def test_only_complete_months_are_fitted() -> None:
    """A first month the records begin inside, and the current month, are left out."""
    partial_first = [20.0, *SERIES]  # the records begin on the 28th of that month
    first = CURRENT - len(partial_first)
    begins = date(first // 12, first % 12 + 1, 28)
    result = forecast(
        _history(partial_first, begins=begins, current=999.0),
        now=NOW,
        config=config_from({}),
        last_12_months=0.0,
    )
    assert isinstance(result, RevenueForecast)
    assert [m.revenue for m in result.history] == SERIES
    assert result.months_of_history == len(SERIES)
    assert result.history[-1].month == "2026-10" and result.months[0].month == "2026-11"
    assert result.total == pytest.approx(_expected_band(SERIES, 12, 0.8)[0], abs=0.01)


def test_too_few_complete_months_is_no_forecast_and_says_how_many() -> None:
    result = forecast(_history([50.0, 60.0]), now=NOW, config=config_from({}), last_12_months=0.0)
    assert isinstance(result, NoForecast)
    assert result.months_of_history == 2 and "3 complete months" in result.reason
