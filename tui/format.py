"""Short, honest renderings of money, days and scores for narrow columns."""

from __future__ import annotations

from datetime import datetime

from core.scoring.display import short_money


def money(value: float | None) -> str:
    """12.3k, 1.24M: a figure that fits seven cells (the narrow money of every screen)."""
    return short_money(value)


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
