"""E-mail over IMAP: the headers of messages new since the last run, folder by folder.

Only headers are read (``BODY.PEEK[HEADER]``, which leaves messages unread): the
sender, the recipients, the subject, the date and the Message-ID. kam stores no
message body unless the team turns it on (``store_body`` in ``[capture]``): then the
whole message is read (``BODY.PEEK[]``, still leaving it unread) and its plain text
is kept on the interaction. The password is given to the server and to nothing else: an error
names the server and the account, never the password.
"""

from __future__ import annotations

import email.policy
import hashlib
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from core.capture.touches import Person, Touch
from core.errors import KamError
from core.models import InteractionKind

BATCH = 500
"""Messages fetched per request: few round trips, bounded memory."""
TIMEOUT = 30.0
"""Seconds to wait for the server before calling it gone."""
PARSER = BytesHeaderParser(policy=email.policy.default)
ADDRESS = re.compile(r"[^\s\"<>()@,;]+@[^\s\"<>()@,;]+")
"""What kam takes as an address: anything else in a header is skipped."""


class CaptureFailure(KamError):
    """A source could not be read (wrong credentials, a server gone): one clear line."""


@dataclass(frozen=True)
class MailAccount:
    """Where the mailbox is and how to log in: from the environment, never logged."""

    host: str
    user: str
    password: str
    port: int = 993
    tls: bool = True

    def __repr__(self) -> str:
        return f"MailAccount(host={self.host!r}, port={self.port}, user={self.user!r})"

    @property
    def where(self) -> str:
        """The mailbox as an error names it: account and server, no password."""
        return f"{self.user} at {self.host}:{self.port}"


@dataclass(frozen=True)
class Fetched:
    """One message read from a folder: its touch, or why it could not be read."""

    uid: int
    touch: Touch | None
    problem: str | None = None


class Mailbox:
    """An open IMAP connection; ``with Mailbox(account) as box`` logs in and out."""

    def __init__(self, account: MailAccount) -> None:
        self.account = account
        self._client: IMAPClient | None = None

    def __enter__(self) -> Mailbox:
        try:
            client = IMAPClient(
                self.account.host,
                port=self.account.port,
                ssl=self.account.tls,
                timeout=TIMEOUT,
            )
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            raise CaptureFailure(
                f"Cannot reach the mail server for {self.account.where}: {_reason(exc)}."
            ) from None
        try:
            client.login(self.account.user, self.account.password)
        except LoginError:
            _quietly_close(client)
            raise CaptureFailure(
                f"The mail server refused the login for {self.account.where}: check "
                "KAM_MAIL_USER and KAM_MAIL_PASSWORD (many providers want an app password)."
            ) from None
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            _quietly_close(client)
            raise gone(self.account, exc) from None
        self._client = client
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            _quietly_close(self._client)
            self._client = None

    @property
    def client(self) -> IMAPClient:
        assert self._client is not None, "use the mailbox in a with block"
        return self._client

    def open_folder(self, folder: str) -> int | None:
        """Select ``folder`` read-only; its UIDVALIDITY, or None when there is no such folder."""
        try:
            if not self.client.folder_exists(folder):
                return None
            status = self.client.select_folder(folder, readonly=True)
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            raise gone(self.account, exc) from None
        return int(status[b"UIDVALIDITY"])

    def messages_after(
        self, last_uid: int, *, batch: int | None = None, with_body: bool = False
    ) -> Iterator[list[Fetched]]:
        """The open folder's messages with a UID above ``last_uid``, in UID order, a batch
        at a time (so what is read before a failure can be kept)."""
        try:
            found = self.client.search(["UID", f"{last_uid + 1}:*"])
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            raise gone(self.account, exc) from None
        uids = sorted(int(u) for u in found if int(u) > last_uid)
        batch = batch or BATCH
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            try:
                part = "BODY.PEEK[]" if with_body else "BODY.PEEK[HEADER]"
                data = self.client.fetch(chunk, [part, "INTERNALDATE"])
            except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
                raise gone(self.account, exc) from None
            yield [read_message(uid, data.get(uid, {})) for uid in chunk]


