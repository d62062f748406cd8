"""A million accounts on one machine: each step as a user runs it, with its wall time,
CPU time and peak memory.

    python bench/million.py --db sqlite:////tmp/kam-1m.db --build   # generate, then measure
    python bench/million.py --db sqlite:////tmp/kam-1m.db           # measure a scored database
    python bench/million.py --db URL --steps score tui sweep --runs 2

Every step is a process of its own, measured by the operating system (``wait4``):
wall seconds, CPU seconds (user plus system, this process only: on PostgreSQL the
server's work is not in it) and maximum resident memory. The steps:

- ``build``: ``kam demo --synthetic --accounts N --seed 7`` into the database (it must
  not hold a portfolio yet), which generates and scores once;
- ``score``: ``kam score``, a full rescore storing one snapshot per account, ``--runs``
  times (from the second run on the trend is read from the previous snapshots);
- ``tui``: the terminal UI headless (``bench/tui.py``): first rows, sortable, a sort
  and a filter keystroke (medians), and its peak memory;
- ``sweep``: the reminder sweep bench (``bench/checkins.py``), first and steady sweeps.

The machine's load average is printed beside each step: on a shared machine the wall
time moves with it, the CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KAM = [sys.executable, "-m", "kam"]
STEPS = ("build", "score", "tui", "sweep")


def run(command: list[str]) -> tuple[float, float, float, str]:
    """Run ``command``; return wall seconds, CPU seconds, peak RSS in MB and its output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    said = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        sys.exit(f"{' '.join(command[2:])} failed ({child.returncode}):\n{said[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, said


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def line(step: str, wall: float, cpu: float, rss: float, extra: str = "") -> None:
    print(
        f"{step:<22} {wall:>8.1f} s {cpu:>8.1f} s {rss:>8,.0f} MB   load {load()}  {extra}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the database (a scored portfolio)")
    parser.add_argument("--build", action="store_true", help="generate it first")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2, help="rescores (medians printed)")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=["score", "tui", "sweep"])
    args = parser.parse_args()
    steps = ["build", *args.steps] if args.build and "build" not in args.steps else args.steps
    print(f"{'step':<22} {'wall':>10} {'CPU':>10} {'peak RSS':>11}")
    if "build" in steps:
        wall, cpu, rss, said = run(
            [*KAM, "demo", "--synthetic", "--accounts", str(args.accounts),
             "--seed", str(args.seed), "--db", args.db]
        )  # fmt: skip
        line("kam demo --synthetic", wall, cpu, rss)
        print("  " + "\n  ".join(said.strip().splitlines()[-2:]))
    if "score" in steps:
        figures = []
        for k in range(args.runs):
            figures.append(run([*KAM, "score", "--db", args.db])[:3])
            line(f"kam score (run {k + 1})", *figures[-1])
        if len(figures) > 1:
            line(
                "kam score (median)", *(statistics.median(f[i] for f in figures) for i in range(3))
            )
    if "tui" in steps:
        wall, cpu, rss, said = run([sys.executable, "bench/tui.py", "--one", args.db])
        tui: dict[str, Any] = json.loads(said.strip().splitlines()[-1])
        line(
            "tui (one session)",
            wall,
            cpu,
            rss,
            f"first rows {tui['first_rows_ms']:,.0f} ms, sortable {tui['sortable_ms']:,.0f} ms, "
            f"sort {tui['sort_ms']:,.0f} ms (max {tui['sort_max_ms']:,.0f}), "
            f"filter {tui['filter_ms']:,.0f} ms (max {tui['filter_max_ms']:,.0f})",
        )
    if "sweep" in steps:
        wall, cpu, rss, said = run(
            [sys.executable, "bench/checkins.py", "--db", args.db, "--runs", "3"]
        )
        line("sweeps (bench/checkins)", wall, cpu, rss)
        print("  " + "\n  ".join(said.strip().splitlines()[-8:]))


if __name__ == "__main__":
    main()
