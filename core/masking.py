"""Secrets kept out of every message and log line.

A database URL carries its password, a Slack token is a credential by itself, and
either can reach a message through an error's text (a malformed URL echoed back, a
driver's complaint, a traceback). :func:`mask` hides them in any text, and
:class:`MaskingFormatter` does it for every line a log handler writes, tracebacks
included. Secret values kam was configured with (:func:`remember`) are hidden
wherever they appear, whatever their shape (a signing secret is 32 bare hex digits).
"""

from __future__ import annotations

import logging
import re

HIDDEN = "***"

URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^\s:/@'\"]*:)(?P<secret>[^\s'\"]*)(?P<tail>@[^\s@'\"]*)",
    re.IGNORECASE,
)
"""``scheme://user:password@host``: the password runs to the last ``@`` of the URL."""

SLACK_TOKEN = re.compile(r"\b(?P<kind>xox[a-z]|xapp)-[A-Za-z0-9-]+")
"""Slack's bot, user, app-level and refresh tokens."""

_known: set[str] = set()


def remember(*secrets: str | None) -> None:
    """Hide these configured values too, wherever they appear from now on."""
    _known.update(s for s in secrets if s and len(s) >= 8)


def mask(text: str) -> str:
    """``text`` with URL passwords, Slack tokens and remembered secrets replaced by ***."""
    for secret in sorted(_known, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = URL_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}{m['tail']}", text)
    return SLACK_TOKEN.sub(lambda m: f"{m['kind']}-{HIDDEN}", text)


class MaskingFormatter(logging.Formatter):
    """A log formatter whose every line, traceback included, has its secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))
