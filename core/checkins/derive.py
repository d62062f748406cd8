"""Every due occurrence at ``now``, read from the kinds (:mod:`core.checkins.kinds`).

Each kind is one or a few grouped queries over the whole portfolio (never one
query per account), so the due list of 100,000 accounts costs about what a
hand-written SQL query for it costs. Each query also spells out the
occurrence's key, so a sweep can have the database set the due rows against
the reminder table and fetch only the new ones (:mod:`core.checkins.triage`).
Nothing here writes; the reminder table only says which of these occurrences
were already delivered, snoozed, done or dismissed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from core.checkins.config import CheckinConfig
from core.checkins.kind import Context, Derived, Kind, Scope
from core.checkins.kinds import KINDS
from core.checkins.triage import Reading, Tally

READERS = 2
"""Connections a sweep reads the kinds on at once, where the database works in parallel."""

SWEEP_WORK_MEM = "64MB"
"""What PostgreSQL may hash in memory for a sweep's reading (its default is 4 MB).

The check-in reading hashes every account's current tier and the reminder keys twice;
at a million accounts, in 4 MB each hash spilled to disk in eight batches, and the
reading took 5.2 to 5.3 s against 4.2 s without the spill (EXPLAIN ANALYZE). Set for
the reading's own transaction only (``SET LOCAL``): nothing else on the connection
gets it, and two readers at once may take a few times this much."""


def derive(
    *,
    session: Session,
    now: datetime,
    config: CheckinConfig,
    scope: Scope,
    reading: Reading | None = None,
) -> list[Derived]:
    """Every due occurrence at ``now`` for the scope, before reminder state is applied.

    With a ``new_only`` reading (a sweep), only the occurrences nobody has claimed
    yet or whose snooze ended; the reading counts the others.
    """
    reading = reading or Reading(session, now)
    context = Context(now=now, config=config, scope=scope)
    found = [d for kind in KINDS for d in kind.read(context, reading)]
    return [d for d in found if scope.wants(d.item.user_id)]


def derive_new(
    engine: Engine, *, now: datetime, config: CheckinConfig
) -> tuple[list[Derived], Tally]:
    """A sweep's reading of the whole portfolio: the occurrences nobody has claimed
    yet or whose snooze ended, and the counts of the rest.

    The kinds are independent queries. PostgreSQL runs them at once, each on its
    own connection (the server works on them in parallel); SQLite reads them one
    after another, because reading threads in one process contend inside SQLite
    (two at once took 1.8 times as long as one after the other, bench/README.md).
    Each kind reads a consistent snapshot of its own, which is all a sweep needs:
    claims are by key, so an occurrence read twice is still claimed once.
    """
    context = Context(now=now, config=config, scope=Scope())

    postgres = engine.dialect.name == "postgresql"

    def read(kind: Kind) -> tuple[list[Derived], Tally]:
        with Session(engine) as session:
            if postgres:
                session.connection().exec_driver_sql(f"SET LOCAL work_mem = '{SWEEP_WORK_MEM}'")
            reading = Reading(session, now, new_only=True)
            return kind.read(context, reading), reading.tally

    if postgres:
        with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="kam-sweep") as pool:
            results = list(pool.map(read, KINDS))
    else:
        results = [read(kind) for kind in KINDS]
    tally = Tally()
    found: list[Derived] = []
    for derived, counted in results:
        found += derived
        tally.add(counted)
    return found, tally
