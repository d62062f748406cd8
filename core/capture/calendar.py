"""Meetings from a calendar: CalDAV (with a user and password) or an ICS feed (a URL).

Every run reads the events of a window around now (``lookback_days`` back,
``lookahead_days`` ahead), expands recurring ones (recurring-ical-events), and
gives one touch per occurrence with its UID and recurrence id as the link back: a
moved event is the same touch at a new time, a cancelled one is marked so. The
password goes to the server only; an error names the calendar, never the password.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from core.capture.mail import CaptureFailure, describe_failure
from core.capture.touches import Person, Touch
from core.models import InteractionKind

TIMEOUT = 30


@dataclass(frozen=True)
class CalendarAccount:
    """Where the calendar is: a CalDAV calendar's URL with its login, or an ICS feed."""

    url: str
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"CalendarAccount(url={self.where!r}, user={self.user!r})"

    @property
    def where(self) -> str:
        """The calendar as an error names it: no password, no secret in the URL's query."""
        base = self.url.split("?", 1)[0]
        return f"{self.user} at {base}" if self.user else base

    @property
    def is_feed(self) -> bool:
        """An ICS feed (read whole with one GET) rather than a CalDAV calendar."""
        return self.user is None or self.url.startswith("webcal")


@dataclass(frozen=True)
class Occurrence:
    """One occurrence read from the calendar, or why an event could not be read."""

    touch: Touch | None
    problem: str | None = None


def read_calendar(account: CalendarAccount) -> list[str]:
    """The calendar's iCalendar texts (one per stored event, or the whole feed)."""
    try:
        if account.is_feed:
            url = (
                "https" + account.url[len("webcal") :]
                if account.url.startswith("webcal")
                else account.url
            )
            with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
                return [answer.read().decode("utf-8", "replace")]
        import caldav

        dav_client: Any = caldav.DAVClient
        client = dav_client(
            url=account.url, username=account.user, password=account.password, timeout=TIMEOUT
        )
        calendar = client.calendar(url=account.url)
        return [str(event.data) for event in calendar.events()]
    except Exception as exc:  # caldav and urllib fail in many ways; each becomes one line
        raise describe_failure(f"the calendar {account.where}", exc) from None


def occurrences(texts: list[str], start: datetime, end: datetime) -> Iterator[Occurrence]:
    """Every occurrence between ``start`` and ``end``; an unreadable text is a problem."""
    for n, text in enumerate(texts, 1):
        try:
            calendar = icalendar.Calendar.from_ical(text)
            found = list(recurring_ical_events.of(calendar).between(start, end))
            # Expanded occurrences all carry a RECURRENCE-ID; only a series' own name one.
            series = {
                str(e.get("UID"))
                for e in calendar.walk("VEVENT")
                if any(k in e for k in ("RRULE", "RDATE", "RECURRENCE-ID"))
            }
        except Exception as exc:  # a malformed file can fail in many ways inside icalendar
            yield Occurrence(None, f"calendar entry {n} cannot be read: {str(exc)[:200]}")
            continue
        for event in found:
            try:
                yield Occurrence(touch_of(event, series))
            except Exception as exc:
                uid = str(event.get("UID", "?"))[:100]
                yield Occurrence(None, f"event {uid} cannot be read: {str(exc)[:200]}")


def touch_of(event: Any, series: set[str]) -> Touch:
    """The meeting touch of one occurrence (``series``: the UIDs of recurring events)."""
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise ValueError("it has no UID")
    begins = _moment(event.decoded("DTSTART"))
    recurrence = event.get("RECURRENCE-ID")
    ref = uid
    if uid in series:
        original = _moment(recurrence.dt) if recurrence is not None else begins
        ref = f"{uid}/{original:%Y%m%dT%H%M%SZ}"
    people = [_person(a) for a in _list(event.get("ATTENDEE"))]
    organizer = event.get("ORGANIZER")
    if organizer is not None:
        people.insert(0, _person(organizer))
    return Touch(
        source="calendar",
        ref=ref[:500],
        kind=InteractionKind.MEETING,
        at=begins,
        title=" ".join(str(event.get("SUMMARY", "")).split()) or "(no title)",
        people=tuple(p for p in people if p is not None),
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
    )


def window(now: datetime, back_days: int, ahead_days: int) -> tuple[datetime, datetime]:
    """The span a run reads."""
    return now - timedelta(days=back_days), now + timedelta(days=ahead_days)


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _person(value: Any) -> Person | None:
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    if "@" not in address or " " in address:
        return None
    name = value.params.get("CN") if hasattr(value, "params") else None
    return Person(address.lower(), str(name) if name else None)


__all__ = ["CalendarAccount", "CaptureFailure", "Occurrence", "occurrences", "read_calendar"]