def gone(account: MailAccount, exc: BaseException) -> CaptureFailure:
    """The failure for a server that stopped answering (or answered nonsense)."""
    return CaptureFailure(f"The mail server for {account.where} stopped answering: {_reason(exc)}.")


def describe_failure(what: str, exc: BaseException) -> CaptureFailure:
    """One line for a source that failed: refused credentials, or why it is unreachable."""
    name = type(exc).__name__
    status = getattr(getattr(exc, "response", None), "status_code", None) or getattr(
        exc, "code", None
    )
    if "Authoriz" in name or status in (401, 403):
        return CaptureFailure(
            f"The server refused the login for {what}: check the user and password "
            "(many providers want an app password)."
        )
    return CaptureFailure(f"Cannot read {what}: {_reason(exc)}.")


def read_message(uid: int, data: dict[Any, Any]) -> Fetched:
    """A message's touch from its headers; a message kam cannot read is a problem, not
    a stop."""
    whole = data.get(b"BODY[]")
    raw = whole if isinstance(whole, bytes) else data.get(b"BODY[HEADER]")
    if not isinstance(raw, bytes):
        return Fetched(uid, None, f"message {uid} came without its headers")
    try:
        headers = PARSER.parsebytes(raw)
        touch = touch_of(headers, raw, data.get(b"INTERNALDATE"))
        if isinstance(whole, bytes):
            touch = replace(touch, body=text_of(whole))
        return Fetched(uid, touch)
    except Exception as exc:  # a malformed header can fail in many ways inside email
        return Fetched(uid, None, f"message {uid} cannot be read: {exc}")


def touch_of(headers: EmailMessage, raw: bytes, arrived: object) -> Touch:
    """The e-mail touch its headers describe."""
    message_id = _clean(headers.get("Message-ID", "")).strip()
    ref = message_id or "sha1:" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    sender = _people(headers, "From")
    people = (*sender, *_people(headers, "To"), *_people(headers, "Cc"))
    if not people:
        raise ValueError("it names no sender or recipient kam can read")
    return Touch(
        source="mail",
        ref=ref[:500],
        kind=InteractionKind.EMAIL,
        at=_date(headers, arrived),
        title=" ".join(_clean(headers.get("Subject", "")).split()) or "(no subject)",
        people=people,
        sender=sender[0] if sender else None,
    )


def text_of(raw: bytes) -> str | None:
    """A message's plain text (its text/plain part, else none), as the database can store it."""
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    part = (
        message.get_body(preferencelist=("plain",)) if isinstance(message, EmailMessage) else None
    )
    if part is None or not isinstance(part, EmailMessage):
        return None
    text = _clean(part.get_content()).strip()
    return text or None


def _people(headers: EmailMessage, name: str) -> tuple[Person, ...]:
    field = headers.get(name)
    if field is None:
        return ()
    out = []
    for address in getattr(field, "addresses", ()):
        spec = _clean(address.addr_spec).lower() if isinstance(address, Address) else ""
        if ADDRESS.fullmatch(spec):
            out.append(Person(spec, _clean(address.display_name) or None))
    return tuple(out)


def _clean(value: object) -> str:
    """Header text as the database can store it: undecodable bytes become U+FFFD."""
    text = str(value or "")
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _date(headers: EmailMessage, arrived: object) -> datetime:
    raw = headers.get("Date")
    try:
        when = parsedate_to_datetime(str(raw)) if raw else None
    except (TypeError, ValueError):
        when = None
    if when is None and isinstance(arrived, datetime):
        when = arrived
    if when is None:
        raise ValueError("no date")
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "reason", None)  # urllib wraps the socket's error
    if isinstance(inner, BaseException):
        exc = inner
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, ssl.SSLError):
        return "the secure connection failed"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]


def _quietly_close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            return
