"""Which new reminders go out now as a message of their own, which wait, which fold.

The rule people will not mute (README, "What reaches people, and when"):

- a **routine** item is never a message of its own: it is recorded ``folded``
  and reaches the person in their daily digest at the start of their working day;
- an **urgent** item (:func:`core.checkins.urgency.is_urgent`) is sent on its own,
  most urgent first, at most ``urgent_per_day`` a local day per person; past the
  cap it is folded too;
- nothing is sent outside the person's working hours, nor to someone the
  notifier cannot reach yet (a person not linked to Slack): such an urgent item
  is **held** until the start of their next working day (linking them, or
  changing their hours, releases it at once), stays on their due list, and is
  routed again when the hold ends.

Pure: the sweep reads the database and hands over what it found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.checkins.config import CheckinConfig
from core.checkins.kind import Derived
from core.checkins.urgency import is_urgent, order_key
from core.hours import WorkingHours
from core.models import User


@dataclass
class Routing:
    """Where each new or woken occurrence goes at this sweep."""

    send: list[Derived] = field(default_factory=list)
    """To send now, each on its own."""
    fold: list[Derived] = field(default_factory=list)
    """To record as folded into the digest; nothing is sent for them."""
    hold: list[tuple[Derived, datetime]] = field(default_factory=list)
    """Urgent items that wait, each until when it may be routed again."""
    unreachable: Counter[int] = field(default_factory=Counter)
    """New items per person the notifier cannot reach yet (urgent ones wait, routine
    ones wait in the digest they cannot be sent yet)."""
    off_hours: int = 0
    """Items waiting for their person's working hours."""


def route(
    found: Iterable[Derived],
    *,
    users: dict[int, User],
    now: datetime,
    config: CheckinConfig,
    reaches: Callable[[User], bool],
    sent_today: Callable[[set[int]], Counter[int]],
) -> Routing:
    """Route the occurrences a sweep found new (or whose snooze ended).

    ``sent_today`` counts, for the people given, the messages of their own already
    sent or under way since the start of their local day; it is asked only about
    people with something to send.
    """
    routing = Routing()
    alone: dict[int, list[Derived]] = {}
    for d in sorted(found, key=lambda d: order_key(d.item)):
        user = users.get(d.item.user_id) if d.item.user_id is not None else None
        if user is None or user.id is None:
            continue  # nobody to tell: the sweep counts it as unassigned
        reachable = reaches(user)
        if not reachable:
            routing.unreachable[user.id] += 1
        if config.fold_routine and not is_urgent(d.item):
            routing.fold.append(d)  # it reaches them in their digest, once they can get one
        elif not reachable:
            routing.hold.append((d, _release(user, now)))
        elif not WorkingHours.of(user).is_working(now):
            routing.off_hours += 1
            routing.hold.append((d, _release(user, now)))
        else:
            alone.setdefault(user.id, []).append(d)
    counted: Counter[int] = sent_today(set(alone)) if alone else Counter()
    for user_id, items in alone.items():
        room = max(config.urgent_per_day - counted[user_id], 0)
        routing.send += items[:room]
        routing.fold += items[room:]
    return routing


HOLD_WITHOUT_WORKDAYS = timedelta(days=1)


def _release(user: User, now: datetime) -> datetime:
    """When a held item of ``user`` is routed again: their next working start."""
    start = WorkingHours.of(user).next_start(now)
    return start if start is not None and start > now else now + HOLD_WITHOUT_WORKDAYS
