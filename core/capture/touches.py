"""A touch read from a source, before kam knows whose it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.models import InteractionKind


@dataclass(frozen=True)
class Person:
    """An address in a message or an invitation, with the name shown beside it."""

    address: str
    name: str | None = None


@dataclass(frozen=True)
class Touch:
    """One message or one occurrence of a meeting, as its source tells it."""

    source: str
    """mail, calendar or slack: the interaction's source."""
    ref: str
    """The link back (Message-ID, UID and recurrence id): unique within the source."""
    kind: InteractionKind
    at: datetime
    title: str
    people: tuple[Person, ...]
    sender: Person | None = None
    """Who sent a message (mail only): ours makes it sent, anyone else's received."""
    cancelled: bool = False
    body: str | None = None
    """A message's text, read only when the team keeps bodies (``store_body``)."""

    @property
    def movable(self) -> bool:
        """A meeting moves when its event does; a message keeps the date it was sent."""
        return self.source == "calendar"
