"""What every read model shares: dates as the JSON output writes them.

(Revenue "over the last 12 months" is defined once, in core.scoring.revenue.)
"""

from __future__ import annotations

from datetime import date, datetime

from core.clock import as_utc


def iso(value: date | datetime | None) -> str | None:
    """ISO text for a date or timestamp, None kept (how ``--json`` writes them)."""
    return value.isoformat() if value is not None else None


def as_aware(value: datetime | str | None) -> datetime | None:
    """A timestamp read through a subquery, which skips the column type, back in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
