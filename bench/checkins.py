"""One full reminder sweep over a large portfolio, beside one hand-written SQL query
that finds the same due check-ins.

    python bench/checkins.py [--accounts 100000] [--seed 7] [--db URL] [--runs 7] [--at WHEN]

Without ``--db`` a synthetic portfolio (``kam demo --synthetic``) is generated
into a temporary SQLite file first. The first sweep handles everything that is
due (through a notifier that only counts, per person) with the delivery rules in
force: working hours, routine items folded into the digest, at most
``urgent_per_day`` urgent messages a person; it prints the most any one person
got (at most one digest plus the cap). The timed sweeps are the ones the bot runs
every few minutes: find what is due and not yet claimed (urgent items of people
outside their working hours stay unclaimed and are read again), route, claim and
send. Sweep and SQL runs alternate; medians are printed.

On PostgreSQL the script runs ``VACUUM ANALYZE`` first, and again after the first
sweep has written its tens of thousands of reminders, as autovacuum would on a
server after either (the benchmark machine's server runs without it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collections import Counter

from sqlalchemy import Engine, text
from sqlmodel import Session

from core.checkins import Delivery, DueItem, sweep
from core.checkins.config import load_checkin_config
from core.checkins.kind import Context, Scope
from core.checkins.kinds import check_in
from core.checkins.triage import Reading
from core.clock import utcnow
from core.db import open_database
from core.models import User

CADENCE = " ".join(
    f"WHEN '{tier}' THEN {days}" for tier, days in load_checkin_config().cadence_days.items()
)
# Each account's newest snapshot is looked up through the (account, at) index, as a
# good hand writer would, not found by grouping every snapshot of every nightly scoring.
SQL = """
WITH last AS (
    SELECT account_id, MAX(occurred_at) AS last FROM interactions GROUP BY account_id
), snap AS (
    SELECT a.id AS account_id, (
        SELECT s.tier FROM score_snapshots s WHERE s.account_id = a.id ORDER BY s.at DESC LIMIT 1
    ) AS tier
    FROM accounts a
)
SELECT a.id
FROM accounts a
LEFT JOIN last ON last.account_id = a.id
JOIN snap ON snap.account_id = a.id
WHERE a.status = 'active'
  AND {age} >= COALESCE(a.checkin_cadence_days,
        CASE COALESCE(a.tier_override, snap.tier, 'standard') {cadence} ELSE 90 END)
"""
AGE = {
    "sqlite": "julianday(:now) - julianday(COALESCE(last.last, a.created_at))",
    "postgresql": "EXTRACT(EPOCH FROM (CAST(:now AS timestamptz) "
    "- COALESCE(last.last, a.created_at))) / 86400",
}


class CountingNotifier:
    """Delivers nowhere; counts, per person."""

    def __init__(self) -> None:
        self.alone: Counter[int] = Counter()
        self.digest: Counter[int] = Counter()

    @property
    def items(self) -> int:
        return sum(self.alone.values())

    @property
    def digests(self) -> int:
        return sum(self.digest.values())

    def deliver(self, item: DueItem, user: User) -> Delivery:
        self.alone[user.id or 0] += 1
        return Delivery(channel="bench")

    def deliver_digest(self, user: User, items: list[DueItem], day: date) -> Delivery:
        self.digest[user.id or 0] += 1
        return Delivery(channel="bench")


def hand_written(engine: Engine, now: datetime) -> set[int]:
    """The due check-ins by one SQL query."""
    dialect = engine.dialect.name
    query = text(SQL.format(age=AGE[dialect], cadence=CADENCE))
    bound = now.replace(tzinfo=None).isoformat(" ") if dialect == "sqlite" else now
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(query, {"now": bound})}


def vacuum(engine: Engine) -> None:
    """What the database does on its own after many inserts: PostgreSQL's autovacuum
    (statistics, visibility); SQLite's checkpoint, which moves the write-ahead log into
    the file (left in the log, a gigabyte of new snapshots slows every read after)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    elif engine.dialect.name == "sqlite":
        engine.dispose()  # no pooled connection holds a read back
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def prepare(args: argparse.Namespace) -> Engine:
    if args.db:
        return open_database(args.db)
    from core.demo.synthetic import load_synthetic

    path = Path(tempfile.mkdtemp()) / "bench.db"
    engine = open_database(f"sqlite:///{path}", create=True)
    started = time.perf_counter()
    with Session(engine) as session:
        load_synthetic(session=session, accounts=args.accounts, seed=args.seed)
        session.commit()
    print(f"generated {args.accounts:,} accounts in {time.perf_counter() - started:.1f} s")
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="an already loaded database instead of a new one")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--at", help="ISO moment of the first sweep (default now)")
    args = parser.parse_args()
    engine = prepare(args)
    vacuum(engine)
    now = datetime.fromisoformat(args.at).astimezone(UTC) if args.at else utcnow()
    config = load_checkin_config()
    with engine.connect() as conn:
        accounts = conn.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one()

    notifier = CountingNotifier()
    started = time.perf_counter()
    first = sweep(engine, notifier, now=now, config=config)
    first_time = time.perf_counter() - started
    vacuum(engine)
    with Session(engine) as session:
        context = Context(now=now, config=load_checkin_config(), scope=Scope())
        derived = check_in.KIND.read(context, Reading(session, now))
    check_ins = {d.item.account_id for d in derived}
    expected = hand_written(engine, now)
    print(
        f"{engine.dialect.name}, {accounts:,} accounts, first sweep at {now:%a %Y-%m-%d %H:%M} "
        f"UTC: {first.due:,} due; sent {notifier.items:,} urgent reminders on their own and "
        f"{notifier.digests:,} digests, folded {first.folded:,} into digests, "
        f"{first.outside_hours:,} urgent wait for working hours; {first_time:.1f} s"
    )
    most_alone = max(notifier.alone.values(), default=0)
    most_digests = max(notifier.digest.values(), default=0)
    people = len(set(notifier.alone) | set(notifier.digest))
    verdict = "OK" if most_digests <= 1 and most_alone <= config.urgent_per_day else "OVER"
    print(
        f"per person ({people} reached): at most {most_digests} digest and {most_alone} "
        f"urgent messages (cap {config.urgent_per_day}): {verdict}"
    )
    if check_ins != expected:
        print(f"MISMATCH: sweep found {len(check_ins):,} due check-ins, SQL {len(expected):,}")
        sys.exit(1)
    print(f"due check-ins: {len(expected):,} (the sweep and the SQL agree)")

    sweeps: list[float] = []
    queries: list[float] = []
    new = 0
    for run in range(args.runs):
        later = now + timedelta(minutes=5 * (run + 1))
        started = time.perf_counter()
        report = sweep(engine, notifier, now=later, config=config)
        sweeps.append(time.perf_counter() - started)
        started = time.perf_counter()
        hand_written(engine, later)
        queries.append(time.perf_counter() - started)
        new += len(report.delivered)
    sweep_median, sql_median = statistics.median(sweeps), statistics.median(queries)
    print(f"full sweep:       median {sweep_median * 1000:8.1f} ms over {args.runs} runs")
    print(f"hand-written SQL: median {sql_median * 1000:8.1f} ms over {args.runs} runs")
    print(f"(the timed sweeps delivered {new} reminders that fell due meanwhile)")
    print(f"ratio sweep/SQL:  {sweep_median / sql_median:.2f}x (target < 2x, and < 1 s)")
    engine.dispose()


if __name__ == "__main__":
    main()
