"""A person's working hours: when kam may send them something, and when their day starts.

Each person has a start and an end time and the weekdays they work, read in
their own time zone (defaults 09:00-17:00, Monday to Friday). Nothing is sent
outside them, their digest goes out at their start, and "next monday" typed by
them means the start of that working day. The one rule for what people may
type is :func:`read_hours` and :func:`read_days`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from core.clock import as_utc, zone
from core.errors import KamError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = "12345"
"""Monday to Friday, as stored: the ISO weekday numbers worked, in order."""
DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 0)
_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")
HOURS_EXAMPLE = '"09:00-17:00" or "8:30-16:30"'
DAYS_EXAMPLE = '"mon-fri", "mon,tue,thu" or "sun-thu"'


class Staffed(Protocol):
    """What a person record carries about their hours (a kam user)."""

    timezone: str
    work_start: time
    work_end: time
    work_days: str


def _clock(hours: str, minutes: str | None, text: str) -> time:
    h, m = int(hours), int(minutes or 0)
    if h > 23 or m > 59:
        raise KamError(f"{text!r} is not a time of day between 00:00 and 23:59.")
    return time(h, m)


def read_hours(text: str) -> tuple[time, time]:
    """The start and end a person typed as ``HH:MM-HH:MM``; the end must follow the start."""
    found = _HOURS.match(text or "")
    if found is None:
        raise KamError(f"Cannot read {text!r} as working hours. Try {HOURS_EXAMPLE}.")
    start = _clock(found[1], found[2], text)
    end = _clock(found[3], found[4], text)
    if end <= start:
        raise KamError(
            f"Working hours {text!r} end before they start; kam needs one stretch within a "
            f"day, such as {HOURS_EXAMPLE}."
        )
    return start, end


def read_days(text: str) -> str:
    """The weekdays a person typed (``mon-fri``, ``mon,wed``, ``sun-thu``), as stored."""
    days: set[int] = set()
    for part in (text or "").lower().replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if first not in DAY_NAMES or (dash and last not in DAY_NAMES):
            raise KamError(f"Cannot read {text!r} as working days. Try {DAYS_EXAMPLE}.")
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if dash else a
        span = (b - a) % 7
        days.update((a + step) % 7 + 1 for step in range(span + 1))
    return "".join(str(d) for d in sorted(days))


def days_label(stored: str) -> str:
    """Stored weekdays as people write them: ``mon-fri``, ``sun-thu``, or ``mon,wed,fri``."""
    days = sorted({int(d) - 1 for d in stored})
    if not days:
        return "none"
    starts = [d for d in days if (d - 1) % 7 not in days]
    if len(days) == 7:
        return "mon-sun"
    if len(starts) == 1 and len(days) > 2:
        first = starts[0]
        last = (first + len(days) - 1) % 7
        return f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"
    return ",".join(DAY_NAMES[d] for d in days)


@dataclass(frozen=True)
class WorkingHours:
    """When one person works, in their own time zone."""

    timezone: str = "UTC"
    start: time = DEFAULT_START
    end: time = DEFAULT_END
    days: str = WEEKDAYS

    @classmethod
    def of(cls, person: Staffed) -> WorkingHours:
        """The hours of a kam user."""
        return cls(person.timezone, person.work_start, person.work_end, person.work_days)

    @property
    def label(self) -> str:
        """``09:00-17:00 mon-fri Europe/Oslo``."""
        return f"{self.start:%H:%M}-{self.end:%H:%M} {days_label(self.days)} ({self.timezone})"

    def works_on(self, day: date) -> bool:
        """Whether ``day`` (their local calendar day) is a working day."""
        return str(day.isoweekday()) in self.days

    def at(self, day: date, clock: time) -> datetime:
        """The UTC moment of ``clock`` on their local ``day``."""
        return datetime.combine(day, clock, tzinfo=zone(self.timezone)).astimezone(UTC)

    def local_day(self, moment: datetime) -> date:
        """Their calendar day at ``moment``."""
        return as_utc(moment).astimezone(zone(self.timezone)).date()

    def is_working(self, moment: datetime) -> bool:
        """Whether ``moment`` falls within their working hours."""
        day = self.local_day(moment)
        return self.works_on(day) and self.at(day, self.start) <= moment < self.at(day, self.end)

    def day_start(self, day: date) -> datetime:
        """When their working day ``day`` starts (UTC)."""
        return self.at(day, self.start)

    def day_end(self, day: date) -> datetime:
        """When their working day ``day`` ends (UTC)."""
        return self.at(day, self.end)

    def latest_working_day(self, moment: datetime) -> date | None:
        """The last working day that started at or before ``moment`` (within two weeks)."""
        day = self.local_day(moment)
        for back in range(15):
            candidate = day - timedelta(days=back)
            if self.works_on(candidate) and self.day_start(candidate) <= moment:
                return candidate
        return None

    def next_start(self, moment: datetime) -> datetime | None:
        """The start of their next working day at or after ``moment``."""
        day = self.local_day(moment)
        for ahead in range(15):
            candidate = day + timedelta(days=ahead)
            if self.works_on(candidate) and self.day_start(candidate) >= moment:
                return self.day_start(candidate)
        return None
