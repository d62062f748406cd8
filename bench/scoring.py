"""Rescore and snapshot a whole synthetic portfolio: the nightly job's work.

    python bench/scoring.py [--sizes 10000 100000] [--seed 7] [--runs 5] [--db URL]

For each size a synthetic portfolio (``kam demo --synthetic``) is generated into
a temporary SQLite file (or ``--db`` names an existing database, for one size).
Each run is one ``rescore`` (load, score, store one snapshot per account) and
its commit, at a moment a day after the previous run, so from the second run on
the health trend is read from the previous snapshots as it is at night. The
phases of the last run are printed too. Medians over the runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine

from core.db import open_database, session_scope
from core.demo.synthetic import load_synthetic
from core.scoring import load_config, rescore
from core.scoring.facts import load_facts
from core.scoring.scored import score_portfolio
from core.scoring.snapshots import store_snapshots

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def generate(url: str, accounts: int, seed: int) -> None:
    """A fresh synthetic portfolio in the database at ``url``."""
    engine = open_database(url, create=True)
    started = time.perf_counter()
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=accounts, seed=seed, now=NOW)
    engine.dispose()
    print(f"  generated {accounts:,} accounts in {time.perf_counter() - started:.0f} s")


def phases(engine: Engine, at: datetime) -> str:
    """Where one run's time goes (rolled back, so it leaves nothing behind)."""
    config = load_config()
    with session_scope(engine) as session:
        t0 = time.perf_counter()
        facts = load_facts(session=session, now=at, config=config)
        t1 = time.perf_counter()
        scored = score_portfolio(facts, config)
        t2 = time.perf_counter()
        store_snapshots(scored, session=session, at=at)
        t3 = time.perf_counter()
        session.rollback()
    return f"load {t1 - t0:.2f} s, score {t2 - t1:.2f} s, store {t3 - t2:.2f} s"


def accounts_in(url: str) -> int:
    engine = open_database(url)
    with engine.connect() as conn:
        count: int = conn.exec_driver_sql("SELECT COUNT(*) FROM accounts").scalar_one()
    engine.dispose()
    return count


def measure(url: str, runs: int) -> tuple[list[float], list[float], str]:
    """Time ``runs`` nightly rescores; return wall and CPU times and the last run's phases.

    CPU is this process's (on SQLite that includes the database's own work; on
    PostgreSQL the server's is not in it).
    """
    engine = open_database(url)
    times, cpu = [], []
    for run in range(runs):
        at = NOW + timedelta(days=run + 1)
        started, started_cpu = time.perf_counter(), time.process_time()
        with session_scope(engine) as session:
            scores = rescore(session=session, now=at)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        print(f"  run {run + 1}: {times[-1]:.2f} s, CPU {cpu[-1]:.2f} s ({len(scores):,} accounts)")
    detail = phases(engine, NOW + timedelta(days=runs + 1))
    engine.dispose()
    return times, cpu, detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="an existing database (one size only)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes if not args.db else [0]:
            url = args.db or f"sqlite:///{folder}/bench-{size}.db"
            print(f"{size:,} accounts" if size else url)
            if not args.db:
                generate(url, size, args.seed)
            times, cpu, detail = measure(url, args.runs)
            results.append((size or accounts_in(url), times, cpu, detail))
    print("\n accounts  rescore+snapshot (median)   min     max   CPU (median)   last run")
    for size, times, cpu, detail in results:
        print(
            f"{size:>9,}  {statistics.median(times):>10.2f} s"
            f"  {min(times):>12.2f} s {max(times):>6.2f} s {statistics.median(cpu):>10.2f} s"
            f"   {detail}"
        )


if __name__ == "__main__":
    main()
