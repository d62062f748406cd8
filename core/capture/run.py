"""One capture run of a source: read what is new, record it, keep how far it got.

A run that fails part way (a server gone, a connection dropped) keeps what it read
before the failure: the cursor moves with each batch recorded, and the report says
why it stopped. The edge commits the session either way, or rolls it back for a
dry run.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.actors import Actor
from core.capture.calendar import CalendarAccount, occurrences, read_calendar, window
from core.capture.config import CaptureConfig
from core.capture.mail import CaptureFailure, MailAccount, Mailbox
from core.capture.matcher import load_matcher
from core.capture.store import CaptureReport, cursor, forget_planned, record_touch
from core.clock import utcnow


def capture_mail(
    mailbox: MailAccount,
    config: CaptureConfig,
    *,
    session: Session,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> CaptureReport:
    """Capture the messages new since the last run in the configured folders."""
    now = now or utcnow()
    actor = actor or Actor.system("capture:mail")
    report = CaptureReport(source="mail")
    matcher = load_matcher(config, session=session, own=(mailbox.user,))
    try:
        with Mailbox(mailbox) as box:
            for folder in config.folders:
                validity = box.open_folder(folder)
                if validity is None:
                    report.problems.append(f"there is no folder {folder!r} on the server")
                    continue
                place = cursor("mail", folder, session=session)
                if place.uidvalidity != validity:
                    place.uidvalidity, place.last_uid = validity, 0
                for batch in box.messages_after(place.last_uid, with_body=config.store_body):
                    for fetched in batch:
                        if fetched.touch is None:
                            report.problems.append(f"{folder}: {fetched.problem}")
                        else:
                            record_touch(
                                fetched.touch,
                                matcher,
                                report,
                                session=session,
                                actor=actor,
                                now=now,
                            )
                        place.last_uid = fetched.uid
                    place.updated_at = now
                    session.add(place)
                    session.flush()
    except CaptureFailure as exc:
        session.flush()
        report.failure = str(exc)
    return report


def capture_calendar(
    calendar: CalendarAccount,
    config: CaptureConfig,
    *,
    session: Session,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> CaptureReport:
    """Capture the meetings of the window around now: those that took place become
    interactions, those to come are planned; moved, cancelled and deleted ones follow."""
    now = now or utcnow()
    actor = actor or Actor.system("capture:calendar")
    report = CaptureReport(source="calendar")
    try:
        texts = read_calendar(calendar)
    except CaptureFailure as exc:
        report.failure = str(exc)
        return report
    own = (calendar.user,) if calendar.user and "@" in calendar.user else ()
    matcher = load_matcher(config, session=session, own=own)
    start, end = window(now, config.lookback_days, config.lookahead_days)
    seen: list[str] = []
    for found in occurrences(texts, start, end):
        if found.touch is None:
            report.problems.append(str(found.problem))
            continue
        if not found.touch.cancelled:
            seen.append(found.touch.ref)
        record_touch(found.touch, matcher, report, session=session, actor=actor, now=now)
    if not report.problems:  # an unreadable entry may hide a meeting still planned
        forget_planned(seen, now, session=session)
    return report
