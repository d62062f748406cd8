"""Read the values people put in CSV cells: dates, times, yes/no.

Amounts and whole numbers are read by :mod:`core.numbers`, the rules every front end
shares.

Each reader raises ValueError with the hint that goes after "row N, column X:".
Dates come in ISO and the common locale forms; a column of dates like
03/04/2017 is read day-first or month-first from the column as a whole (a day
above 12 settles it), and ``--date-format`` decides when nothing does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from core.clock import as_utc, zone
from core.transfer.problems import FileProblem

T = TypeVar("T")

NAMED_FORMATS = (
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
NUMERIC = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})$")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p", "%I%p", "%I %p")
TRUE = frozenset({"true", "yes", "y", "1", "x", "t", "ja", "oui", "si", "sí"})
FALSE = frozenset({"false", "no", "n", "0", "f", "nei", "nein", "non"})


def date_order(values: Iterable[str], *, column: str, file: str) -> str | None:
    """ "dmy" or "mdy" for a column's numeric dates like 03/04/2017, None if it has none.

    Raises FileProblem when the column cannot say (every day is 12 or less) or
    says both, so the user picks with --date-format.
    """
    day_first = month_first = seen = False
    example = ""
    for text in values:
        match = NUMERIC.match(text.strip())
        if match is None:
            continue
        seen = True
        example = example or text.strip()
        first, second = int(match[1]), int(match[2])
        if first > 12 and second > 12:
            continue  # no date at all; its row is refused when it is read
        day_first |= first > 12
        month_first |= second > 12
    if not seen:
        return None
    if day_first and month_first:
        raise FileProblem(
            f"{file}, column {column!r}: some dates put the day first and others the month "
            "(e.g. 25/03 and 03/25). Make them consistent, or pass --date-format."
        )
    if not (day_first or month_first):
        raise FileProblem(
            f"{file}, column {column!r}: dates like {example!r} can be read day-first or "
            'month-first. Pass --date-format "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first).'
        )
    return "dmy" if day_first else "mdy"


class _ColumnReader(Generic[T]):
    """Reads one column's values, each distinct text once: a column of a million rows
    holds a few thousand different dates."""

    def __init__(self) -> None:
        self.cache: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        found = self.cache.get(text)
        if found is None:
            found = self.cache[text] = self._read(text.strip())
        return found

    def _read(self, text: str) -> T:
        raise NotImplementedError


class DateReader(_ColumnReader[date]):
    """Reads one column's dates."""

    def __init__(self, date_format: str | None = None, order: str | None = None) -> None:
        super().__init__()
        self.date_format = date_format
        self.order = order

    def _read(self, text: str) -> date:
        if self.date_format:
            try:
                return datetime.strptime(text, self.date_format).date()
            except ValueError:
                pass
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
        match = NUMERIC.match(text)
        if match is not None and self.order is not None:
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            year += 2000 if len(match[3]) == 2 and year < 70 else 1900 if year < 100 else 0
            day, month = (first, second) if self.order == "dmy" else (second, first)
            try:
                return date(year, month, day)
            except ValueError:
                pass
        for fmt in NAMED_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        expected = f" in the format {self.date_format}" if self.date_format else ""
        raise ValueError(
            f"cannot read {text!r} as a date{expected}; write it as 2017-03-01 "
            "(or give --date-format, e.g. %d/%m/%Y)"
        )


class MomentReader(_ColumnReader[datetime]):
    """Reads one column's timestamps; a time without a zone is in ``timezone``."""

    def __init__(self, dates: DateReader, timezone: str = "UTC") -> None:
        super().__init__()
        self.dates = dates
        self.zone: ZoneInfo = zone(timezone)

    def _read(self, text: str) -> datetime:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = self._split(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        return as_utc(parsed)

    def _split(self, text: str) -> datetime:
        try:
            return datetime.combine(self.dates(text), time(0))
        except ValueError:
            pass
        for cut in _cuts(text):
            day_text, time_text = text[:cut].strip().rstrip(","), text[cut:].strip()
            try:
                day = self.dates(day_text)
            except ValueError:
                continue
            for fmt in TIME_FORMATS:
                try:
                    return datetime.combine(day, datetime.strptime(time_text, fmt).time())
                except ValueError:
                    continue
        raise ValueError(
            f"cannot read {text!r} as a date and time; write it as 2017-03-01 14:30 "
            "(or 2017-03-01T14:30:00+01:00 with its zone)"
        )


def _cuts(text: str) -> list[int]:
    """Where a date may end and a time begin: at each space, last first."""
    return [i for i in range(len(text) - 1, 0, -1) if text[i] == " "]


def read_time(text: str) -> time:
    """A time of day such as 08:30 or 8:30 AM."""
    text = text.strip()
    try:
        return time.fromisoformat(text)
    except ValueError:
        pass
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text.upper(), fmt).time()
        except ValueError:
            continue
    raise ValueError(f"cannot read {text!r} as a time of day; write it as 08:30")


def read_bool(text: str) -> bool:
    """Yes/no in the forms spreadsheets use."""
    key = text.strip().casefold()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise ValueError(f"cannot read {text!r} as yes or no; write true or false")
