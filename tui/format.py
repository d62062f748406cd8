"""Short, honest renderings of money, days and scores for narrow columns."""

from __future__ import annotations

from datetime import datetime


def money(value: float | None) -> str:
    """12.3k, 1.24M: a figure that fits seven cells."""
    if value is None:
        return "–"
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


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days from ``earlier`` to ``later`` (negative when it is the other way)."""
    return (later - earlier).days


def short(days: int) -> str:
    """An age in days as 3d, 5w, 4mo or 2y."""
    if days < 0:
        return "soon"
    if days < 21:
        return f"{days}d"
    if days < 90:
        return f"{days // 7}w"
    if days < 730:
        return f"{days // 30}mo"
    return f"{days // 365}y"


def score(value: float | None) -> str:
    """A 0–100 score, or a dash when the account was never scored."""
    return "–" if value is None else f"{value:.0f}"


def label(value: str | None) -> str:
    """An enum value as words: serve_efficiently → serve efficiently."""
    return (value or "–").replace("_", " ")


def raw_value(value: float | int | None, unit: str) -> str:
    """A scoring criterion's raw value in its unit, short enough for a narrow column."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{value:.0%}"
    if unit in ("ratio", "change"):
        return f"{value:+.0%}"
    if unit == "days":
        return f"{value:,.0f}d"
    if unit == "money":
        return money(float(value))
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}"
    return f"{value:,.0f}"


def goal_value(value: float | None, unit: str | None) -> str:
    """A goal's target or actual as its unit reads (money, share, NPS points…)."""
    if value is None:
        return "–"
    if unit == "money":
        return money(value)
    if unit == "share":
        return f"{value:.0%}"
    if unit == "ratio":
        return f"{value:+.0%}"
    if unit == "nps":
        return f"{value:+.0f}"
    if unit == "rating":
        return f"{value:.2f}"
    if unit == "score":
        return f"{value:.1f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
