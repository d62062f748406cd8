"""The delivery port: how a reminder reaches a person.

The Slack bot implements :class:`Notifier` (a DM with buttons); the console
notifier serves ``kam remind`` when Slack is not configured. A notifier that
can also tell whether it already delivered a key (:class:`DeliveryLookup`; the
Slack notifier finds its own message by the key in the message metadata)
lets a sweep finish a delivery that a crash interrupted in mid-send instead of
leaving it marked failed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TextIO, runtime_checkable

from core.checkins.items import DueItem
from core.errors import KamError
from core.models import User


@dataclass(frozen=True)
class Delivery:
    """Where a delivered message went (the Slack channel and message ts, if any)."""

    channel: str | None = None
    ts: str | None = None


class TransientDeliveryError(Exception):
    """Delivery failed for now (rate limit, network); retry after ``retry_after`` seconds.

    Raising it promises that nothing was delivered, so a retry cannot double-send.
    """

    def __init__(
        self,
        message: str = "temporary delivery failure",
        retry_after: float | None = None,
        *,
        everyone: bool = False,
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.everyone = everyone
        """The failure is not this person's (the service cannot be reached at all)."""


class UncertainDeliveryError(Exception):
    """The message may or may not have arrived: the request went out and the answer was
    ambiguous (a 5xx, a timeout, a dropped connection).

    The sweep never sends such a message again blind: the row stays ``sending`` and the
    next attempt first looks the key up (:class:`DeliveryLookup`).
    """


class NotifierUnusable(KamError):
    """Nothing can reach anyone until an operator fixes something (a revoked token).

    The sweep stops at once, spends no attempt on any reminder, and reports the
    message, which says what to fix.
    """


class Notifier(Protocol):
    """Sends one reminder, or one person's daily digest."""

    def deliver(self, item: DueItem, user: User) -> Delivery:
        """Send ``item`` to ``user``; raise TransientDeliveryError to be retried."""
        ...

    def deliver_digest(self, user: User, items: list[DueItem], day: date) -> Delivery:
        """Send ``user`` everything due on ``day`` (their local day) in one message."""
        ...


@runtime_checkable
class DeliveryLookup(Protocol):
    """A notifier that can say whether a key was already delivered."""

    def find_delivery(self, key: str, user: User) -> Delivery | None:
        """The delivery of ``key`` to ``user`` if it happened, else None."""
        ...


@runtime_checkable
class Reach(Protocol):
    """A notifier that can reach only some people (Slack: those linked to a Slack user).

    A sweep keeps what is due for someone it cannot reach waiting, unclaimed, and
    delivers it once they can be reached; a notifier without this method reaches
    everyone.
    """

    def reaches(self, user: User) -> bool:
        """Whether a message to ``user`` can be delivered now."""
        ...

    def how_to_reach(self, user: User) -> str:
        """One sentence: what makes ``user`` reachable (the command that links them)."""
        ...


class ConsoleNotifier:
    """Prints reminders and digests as plain text (``kam remind`` without Slack)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def deliver(self, item: DueItem, user: User) -> Delivery:
        """Print one reminder with its notes and draft."""
        self.stream.write(render_item(item, to=f"{user.name} <{user.email}>") + "\n")
        self.stream.flush()
        return Delivery(channel="console")

    def deliver_digest(self, user: User, items: list[DueItem], day: date) -> Delivery:
        """Print one person's digest."""
        lines = [f"== Digest for {user.name} <{user.email}>, {day:%A %d %B %Y}: {len(items)} due"]
        lines += [f"  {i}. [{it.severity}] {it.title}" for i, it in enumerate(items, 1)]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        return Delivery(channel="console")


def render_item(item: DueItem, *, to: str | None = None) -> str:
    """One reminder as plain text: title, why, the personal notes and any draft."""
    head = f"[{item.severity}] {item.title}" + (f"  -> {to}" if to else "")
    lines = [head, f"  {item.detail}"]
    lines += [f"  Know them: {note}" for note in item.personal_notes]
    if item.draft:
        lines.append("  Draft:")
        lines += [f"    {line}" for line in item.draft.splitlines()]
    lines.append(f"  key: {item.key}")
    return "\n".join(lines)
