"""One person's due list (what ``/kam due`` and ``kam due --user`` read), timed in a
running process, beside the same statements replayed through the bare driver.

    python bench/due_list.py --db URL [--db URL ...] [--runs 40]

For each database: the busiest account owner's ``due_items`` at one moment, each call
in a session of its own as the bot opens one per command, after three calls to warm
up; wall-time p50 and p95, and the median CPU time of this process (the client's
share, which other work on a shared machine disturbs less). Then the statements one
call sent, with the values it sent, replayed on a raw DBAPI connection (each replay
ending with a rollback, as a session does): the floor the server and driver set,
which no change in the engine's Python gets under. Run it against a scored portfolio
(``kam demo --synthetic``, then ``kam score`` once more so the health drops have two
scorings to compare).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, col, func, select

from core.checkins import due_items
from core.checkins.config import load_checkin_config
from core.clock import utcnow
from core.db import open_database
from core.models import Account


def busiest(engine: Engine) -> int:
    """The owner of the most accounts."""
    with Session(engine) as session:
        owner: int = session.exec(
            select(Account.owner_id)
            .where(col(Account.owner_id).is_not(None))
            .group_by(col(Account.owner_id))
            .order_by(func.count().desc(), col(Account.owner_id))
            .limit(1)
        ).one()
    return owner


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def recorded(engine: Engine, call: Any) -> list[tuple[str, Any]]:
    """The statements and values one call of ``call`` sent to the driver."""
    sent: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


def replay(engine: Engine, sent: list[tuple[str, Any]], runs: int) -> list[float]:
    """Wall ms of sending ``sent`` through the bare driver and reading every row."""
    raw = engine.raw_connection()
    times = []
    try:
        for _ in range(runs + 3):
            start = time.perf_counter()
            cursor = raw.cursor()
            for statement, params in sent:
                cursor.execute(statement, params)
                cursor.fetchall()
            cursor.close()
            raw.rollback()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        raw.close()
    return times[3:]


def measure(url: str, runs: int) -> None:
    engine = open_database(url)
    owner = busiest(engine)
    now = utcnow()
    config = load_checkin_config()

    def call() -> int:
        with Session(engine) as session:
            return len(due_items(session=session, now=now, user_id=owner, config=config))

    for _ in range(3):
        items = call()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    sent = recorded(engine, call)
    bare = replay(engine, sent, runs)
    p50, p95 = percentiles(times)
    r50, r95 = percentiles(bare)
    load = [f"{x:.2f}" for x in os.getloadavg()]
    print(
        f"{engine.dialect.name}: person {owner}, {items} items, {len(sent)} statements, "
        f"{runs} runs, load {' '.join(load)}\n"
        f"  due_items          p50 {p50:6.1f}  p95 {p95:6.1f} ms "
        f"(this process's CPU: median {statistics.median(cpu):.1f} ms)\n"
        f"  replayed (driver)  p50 {r50:6.1f}  p95 {r95:6.1f} ms"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    for url in args.db:
        measure(url, args.runs)


if __name__ == "__main__":
    main()
