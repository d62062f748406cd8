"""How fast the terminal UI answers at 10k and 100k accounts.

For each size it runs the real App headless (Textual's test driver) in a fresh
process on a synthetic portfolio and prints, as medians over the runs:
time to first rows, time until the whole portfolio is sortable, sort latency
(one key press to the re-sorted table, each column once), filter latency (one
keystroke to the filtered table) and the process's peak resident memory. The
latencies are taken when the table shows the answer; the JSON of ``--one`` also
has them as the test driver sees them (``*_driver_ms``): its key press returns
only once the app is idle, which a worker sorting ahead in the background delays.

    python bench/tui.py                       # 10k and 100k, 3 runs each
    python bench/tui.py --sizes 10000 --runs 5
    python bench/tui.py --db sqlite:///path.db   # an existing database
    python bench/tui.py --reads sqlite:///path.db  # the data reads alone, in-process

``--reads`` times :func:`core.views.load_columns` (what "sortable" waits for before
the table sorts) and each of its queries, read to the end, in this process.

Databases are generated once with ``kam demo --synthetic --accounts N --seed 7``
and kept in ``--cache`` (default: the system temp folder).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FILTER_TEXT = "corp"
KAM = [sys.executable, "-m", "kam"]


def database(size: int, cache: Path) -> str:
    """A synthetic portfolio of ``size`` accounts, generated once."""
    path = cache / f"kam-bench-tui-{size}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"generating {size:,} accounts into {path} …", file=sys.stderr)
        subprocess.run(
            [*KAM, "--db", url, "demo", "--synthetic", "--accounts", str(size), "--seed", "7"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        scored = subprocess.run(
            [*KAM, "--db", url, "score"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if scored.returncode != 0:
            print("(kam score failed: the portfolio is measured unscored)", file=sys.stderr)
    return url


async def measure(url: str) -> dict[str, Any]:
    """One run of the App: figures in milliseconds and megabytes."""
    sys.path.insert(0, str(ROOT))
    from core.db import open_database
    from tui.app import KamApp
    from tui.service import PortfolioService
    from tui.widgets.portfolio_table import PortfolioTable

    engine = open_database(url)
    app = KamApp(PortfolioService(engine))
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.accounts
        table = screen.query_one(PortfolioTable)
        while table.row_count == 0:
            await asyncio.sleep(0.002)
        first_rows = time.perf_counter() - started
        while screen.shown_query is None:
            await asyncio.sleep(0.005)
        sortable = time.perf_counter() - started

        async def until_shown() -> float:
            t0 = time.perf_counter()
            while screen.shown_query != screen.portfolio_query:
                await asyncio.sleep(0.001)
            return time.perf_counter() - t0

        async def press(key: str) -> tuple[float, float]:
            """Seconds from the key press to the table showing its answer, and until the
            test driver is done with the key (it also waits for the app to go idle,
            which a worker still sorting ahead in the background delays)."""
            before = screen.shown_query
            t0 = time.perf_counter()

            async def shown() -> float:
                while screen.shown_query is before or screen.shown_query != screen.portfolio_query:
                    await asyncio.sleep(0.001)
                return time.perf_counter() - t0

            watcher = asyncio.create_task(shown())
            await pilot.press(key)
            await until_shown()
            driver = time.perf_counter() - t0
            await pilot.pause()
            return await watcher, driver

        sorts, sorts_driver = [], []
        for _ in range(9):  # every other column, first time each
            answer, driver = await press("s")
            sorts.append(answer)
            sorts_driver.append(driver)
        await pilot.press("s")  # back to the name
        await until_shown()
        await pilot.press("slash")
        filters, filters_driver = [], []
        for key in [*FILTER_TEXT, *["backspace"] * len(FILTER_TEXT)]:
            answer, driver = await press(key)
            filters.append(answer)
            filters_driver.append(driver)
        accounts = len(screen.index or [])
    engine.dispose()
    return {
        "accounts": accounts,
        "first_rows_ms": first_rows * 1000,
        "sortable_ms": sortable * 1000,
        "sort_ms": statistics.median(sorts) * 1000,
        "sort_max_ms": max(sorts) * 1000,
        "filter_ms": statistics.median(filters) * 1000,
        "filter_max_ms": max(filters) * 1000,
        "sort_driver_ms": statistics.median(sorts_driver) * 1000,
        "sort_driver_max_ms": max(sorts_driver) * 1000,
        "filter_driver_ms": statistics.median(filters_driver) * 1000,
        "filter_driver_max_ms": max(filters_driver) * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def reads(url: str, runs: int) -> None:
    """Seconds to read the portfolio's columns, and each query's share, ``runs`` times."""
    sys.path.insert(0, str(ROOT))
    import core.views.portfolio_rows as rows
    from core.db import open_database, session_scope
    from core.scoring import load_config
    from core.scoring.facts import read_chunks

    engine = open_database(url)
    config = load_config()
    spent: dict[str, list[float]] = {}

    def timed(session: Any, query: Any) -> Any:
        started = time.perf_counter()
        yield from read_chunks(session, query)
        name = query.selected_columns[0].table.name
        spent.setdefault(name, []).append(time.perf_counter() - started)

    setattr(rows, "read_chunks", timed)  # noqa: B010  (timed in place)
    totals = []
    for _ in range(runs):
        with session_scope(engine) as session:
            started = time.perf_counter()
            columns = rows.load_columns(session=session, now=datetime.now(UTC), config=config)
            totals.append(time.perf_counter() - started)
    engine.dispose()
    print(f"{len(columns):,} accounts: columns read in {statistics.median(totals):.2f} s")
    for name, seconds in spent.items():
        print(f"  {name:<16} {statistics.median(seconds):.2f} s (read and placed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="measure this database instead of generating one")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--reads", metavar="URL", help="time the data reads alone")
    args = parser.parse_args()
    if args.reads:
        reads(args.reads, args.runs)
        return
    if args.one:
        print(json.dumps(asyncio.run(measure(args.one))))
        return
    targets = [(None, args.db)] if args.db else [(n, database(n, args.cache)) for n in args.sizes]
    print(
        f"{'accounts':>9} {'first rows':>11} {'sortable':>9} {'sort':>7} {'sort max':>9}"
        f" {'filter':>7} {'filt max':>9} {'peak RSS':>9}"
    )
    for _, url in targets:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--one", url],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"{med['accounts']:>9,.0f} {med['first_rows_ms']:>9.0f}ms {med['sortable_ms']:>7.0f}ms"
            f" {med['sort_ms']:>5.0f}ms {med['sort_max_ms']:>7.0f}ms {med['filter_ms']:>5.0f}ms"
            f" {med['filter_max_ms']:>7.0f}ms {med['peak_rss_mb']:>7.0f}MB"
        )


if __name__ == "__main__":
    main()
