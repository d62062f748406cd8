"""Rows per second of `kam import deals` on synthetic deal files (100k and 1M rows).

The CSV is generated here, in the shape CRM exports have (an opportunity id, an
account by name, an owner's e-mail, a stage, an amount with a currency sign and
thousands separators, ISO dates), against 1,000 accounts and 20 people. Each
run imports into a fresh database through the same code as the command line
(read, map, check every cell, write in chunks, one transaction) and the median
of several runs is printed, with the CPU time of kam's own process (the rest
of the wall time is the database's and the disk's, or other programs').

    /work/venv/bin/python bench/import_deals.py [--sizes 100000 1000000] [--runs 3]
        [--db-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.actors import Actor
from core.clock import utcnow
from core.db import normalise_url, open_database, session_scope
from core.transfer.csvfile import write_csv
from core.transfer.importer import import_file

ACCOUNTS, PEOPLE = 1_000, 20
STAGES = ("Closed Won", "Closed Lost", "Negotiation", "Prospecting")


def make_files(folder: Path, rows: int, seed: int = 7) -> tuple[Path, Path, Path]:
    """users.csv, accounts.csv and a deals file of ``rows`` rows."""
    rng = random.Random(seed)
    users = folder / "users.csv"
    write_csv(
        users, ["Name", "Email"], ([f"Agent {i}", f"agent{i}@example.com"] for i in range(PEOPLE))
    )
    accounts = folder / "accounts.csv"
    write_csv(
        accounts,
        ["Account Name", "Industry"],
        ([f"Company {i:04d}", "retail"] for i in range(ACCOUNTS)),
    )
    deals = folder / f"deals-{rows}.csv"
    start = date(2020, 1, 1)

    def deal(i: int) -> list[str]:
        engaged = start + timedelta(days=rng.randrange(1500))
        stage = STAGES[rng.randrange(4)]
        closed = engaged + timedelta(days=rng.randrange(1, 200)) if "Closed" in stage else None
        return [
            f"OPP-{i:08d}",
            f"Company {rng.randrange(ACCOUNTS):04d}",
            f"agent{rng.randrange(PEOPLE)}@example.com",
            "GTX Pro",
            stage,
            f"${rng.randrange(100, 2_000_000) / 100:,.2f}",
            engaged.isoformat(),
            closed.isoformat() if closed else "",
        ]

    header = ["Opportunity ID", "Account Name", "Opportunity Owner", "Product", "Stage",
              "Amount", "Created Date", "Close Date"]  # fmt: skip
    write_csv(deals, header, (deal(i) for i in range(rows)))
    return users, accounts, deals


def fresh_url(base: str | None, folder: Path, run: str) -> str:
    """An empty database for one run: a new SQLite file, or a new PostgreSQL database."""
    if base is None:
        return f"sqlite:///{folder}/bench-{run}.db"
    url = make_url(normalise_url(base))
    name = f"kam_bench_import_{run.replace('-', '_')}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def one_run(url: str, files: tuple[Path, Path, Path]) -> tuple[float, float]:
    users, accounts, deals = files
    engine = open_database(url, create=True)
    actor = Actor.system("bench")
    try:
        with session_scope(engine) as s:
            import_file("users", users, session=s, now=utcnow(), actor=actor)
            import_file("accounts", accounts, session=s, now=utcnow(), actor=actor)
        began, cpu = time.perf_counter(), time.process_time()
        with session_scope(engine) as s:
            report = import_file("deals", deals, session=s, now=utcnow(), actor=actor)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        assert report.created == int(deals.stem.split("-")[1])
        return elapsed, cpu
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db-url", default=None, help="PostgreSQL server (default: SQLite file)")
    args = parser.parse_args()
    backend = "postgresql" if args.db_url else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in args.sizes:
            files = make_files(folder, size)
            runs = [
                one_run(fresh_url(args.db_url, folder, f"{size}-{run}"), files)
                for run in range(args.runs)
            ]
            median = statistics.median(t for t, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(
                f"{backend}: {size:>9,} deals  median {median:6.1f} s  "
                f"{size / median:>9,.0f} rows/s  (kam's own CPU {cpu:.1f} s; "
                f"runs: {', '.join(f'{t:.1f}' for t, _ in runs)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
