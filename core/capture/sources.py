"""The capture sources the settings configure, or one clear line saying what is missing."""

from __future__ import annotations

from collections.abc import Callable

from core.capture.calendar import CalendarAccount
from core.capture.mail import MailAccount
from core.capture.run import capture_calendar, capture_mail
from core.capture.store import CaptureReport
from core.errors import KamError
from core.settings import Settings


def mail_account(settings: Settings) -> MailAccount:
    """The mailbox of ``KAM_MAIL_*``; refuses (naming the variables) when it is not set."""
    missing = [
        name
        for name, value in (
            ("KAM_MAIL_HOST", settings.kam_mail_host),
            ("KAM_MAIL_USER", settings.kam_mail_user),
            ("KAM_MAIL_PASSWORD", settings.kam_mail_password),
        )
        if not value
    ]
    if missing:
        raise KamError(
            "Mail capture is not set up: set " + ", ".join(missing) + " (see .env.example)."
        )
    assert settings.kam_mail_host and settings.kam_mail_user and settings.kam_mail_password
    return MailAccount(
        host=settings.kam_mail_host,
        user=settings.kam_mail_user,
        password=settings.kam_mail_password.get_secret_value(),
        port=settings.kam_mail_port,
        tls=settings.kam_mail_tls,
    )


def calendar_account(settings: Settings) -> CalendarAccount:
    """The calendar of ``KAM_CALENDAR_*``: a CalDAV calendar (with a user) or an ICS feed."""
    if not settings.kam_calendar_url:
        raise KamError(
            "Calendar capture is not set up: set KAM_CALENDAR_URL (and KAM_CALENDAR_USER and "
            "KAM_CALENDAR_PASSWORD for CalDAV; see .env.example)."
        )
    password = settings.kam_calendar_password
    return CalendarAccount(
        url=settings.kam_calendar_url,
        user=settings.kam_calendar_user or None,
        password=password.get_secret_value() if password else None,
    )


def scheduled_sources(settings: Settings) -> dict[str, tuple[Callable[..., CaptureReport], object]]:
    """The sources the settings configure, by name, with their capture and account: what
    the bot runs on its schedule."""
    found: dict[str, tuple[Callable[..., CaptureReport], object]] = {}
    if settings.kam_mail_host:
        found["mail"] = (capture_mail, mail_account(settings))
    if settings.kam_calendar_url:
        found["calendar"] = (capture_calendar, calendar_account(settings))
    return found
