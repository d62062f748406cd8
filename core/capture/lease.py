"""One bot replica runs a capture source at a time, and a failing source waits longer.

A lease is a row per source: who holds it and until when. A replica takes it when it
is free or expired, runs the source, and gives it back. A run that failed (a server
down, refused credentials) keeps the source leased to no one for a backoff that
doubles with each failure in a row (5 minutes, 10, 20… up to 6 hours), so a broken
server is not hammered every few minutes; a run that succeeds resets it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.models import CaptureLease

HOLD = timedelta(minutes=30)
"""How long a run may hold a source before another replica may take it over."""
BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MOST = timedelta(hours=6)
RESTING = "backoff"
"""The holder of a source that waits after a failure."""


def backoff(failures: int) -> timedelta:
    """How long a source rests after ``failures`` failed runs in a row."""
    if failures <= 0:
        return timedelta(0)
    delay: timedelta = BACKOFF_FIRST * 2 ** min(failures - 1, 16)
    return min(delay, BACKOFF_MOST)


def take_lease(source: str, holder: str, *, session: Session, now: datetime) -> bool:
    """Take ``source`` for ``holder`` if no one else holds it and it is not resting."""
    lease = session.exec(
        select(CaptureLease).where(CaptureLease.source == source).with_for_update()
    ).first()
    if lease is None:
        try:
            with session.begin_nested():
                session.add(CaptureLease(source=source, holder=holder, expires_at=now + HOLD))
        except IntegrityError:
            return False  # another replica inserted it first
        return True
    if lease.expires_at > now and lease.holder != holder:
        return False
    lease.holder, lease.expires_at = holder, now + HOLD
    session.add(lease)
    session.flush()
    return True


def give_back(
    source: str, holder: str, *, failed: bool, session: Session, now: datetime
) -> timedelta:
    """Free ``source`` after a run; a failed run rests it (returns how long)."""
    lease = session.get(CaptureLease, source)
    if lease is None or lease.holder != holder:
        return timedelta(0)
    lease.failures = lease.failures + 1 if failed else 0
    rest = backoff(lease.failures)
    lease.holder, lease.expires_at = RESTING, now + rest
    session.add(lease)
    session.flush()
    return rest
