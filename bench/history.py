"""The answers people wait for, on a portfolio scored once and after a month of nightly
scorings, side by side: nothing should slow as history grows.

    python bench/history.py --db URL [--nights 30] [--runs 7]

The database must be loaded and scored (``kam demo --synthetic`` scores it). The
script times, on the history the database has: a steady reminder sweep and the
hand-written SQL for the due check-ins (``bench/checkins.py``; it reads each
account's newest snapshot through the (account, at) index), each reminder kind's
part of the sweep (its reading, sorted against the reminder table as a sweep sorts
it), one person's due list (what ``/kam due`` and ``kam due --user`` read; the
busiest person), one person's key accounts (the App Home) and
``kam accounts --limit 20``. Then it gives
every account ``--nights`` nightly snapshots in all (copies of its newest one, a day
apart, older than it: what the bot's nightly ``kam score`` leaves behind; scoring
that often for real would take hours) and times the same again. On SQLite, CPU-time
medians (``time.process_time``, which includes SQLite's work and which the other work
on a shared machine disturbs less than wall time); on PostgreSQL, whose server's work
a client's CPU time leaves out, wall-time medians. The due list also as wall-time
p50/p95. On PostgreSQL the statistics
are gathered (``VACUUM ANALYZE``) after the history is added and after each first
sweep, as autovacuum would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from checkins import CountingNotifier, hand_written, vacuum  # type: ignore[import-not-found]
from sqlalchemy import Engine, insert, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from core.checkins import due_items, sweep
from core.checkins.config import CheckinConfig, load_checkin_config
from core.checkins.kind import Context, Scope
from core.checkins.kinds import KINDS
from core.checkins.triage import Reading
from core.clock import utcnow
from core.db import open_database
from core.models import Account, ScoreSnapshot, User
from core.tier_runs import count_runs, keep_current
from core.types import UTCDateTime
from core.views import account_page
from core.views.home import key_accounts

CLOCK: Callable[[], float] = time.process_time
"""What the medians are timed by: CPU time where the database works in the process
(SQLite), wall time where a server does (PostgreSQL), set by :func:`main`."""


def cpu_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = CLOCK()
        fn()
        times.append(CLOCK() - started)
    return statistics.median(times) * 1000


def wall_ms(fn: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def nights(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(ScoreSnapshot.at).distinct()).all())


def busiest(engine: Engine) -> tuple[User, User]:
    """The person with most accounts, and one with strategic or key accounts."""
    with Session(engine) as session:
        owner_id = session.exec(
            select(Account.owner_id).group_by(Account.owner_id).order_by(func.count().desc())
        ).first()
        keyed = session.exec(
            select(Account.owner_id)
            .join(ScoreSnapshot, ScoreSnapshot.account_id == Account.id)
            .where(ScoreSnapshot.tier == "strategic")
        ).first()
        return session.get_one(User, owner_id), session.get_one(User, keyed)


def measure(engine: Engine, runs: int) -> dict[str, float]:
    config = load_checkin_config()
    now = utcnow()
    person, keyed = busiest(engine)
    sweep(engine, CountingNotifier(), now=now, config=config)  # whatever fell due meanwhile
    vacuum(engine)
    figures: dict[str, float] = {}
    later = iter(range(1, 10_000))
    figures["steady sweep"] = cpu_ms(
        lambda: sweep(
            engine,
            CountingNotifier(),
            now=now + timedelta(minutes=5 * next(later)),
            config=config,
        ),
        runs,
    )
    figures["hand-written SQL"] = cpu_ms(lambda: hand_written(engine, now), runs)
    figures.update(per_kind(engine, now, config, runs))
    with Session(engine) as session:
        wall = wall_ms(
            lambda: due_items(session=session, now=now, user_id=person.id, config=config),
            max(runs * 3, 20),
        )
        figures["due list p50 (wall)"] = wall[len(wall) // 2]
        figures["due list p95 (wall)"] = wall[int(len(wall) * 0.95) - 1]
        figures["due list"] = cpu_ms(
            lambda: due_items(session=session, now=now, user_id=person.id, config=config), runs
        )
        figures["key accounts"] = cpu_ms(lambda: key_accounts(keyed, session=session), runs)
        figures["accounts --limit 20"] = cpu_ms(
            lambda: account_page(session=session, limit=20, now=now), runs
        )
    return figures


def per_kind(engine: Engine, now: datetime, config: CheckinConfig, runs: int) -> dict[str, float]:
    """Each kind's part of a steady sweep: its reading of the whole portfolio, set
    against the reminder table (what ``derive_new`` runs per kind)."""
    context = Context(now=now, config=config, scope=Scope())
    figures = {}
    for kind in KINDS:

        def read(kind: Any = kind) -> None:
            with Session(engine) as session:
                kind.read(context, Reading(session, now, new_only=True))

        figures[f"  {kind.name}"] = cpu_ms(read, runs)
    return figures


def add_history(engine: Engine, total: int) -> None:
    """Copies of each account's newest snapshot, one a night before it, up to ``total``."""
    with Session(engine) as session:
        newest = session.exec(select(func.max(ScoreSnapshot.at))).one()
        have = nights(engine)
    assert newest is not None, "score the portfolio first (kam score)"
    if have >= total:
        return
    copied = [
        ScoreSnapshot.account_id,
        ScoreSnapshot.attractiveness,
        ScoreSnapshot.relationship,
        ScoreSnapshot.health,
        ScoreSnapshot.tier,
        ScoreSnapshot.quadrant,
        ScoreSnapshot.breakdown,
    ]
    table = ScoreSnapshot.__table__  # type: ignore[attr-defined]
    names = ["at"] + [c.key for c in copied]
    with engine.begin() as conn:
        for night in range(1, total - have + 1):
            at = literal(newest - timedelta(days=night), UTCDateTime)
            rows = sa_select(at, *copied).where(ScoreSnapshot.at == literal(newest, UTCDateTime))
            conn.execute(insert(table).from_select(names, rows))
        count_runs(conn)  # the copies extend each run back, as nightly scorings would have
        keep_current(conn, sa_select(col(Account.id)))  # and the newest snapshots' runs with them
    vacuum(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a loaded and scored database")
    parser.add_argument("--nights", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    engine = open_database(args.db)
    global CLOCK
    CLOCK = time.process_time if engine.dialect.name == "sqlite" else time.perf_counter
    with Session(engine) as session:
        accounts = session.exec(select(func.count()).select_from(Account)).one()
    started_load = os.getloadavg()[0]
    before_nights = nights(engine)
    before = measure(engine, args.runs)
    add_history(engine, args.nights)
    after_nights = nights(engine)
    after = measure(engine, args.runs)
    print(
        f"{engine.dialect.name}, {accounts:,} accounts; medians of {args.runs} runs, ms "
        f"({'CPU' if CLOCK is time.process_time else 'wall'} time); "
        f"load average {started_load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print(f"{'':24}{before_nights:>6} runs{after_nights:>6} runs   change")
    for name, first in before.items():
        second = after[name]
        print(f"{name:24}{first:11.1f}{second:11.1f}   {second / first - 1:+7.0%}")
    print(
        "sweep / SQL:"
        f"{before['steady sweep'] / before['hand-written SQL']:22.2f}x"
        f"{after['steady sweep'] / after['hand-written SQL']:10.2f}x"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
