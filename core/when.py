"""Read the moments people type: ISO dates and plain phrases like "tomorrow 9am"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from core.clock import as_utc, zone
from core.errors import KamError
from core.hours import Staffed, WorkingHours

EXAMPLES = '2026-03-01, 2026-03-01T14:30, "tomorrow 9am", "in 3 days", "next friday"'
SANE_YEARS = 100
"""How far from now a typed moment may lie. kam plans calls and reads a portfolio's
recent years; 9999-12-31 or 0001-01-01 is a typing slip, and near the calendar's
ends every "a day later" overflows."""


Prefer = Literal["past", "future"]
"""Which way an ambiguous phrase leans: "friday" is the last one or the next one."""


@dataclass(frozen=True)
class When:
    """How one person's typed moments are read: at ``now``, in their own time zone.

    Every front end reads "tomorrow 9am" or "2026-03-01" for someone somewhere; the
    moment and the person's zone travel together here instead of beside every call.
    With the person's ``hours``, a day named without a time ("next monday",
    "tomorrow", "2026-03-02") means the start of their working day that day, so a
    snooze "until next monday" typed late on Sunday lasts until Monday morning.
    """

    now: datetime
    timezone: str = "UTC"
    hours: WorkingHours | None = None

    @classmethod
    def of(cls, person: Staffed, now: datetime) -> When:
        """How ``person`` means what they type: their zone, and their working day."""
        return cls(now, person.timezone, WorkingHours.of(person))

    def moment(self, text: str, *, prefer: Prefer = "future") -> datetime:
        """The UTC moment ``text`` means.

        A bare date means the start of that day in the person's zone (of their
        working day, when their ``hours`` are known). Anything unreadable, or more
        than :data:`SANE_YEARS` from now, raises a KamError that shows good examples.
        """
        raw = (text or "").strip()
        if not raw:
            raise KamError(f"No date given. Try one of: {EXAMPLES}.")
        moment: datetime | None
        try:
            moment = self._read(raw, prefer)
        except OverflowError:  # a date at the calendar's ends moved to UTC
            moment = None
        now = as_utc(self.now)
        if moment is None or abs(moment.year - now.year) > SANE_YEARS:
            raise KamError(
                f"Cannot use {raw!r} as a date: kam reads dates from {now.year - SANE_YEARS} "
                f"to {now.year + SANE_YEARS}. Try one of: {EXAMPLES}."
            )
        return moment

    def _read(self, raw: str, prefer: Prefer) -> datetime:
        """The UTC moment ``raw`` means, however far away."""
        tz = zone(self.timezone)
        try:
            if len(raw) == 10:
                return self._start_of(date.fromisoformat(raw))
            parsed = datetime.fromisoformat(raw)
            return as_utc(parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed)
        except ValueError:
            pass
        from dateparser.date import DateDataParser  # slow to import; only phrases need it

        settings = {
            "TIMEZONE": self.timezone,
            "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": as_utc(self.now).astimezone(tz).replace(tzinfo=None),
            "PREFER_DATES_FROM": prefer,
            "RETURN_TIME_AS_PERIOD": True,
        }
        found = DateDataParser(languages=["en"], settings=settings).get_date_data(raw)
        if found.date_obj is None:
            raise KamError(f"Cannot read {raw!r} as a date. Try one of: {EXAMPLES}.")
        parsed = as_utc(found.date_obj)
        if found.period == "day" and self.hours is not None:
            return self._start_of(parsed.astimezone(tz).date())
        return parsed

    def _start_of(self, day: date) -> datetime:
        """The start of ``day``: of the person's working day if known, else midnight."""
        if self.hours is not None:
            return self.hours.at(day, self.hours.start)
        return datetime.combine(day, time(0), tzinfo=zone(self.timezone)).astimezone(UTC)

    def day(self, text: str, *, prefer: Prefer = "future") -> date:
        """The calendar day ``text`` means, in the person's own zone."""
        return self.moment(text, prefer=prefer).astimezone(zone(self.timezone)).date()

    def deadline(self, text: str) -> date:
        """The day a promise or a notice is due: ``text`` read as :meth:`day`, refused when
        it has passed in the person's own zone (a promise cannot start overdue)."""
        day = self.day(text)
        if day < self.day("today"):
            raise KamError(f"{day.isoformat()} is in the past; give a day from today on.")
        return day
