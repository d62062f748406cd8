"""Time `kam demo --synthetic` into a fresh SQLite file, the way a user runs it.

    python bench/demo_synthetic.py [--accounts 100000] [--runs 3] [--seed 7]

Each run is a separate `python -m kam` process on a new database file, so the
figure includes start-up and creating the schema. Prints every run's wall and
CPU time, the median, the rows written and the size the database leaves on
disk (the main file plus its -wal).
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(accounts: int, seed: int, folder: Path) -> tuple[float, float, str, int]:
    """Load once; return (wall seconds, CPU seconds, what kam printed, bytes on disk)."""
    database = folder / "bench.db"
    command = [
        sys.executable, "-m", "kam", "demo", "--synthetic",
        "--accounts", str(accounts), "--seed", str(seed), "--db", f"sqlite:///{database}",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"kam demo failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    size = sum(p.stat().st_size for p in folder.glob("bench.db*") if not p.name.endswith("-shm"))
    return wall, cpu, done.stdout.strip(), size


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"kam demo --synthetic --accounts {args.accounts:,} --seed {args.seed}, {args.runs} runs")
    walls: list[float] = []
    cpus: list[float] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp:
            wall, cpu, said, size = one_run(args.accounts, args.seed, Path(tmp))
        walls.append(wall)
        cpus.append(cpu)
        print(f"  run {run}: {wall:6.1f} s wall, {cpu:6.1f} s CPU")
    print(f"median: {statistics.median(walls):.1f} s wall, {statistics.median(cpus):.1f} s CPU")
    rows = sum(int(n.replace(",", "")) for n in re.findall(r"([\d,]+) [a-z]", said))
    print(said)
    print(f"rows written: {rows:,} ({rows / statistics.median(walls):,.0f} rows/s at the median)")
    print(f"database size: {size / 1e6:,.0f} MB (file plus -wal)")


if __name__ == "__main__":
    main()
