"""The one source of "now", and the helpers that keep every timestamp UTC-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import KamError


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def start_of_day_utc(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@cache
def zone(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name`` or raise a user-readable error.

    Kept once read: ``ZoneInfo`` holds only its eight newest zones strongly, so a team
    spread over more zones had them read from disk again and again (a first sweep at
    100,000 accounts read zone files 5,544 times routing its items). An unknown name
    raises and is not kept.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise KamError(
            f"Unknown time zone {name!r}. Use an IANA name such as Europe/Stockholm."
        ) from exc
