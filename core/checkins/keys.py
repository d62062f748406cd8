"""Reminder keys: the one codec that builds and parses them, in Python and in SQL.

A key names one occurrence of one reminder, so the same situation always gets
the same key and delivery is claimed once per key. Every key reads
``<kind>:<subject>:<occurrence>``: the subject is the account (a person, for the
daily digest), the occurrence what makes this one different from the kind's
others on that account (the day a check-in cycle began, a promise's id, a
quarter). An escalation of the same situation adds ``#<level>``
(``check_in_due:42:2026-01-05#red``): a snooze of the first notice does not
hide the escalation, while done or dismissed covers the whole family.

The sweep has the database spell the keys of the occurrences it finds
(:func:`key_sql`, :func:`leveled`), so it can set them against the reminder
table without fetching them; Python builds the same text with :class:`ReminderKey`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import case, literal
from sqlalchemy.sql.expression import ColumnElement

from core.checkins.sql import joined

PART = ":"
LEVEL = "#"
DIGEST = "digest"
"""The kind of a person's daily digest: its subject is the person, not an account."""


@dataclass(frozen=True)
class ReminderKey:
    """One occurrence of a reminder kind, as its parts."""

    kind: str
    subject: int
    occurrence: str
    level: str | None = None

    def __post_init__(self) -> None:
        parts = (self.kind, self.occurrence, self.level or "")
        if any(PART in p or LEVEL in p for p in parts) or not self.kind or not self.occurrence:
            raise ValueError(f"{parts!r} cannot make a reminder key")

    def __str__(self) -> str:
        text = f"{self.kind}{PART}{self.subject}{PART}{self.occurrence}"
        return text if self.level is None else f"{text}{LEVEL}{self.level}"

    @property
    def family(self) -> ReminderKey:
        """The situation, without its escalation level."""
        return replace(self, level=None)

    @property
    def account_id(self) -> int | None:
        """The account the reminder is about (None for a person's digest)."""
        return None if self.kind == DIGEST else self.subject

    @classmethod
    def parse(cls, text: str) -> ReminderKey:
        """The parts of a key; ValueError when ``text`` is not one."""
        body, _, level = text.partition(LEVEL)
        kind, _, rest = body.partition(PART)
        subject, _, occurrence = rest.partition(PART)
        if not kind or not occurrence or not subject.isdigit():
            raise ValueError(f"{text!r} is not a reminder key")
        return cls(kind, int(subject), occurrence, level or None)


def family(key: str) -> str:
    """The situation a key belongs to, without its escalation level."""
    return key.partition(LEVEL)[0]


def kind_of(key: str) -> str:
    """The reminder kind a key names."""
    return key.partition(PART)[0]


def account_of(key: str) -> int | None:
    """The account id a reminder key names, if it names one."""
    try:
        return ReminderKey.parse(key).account_id
    except ValueError:
        return None


def digest_key(user_id: int | None, day: date) -> str:
    """The occurrence key of a person's digest for their local ``day``."""
    return str(ReminderKey(DIGEST, int(user_id or 0), day.isoformat()))


def is_digest(key: str) -> bool:
    """Whether ``key`` names a person's daily digest."""
    return kind_of(key) == DIGEST


def digest_parts(key: str) -> tuple[int, date]:
    """The person and local day a digest key names."""
    parsed = ReminderKey.parse(key)
    return parsed.subject, date.fromisoformat(parsed.occurrence)


# the same keys, spelled by the database ------------------------------------------------


def key_sql(kind: str, subject: Any, *occurrence: Any) -> ColumnElement[str]:
    """SQL for the family key ``kind:subject:occurrence`` (occurrence from text and columns)."""
    return joined(f"{kind}{PART}", subject, PART, *occurrence)


def leveled(
    family_key: ColumnElement[str], level: str, when: ColumnElement[bool] | None = None
) -> ColumnElement[str]:
    """SQL for the key at an escalation ``level``: always, or only ``when`` it holds."""
    suffix = literal(f"{LEVEL}{level}")
    if when is None:
        return family_key + suffix
    return family_key + case((when, suffix), else_=literal(""))
