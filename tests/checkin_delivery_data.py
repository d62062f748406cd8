"""A small portfolio with something due, for tests outside the engine's own."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from sqlalchemy import Engine
from sqlmodel import Session

from tests import factories

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def one_due_check_in(engine: Engine, *, digest: time = time(9, 0)) -> datetime:
    """One person with one account not contacted for 200 days; returns when it is due."""
    with Session(engine) as s, time_machine.travel(WHEN - timedelta(days=200), tick=False):
        owner = factories.user(s, "owner@example.com", digest_time=digest)
        factories.account(s, "Dusty Ltd", owner_id=owner.id)
        s.commit()
    return WHEN
