"""How long a ``kam`` command takes as a whole process, start to exit: what a person
waits for at the prompt.

    python bench/startup.py --db URL [--runs 15] [--account NAME] [--user EMAIL]

Runs each command ``--runs`` times in a fresh interpreter and prints the medians of
wall time and of CPU time (user + system, which other work on a shared machine
disturbs less), beside ``python -c pass``, the interpreter's own start. The
commands: ``kam --help``, ``kam show`` with an exact name and with a misspelt one,
``kam accounts --limit 20`` and ``kam due --user`` for the person who owns the most
accounts. Where the time goes: ``python -X importtime -m kam show NAME --db URL``
(imports), ``python -m cProfile -s cumulative -m kam show NAME --db URL`` (the rest).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

KAM = [str(Path(sys.executable).with_name("kam"))]
"""The installed ``kam`` (``pip install -e .``), as a person starts it."""


BUSIEST = (
    "SELECT u.email FROM users u JOIN accounts a ON a.owner_id = u.id "
    "GROUP BY u.id, u.email ORDER BY count(*) DESC, u.id LIMIT 1"
)
"""Who owns the most accounts: the longest due list."""


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``command`` run ``runs`` times."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a loaded and scored database")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--account", help="an account's exact name (default: the first one's)")
    parser.add_argument("--user", help="whose due list (default: who owns the most accounts)")
    args = parser.parse_args()
    name, user = args.account, args.user
    if name is None or user is None:
        from sqlalchemy import create_engine, text

        with create_engine(args.db).connect() as conn:
            name = (
                name or conn.execute(text("SELECT name FROM accounts ORDER BY id LIMIT 1")).scalar()
            )
            user = user or conn.execute(text(BUSIEST)).scalar()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "kam --help": [*KAM, "--help"],
        "kam show (exact)": [*KAM, "show", str(name), "--db", args.db],
        "kam show (misspelt)": [*KAM, "show", f"{name}x", "--db", args.db],
        "kam accounts --limit 20": [*KAM, "accounts", "--limit", "20", "--db", args.db],
        "kam due --user (busiest)": [*KAM, "due", "--user", str(user), "--db", args.db],
    }
    load = os.getloadavg()[0]
    print(f"medians of {args.runs} runs, ms (load average {load:.1f} at the start)")
    print(f"kam show {name!r}; kam due --user {user}")
    print(f"{'':26}{'wall':>8}{'cpu':>8}")
    for label, command in commands.items():
        wall, cpu = timed(command, args.runs)
        print(f"{label:26}{wall:8.0f}{cpu:8.0f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
