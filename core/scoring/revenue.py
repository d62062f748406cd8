"""Revenue "over the last 12 months": one definition, read by every screen.

A won deal with an account counts when its close date falls in the 365 days
that end today (the UTC day of ``now``): after today − 365 days, up to and
including today. The current month so far is included; a close dated after
today is not. The spans scoring compares it with (the 12 months before, the
last 6 months and the 6 before them) are built the same way, shifted back.
Scores, the portfolio, the account card, the account list, goals, Slack and
the TUI all ask :func:`last_12_months` (or :func:`revenue_windows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_

from core.clock import as_utc

YEAR = 365
HALF_YEAR = 182


@dataclass(frozen=True, slots=True)
class CloseWindow:
    """The close dates a revenue figure counts: after ``after``, up to and including ``last``."""

    after: date
    last: date

    @property
    def first(self) -> date:
        """The first day counted."""
        return self.after + timedelta(days=1)

    def holds(self, closed_on: Any) -> Any:
        """The SQL condition "``closed_on`` is in this window"."""
        return and_(closed_on > self.after, closed_on <= self.last)

    def contains(self, day: date | None) -> bool:
        """Whether a close on ``day`` counts (for code that already holds the deals)."""
        return day is not None and self.after < day <= self.last


def _ending(last: date, days: int) -> CloseWindow:
    return CloseWindow(after=last - timedelta(days=days), last=last)


def last_12_months(now: datetime) -> CloseWindow:
    """The window of "revenue over the last 12 months" as of ``now``."""
    return _ending(as_utc(now).date(), YEAR)


def revenue_windows(now: datetime) -> dict[str, CloseWindow]:
    """The last 12 months, the 12 before, the last 6 months and the 6 before, as of ``now``."""
    year = last_12_months(now)
    half = _ending(year.last, HALF_YEAR)
    return {
        "12m": year,
        "prev_12m": _ending(year.after, YEAR),
        "6m": half,
        "prev_6m": _ending(half.after, HALF_YEAR),
    }
