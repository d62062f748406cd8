"""The daily digest: one message per person per working day, at the start of it.

A person's digest for a local working day is due from their digest time (in
their own time zone, so it follows daylight saving; a digest time outside their
working hours is moved to the start of them) until ``digest_grace`` later or the
end of their working day, whichever comes first: nothing is sent outside working
hours, and nothing on a day they do not work. Only the latest day is ever
considered, so a bot that was down for three days sends one digest when it
comes back, not three; a day's digest is claimed under the key
``digest:<user id>:<local date>`` (:func:`core.checkins.keys.digest_key`) and so
goes out once. Nothing is sent when nothing is due; that day is still
recorded, so a reminder that falls due later in the day does not trigger a
second, late digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.checkins.keys import digest_key
from core.hours import WorkingHours
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


def digest_clock(user: User) -> time:
    """The local time of ``user``'s digest: their digest time if they are working
    then, else the start of their working day."""
    hours = WorkingHours.of(user)
    inside = hours.start <= user.digest_time < hours.end
    return user.digest_time if inside else hours.start


def scheduled_at(user: User, day: date) -> datetime:
    """The UTC moment of ``user``'s digest on their local ``day``.

    A digest time that does not exist that day (the hour skipped when clocks
    go forward) is read as the same wall time before the change, i.e. an hour
    later on the clock.
    """
    return WorkingHours.of(user).at(day, digest_clock(user)).astimezone(UTC)


def latest_slot(user: User, now: datetime) -> tuple[date, datetime] | None:
    """The person's most recent working day whose digest time is at or before ``now``."""
    hours = WorkingHours.of(user)
    today = hours.local_day(now)
    for back in range(15):
        day = today - timedelta(days=back)
        if hours.works_on(day) and scheduled_at(user, day) <= now:
            return day, scheduled_at(user, day)
    return None


def due_digests(users: Iterable[User], now: datetime, grace: timedelta) -> list[DigestSlot]:
    """The digests that should go out at ``now`` (before checking what was sent):
    after the digest time, within ``grace`` of it and within that working day."""
    slots = []
    for user in users:
        if not user.active:
            continue
        latest = latest_slot(user, now)
        if latest is None:
            continue
        day, moment = latest
        if now - moment <= grace and now < WorkingHours.of(user).day_end(day):
            slots.append(DigestSlot(user=user, day=day, scheduled=moment))
    return slots
