"""The daily digest: one message per person per day at their local digest time.

A person's digest for a local day is due from their digest time (in their own
time zone, so it follows daylight saving) until ``digest_grace`` later. Only
the latest day is ever considered, so a bot that was down for three days sends
one digest when it comes back, not three; a day's digest is claimed under the
key ``digest:<user id>:<local date>`` (:func:`core.checkins.keys.digest_key`) and so
goes out once. Nothing is sent
when nothing is due; that day is still recorded, so a reminder that falls due
later in the day does not trigger a second, late digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from core.checkins.keys import digest_key
from core.clock import zone
from core.models import User


@dataclass(frozen=True)
class DigestSlot:
    """One person's digest for one local day."""

    user: User
    day: date
    scheduled: datetime

    @property
    def key(self) -> str:
        """The occurrence key the digest is claimed under."""
        return digest_key(self.user.id, self.day)


def scheduled_at(user: User, day: date) -> datetime:
    """The UTC moment of ``user``'s digest on their local ``day``.

    A digest time that does not exist that day (the hour skipped when clocks
    go forward) is read as the same wall time before the change, i.e. an hour
    later on the clock.
    """
    local = datetime.combine(day, user.digest_time, tzinfo=zone(user.timezone))
    return local.astimezone(UTC)


def latest_slot(user: User, now: datetime) -> tuple[date, datetime]:
    """The person's most recent digest day and time at or before ``now``."""
    today = now.astimezone(zone(user.timezone)).date()
    moment = scheduled_at(user, today)
    if moment > now:
        today -= timedelta(days=1)
        moment = scheduled_at(user, today)
    return today, moment


def due_digests(users: Iterable[User], now: datetime, grace: timedelta) -> list[DigestSlot]:
    """The digests that should go out at ``now`` (before checking what was sent)."""
    slots = []
    for user in users:
        if not user.active:
            continue
        day, moment = latest_slot(user, now)
        if now - moment <= grace:
            slots.append(DigestSlot(user=user, day=day, scheduled=moment))
    return slots
