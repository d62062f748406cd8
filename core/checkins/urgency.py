"""One urgency across kinds: which items are urgent, and the single order of every list.

A person reads their list top down, so the order is the rule that matters most:
a promise broken today must not sit below a week-old thank-you. Every list (``kam
due``, Slack, the TUI, the digest) is sorted here, and every item says why it
stands where it does (:attr:`DueItem.why`).

The order, most urgent first, in four bands:

1. **urgent** (:func:`is_urgent`): a promise due today or overdue, bad news at or
   past its must-tell-by day, a strategic or key account past its red line
   (a red check-in). These are what may interrupt someone.
2. **red**: anything else gone red: an order in trouble, another account past its
   red line, health that fell into red.
3. **soon**: what turns red if left (yellow): a check-in past its cadence, news
   whose day is near, a quarter's review about to be missed.
4. **routine**: the rest, thank-yous always among them (a thank-you is a courtesy
   that expires, never an emergency).

Within a band: the kind's priority (the catch-up formula for check-ins, lateness
for promises and notices), then the longest waiting, then the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from enum import IntEnum

from core.checkins.config import REVIEWED_TIERS
from core.checkins.items import DueItem
from core.checkins.kinds import check_in, commitment, notice, thank_you

DEADLINE_KINDS = frozenset({commitment.NAME, notice.NAME})
"""Kinds whose items carry their own day (``late_days``): a promise, bad news."""


class Band(IntEnum):
    """Where an item stands: the lower, the sooner it is read."""

    URGENT = 0
    RED = 1
    SOON = 2
    ROUTINE = 3


SAID = {
    Band.URGENT: "Urgent",
    Band.RED: "Red",
    Band.SOON: "Soon",
    Band.ROUTINE: "Routine",
}


def is_urgent(item: DueItem) -> bool:
    """Whether the item may interrupt someone: a promise due today or overdue, a notice
    at or past its must-tell-by day, a red check-in on a strategic or key account."""
    if item.kind in DEADLINE_KINDS:
        return item.late_days is not None and item.late_days >= 0
    if item.kind == check_in.NAME:
        return item.severity == "red" and item.tier in REVIEWED_TIERS
    return False


def band(item: DueItem) -> Band:
    """The item's band in the one order (see the module's docstring)."""
    if is_urgent(item):
        return Band.URGENT
    if item.kind == thank_you.NAME:
        return Band.ROUTINE
    if item.severity == "red":
        return Band.RED
    if item.severity == "yellow":
        return Band.SOON
    return Band.ROUTINE


def band_label(item: DueItem) -> str:
    """The band as a list shows it: Urgent, Red, Soon or Routine."""
    return SAID[band(item)]


def order_key(item: DueItem) -> tuple[int, float, datetime, str]:
    """The sort key of every list: band, then priority, then the longest waiting."""
    return (band(item), -item.priority, item.due_at, item.key)


def why(item: DueItem) -> str:
    """Why the item stands where it does: its band and the kind's reason ("Urgent:
    promise 3 days overdue")."""
    return f"{band_label(item)}: {item.reason or item.title}"


def explained(item: DueItem) -> DueItem:
    """The item with its ``why`` (:func:`why`)."""
    return replace(item, why=why(item))


def in_order(items: Iterable[DueItem]) -> list[DueItem]:
    """The items, each explained, most urgent first."""
    return sorted((explained(i) for i in items), key=order_key)
