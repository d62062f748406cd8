"""How scoring's figures read as text: one rule per unit, used by the CLI and the TUI alike.

A criterion's raw value and a goal's target or actual are shown in their unit
(money, share, growth or change, days, NPS points, rating, score). Each rule has a
wide form, for the CLI's tables (whole money, "12 days", shares of a goal to a
tenth of a percent), and a narrow one, for the TUI's columns ("480k", "12d",
whole percents). Plain strings only, so that neither front end imports the other
and the core imports neither.
"""

from __future__ import annotations

from typing import assert_never

from core.scoring.account_results import AccountValue, CriterionRow
from core.scoring.forecast import NoForecast, RevenueForecast
from core.scoring.goals import GoalStatus

DASH = "–"  # a figure that is not known


def money(value: float | None) -> str:
    """Whole money with thousands separators: 12,345."""
    return DASH if value is None else f"{value:,.0f}"


def short_money(value: float | None) -> str:
    """12.3k, 1.24M: money that fits seven cells."""
    if value is None:
        return DASH
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1_000_000_000:
        return f"{sign}{value / 1_000_000_000:.2f}B"
    if value >= 1_000_000:
        return f"{sign}{value / 1_000_000:.2f}M"
    if value >= 10_000:
        return f"{sign}{value / 1_000:.0f}k"
    if value >= 1_000:
        return f"{sign}{value / 1_000:.1f}k"
    return f"{sign}{value:.0f}"


def criterion_value(value: float | None, unit: str, *, narrow: bool = False) -> str:
    """A scoring criterion's raw value in its unit (the "Raw" column of a breakdown)."""
    if value is None:
        return DASH
    if unit == "share":
        return f"{value:.0%}"
    if unit in ("ratio", "change"):
        return f"{value:+.0%}"
    if unit == "days":
        return f"{value:,.0f}d" if narrow else f"{value:,.0f} days"
    if unit == "money":
        return short_money(value) if narrow else money(value)
    if isinstance(value, float) and not value.is_integer() and abs(value) < 1000:
        return f"{value:.3g}"
    return f"{value:,.0f}"  # counts and ratings


def share_of_wallet(value: AccountValue, *, narrow: bool = False) -> str:
    """ "27% of 480,000": our share of the customer's category spend, or why it is unknown."""
    if value.share_of_wallet is None or value.wallet is None:
        return "unknown (no category spend)"
    wallet = short_money(value.wallet) if narrow else money(value.wallet)
    return f"{value.share_of_wallet:.0%} of {wallet}"


def goal_value(value: float | None, unit: str | None, *, narrow: bool = False) -> str:
    """A goal's target or actual as its unit reads (money, share, NPS points…)."""
    if value is None:
        return DASH
    if unit == "money":
        return short_money(value) if narrow else money(value)
    if unit == "share":
        return f"{value:.0%}" if narrow else f"{value:.1%}"
    if unit == "ratio":
        return f"{value:+.0%}" if narrow else f"{value:+.1%}"
    if unit == "nps":
        return f"{value:+.0f}"
    if unit == "rating":
        return f"{value:.2f}"
    if unit == "score":
        return f"{value:.1f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")  # counts: 3, 2.5


def goal_style(status: GoalStatus) -> str:
    """The colour a goal's status is shown in: green when met or on track, yellow behind,
    red when missed or when kam cannot measure it, dim when there is nothing to judge yet."""
    match status:
        case "met" | "on_track":
            return "green"
        case "behind":
            return "yellow"
        case "not_started" | "no_data":
            return "dim"
        case "missed" | "unknown_metric" | "unknown_scope" | "unknown_period":
            return "red"
        case _:
            assert_never(status)


def goal_status(status: GoalStatus) -> str:
    """A goal's status as words: on_track → on track."""
    return status.replace("_", " ")


def forecast_basis(forecast: RevenueForecast | NoForecast, *, narrow: bool = False) -> str:
    """What the forecast stands on: "10 complete months (2026-01 to 2026-10)" ("10 months"
    narrow), or why there is none."""
    if isinstance(forecast, NoForecast):
        return f"not available: {forecast.reason} ({forecast.months_of_history} so far)"
    n = forecast.months_of_history
    if narrow:
        return f"{n} months"
    first, last = forecast.history[0].month, forecast.history[-1].month
    return f"{n} complete {'month' if n == 1 else 'months'} ({first} to {last})"


def forecast_line(forecast: RevenueForecast | NoForecast) -> str:
    """The forecast in one line: total, band, what it was fitted to, and the last 12 months."""
    if isinstance(forecast, NoForecast):
        return forecast_basis(forecast)
    return (
        f"{money(forecast.total)} ({forecast.confidence:.0%}: {money(forecast.low)}–"
        f"{money(forecast.high)}), fitted to {forecast_basis(forecast)}; "
        f"last 12 months {money(forecast.last_12_months_actual)}"
    )


def no_data(row: CriterionRow) -> str:
    """How a criterion without data counts: "neutral", or "left out" when its weight went
    to the criteria with data (relationship, for an account with no contacts)."""
    return "left out" if row.weight == 0 else "neutral"
