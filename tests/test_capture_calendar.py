"""Calendar capture against a real CalDAV server (Radicale, started by the tests)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.actors import Actor
from core.capture import run as run_module
from core.capture.calendar import CalendarAccount
from core.capture.config import CaptureConfig
from core.capture.run import capture_calendar
from core.checkins import due_items
from core.clock import utcnow
from core.models import ContactCreate, Interaction, InteractionCreate, PlannedMeeting
from core.services.contacts import add_contact
from core.services.interactions import log_interaction
from tests import factories
from tests.capture_servers import Radicale

SYSTEM = Actor.system("test")
NOW = utcnow().replace(microsecond=0)


def event(uid: str, start: datetime, title: str, *, extra: str = "") -> str:
    """One event of an hour with Bob (Acme) and us."""
    stamp = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kam tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:{NOW:{stamp}}\r\nDTSTART:{start:{stamp}}\r\n"
        f"DTEND:{start + timedelta(hours=1):{stamp}}\r\nSUMMARY:{title}\r\n"
        "ORGANIZER:mailto:anna@example.com\r\nATTENDEE;CN=Bob:mailto:bob@acme.example\r\n"
        f"{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def calendar(radicale: Radicale) -> CalendarAccount:
    return radicale.calendar()


def acme(session: Session) -> int:
    owner = factories.user(session, "anna@example.com")
    account = factories.account(session, "Acme", owner_id=owner.id)
    add_contact(
        account, ContactCreate(name="Bob", email="bob@acme.example"), session=session, actor=SYSTEM
    )
    log_interaction(
        account,
        InteractionCreate(summary="Kick-off", occurred_at=NOW - timedelta(days=200)),
        session=session,
        actor=SYSTEM,
        now=NOW - timedelta(days=200),
    )
    session.commit()
    assert account.id is not None
    return account.id


def check_in_due(session: Session) -> bool:
    return any(i.key.startswith("check_in_due") for i in due_items(session=session, now=NOW))


def meetings(session: Session) -> list[tuple[str, datetime]]:
    rows = session.exec(
        select(Interaction)
        .where(Interaction.source == "calendar")
        .order_by(Interaction.occurred_at)
    )
    return [(r.summary, r.occurred_at) for r in rows]


def test_meetings_are_captured_once_moved_expanded_and_planned_without_resetting_the_cadence(
    session: Session, radicale: Radicale, calendar: CalendarAccount
) -> None:
    acme(session)
    assert check_in_due(session)
    soon = NOW + timedelta(days=2)
    radicale.put(calendar, event("qbr", soon, "QBR"))
    radicale.put(calendar, event("old", NOW - timedelta(days=50), "Too long ago"))
    radicale.put(
        calendar, event("off", NOW - timedelta(days=3), "Cancelled", extra="STATUS:CANCELLED\r\n")
    )
    first = capture_calendar(calendar, CaptureConfig(), session=session, now=NOW)
    session.commit()
    assert (first.failure, first.problems, first.captured, first.planned) == (None, [], 0, 1)
    [planned] = session.exec(select(PlannedMeeting)).all()
    assert (planned.title, planned.starts_at) == ("QBR", soon)
    assert check_in_due(session), "an upcoming meeting does not reset the cadence"

    # The QBR moves to yesterday (it took place); a weekly sync began two weeks ago, its
    # third an hour ago, its fourth next week.
    held = NOW - timedelta(days=1)
    radicale.put(calendar, event("qbr", held, "QBR"))
    radicale.put(
        calendar,
        event(
            "sync", NOW - timedelta(days=14, hours=1), "Sync", extra="RRULE:FREQ=WEEKLY;COUNT=4\r\n"
        ),
    )
    second = capture_calendar(calendar, CaptureConfig(), session=session, now=NOW)
    session.commit()
    assert second.problems == [] and second.captured == 4 and second.planned == 1
    assert session.exec(select(PlannedMeeting.title)).all() == ["Sync"]  # next week's
    sync, qbr = "Meeting: Sync (with bob@acme.example)", "Meeting: QBR (with bob@acme.example)"
    assert [s for s, _ in meetings(session)] == [sync, sync, qbr, sync]
    assert not check_in_due(session), "a meeting held resolves the due check-in"

    # Run again, then move the held QBR an hour: one interaction each, the QBR at its new time.
    radicale.put(calendar, event("qbr", held - timedelta(hours=1), "QBR"))
    third = capture_calendar(calendar, CaptureConfig(), session=session, now=NOW)
    session.commit()
    assert (third.captured, third.moved) == (0, 1)
    assert [at for s, at in meetings(session) if s == qbr] == [held - timedelta(hours=1)]
    assert len(meetings(session)) == 4


def test_a_malformed_event_is_one_line_and_the_rest_is_captured(
    session: Session,
    radicale: Radicale,
    calendar: CalendarAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acme(session)
    radicale.put(calendar, event("fine", NOW - timedelta(days=1), "Fine"))
    # A server stores only valid iCalendar; a feed may send anything.
    broken = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:not-a-date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    served = run_module.read_calendar
    monkeypatch.setattr(run_module, "read_calendar", lambda account: [*served(account), broken])
    report = capture_calendar(calendar, CaptureConfig(), session=session, now=NOW)
    session.commit()
    assert len(report.problems) == 1
    assert report.problems[0].startswith("calendar entry 2 cannot be read")
    assert [s for s, _ in meetings(session)] == ["Meeting: Fine (with bob@acme.example)"]


def test_wrong_credentials_and_a_server_gone_are_one_line_without_the_password(
    session: Session, radicale: Radicale, calendar: CalendarAccount
) -> None:
    wrong = CalendarAccount(url=calendar.url, user="ann", password="not-it-42")
    refused = capture_calendar(wrong, CaptureConfig(), session=session, now=NOW)
    assert refused.failure is not None and refused.failure.startswith(
        "The server refused the login"
    )
    assert "not-it-42" not in refused.failure
    gone = CalendarAccount(url="http://127.0.0.1:9/cal/", user="ann", password="not-it-42")
    failed = capture_calendar(gone, CaptureConfig(), session=session, now=NOW)
    assert failed.failure is not None and failed.failure.startswith(
        "Cannot read the calendar ann at"
    )
    assert "not-it-42" not in failed.failure and "\n" not in failed.failure


def test_an_ics_feed_is_read_over_http_without_a_login(session: Session, tmp_path: Path) -> None:
    acme(session)
    (tmp_path / "feed.ics").write_text(event("feed", NOW - timedelta(days=2), "Site visit"))
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        feed = CalendarAccount(url=f"http://127.0.0.1:{server.server_port}/feed.ics?key=secret")
        assert feed.is_feed and "secret" not in feed.where
        report = capture_calendar(feed, CaptureConfig(), session=session, now=NOW)
        missing = CalendarAccount(url=f"http://127.0.0.1:{server.server_port}/gone.ics?key=secret")
        failed = capture_calendar(missing, CaptureConfig(), session=session, now=NOW)
    finally:
        server.shutdown()
        server.server_close()
    session.commit()
    assert (report.failure, report.captured) == (None, 1)
    assert [s for s, _ in meetings(session)] == ["Meeting: Site visit (with bob@acme.example)"]
    assert failed.failure is not None and "secret" not in failed.failure
