"""Sweep throughput through the Slack notifier under a 429 storm, beside a calm Slack.

One sweep delivers every due reminder of a fresh portfolio (each account owned by
one of ``--people`` people linked to Slack) through the real Slack notifier to the
failing Web API stand-in of the tests (``tests/slack_faults.py``), which answers
``--storm`` of the calls 429 with ``Retry-After: --retry-after``. The figure is
reminders delivered per second of the sweep; what a sweep leaves (a key rate-limited
three times) goes out in the next one, which is timed too. Medians of ``--runs``.

    python bench/delivery.py --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.checkins import LEASE, sweep  # noqa: E402
from core.db import open_database  # noqa: E402
from kambot.notifier import build_notifier  # noqa: E402
from tests.checkin_notifiers import EACH_ON_ITS_OWN  # noqa: E402
from tests.slack_faults import Faults, FaultySlackAPI  # noqa: E402
from tests.slack_harness import bot_settings  # noqa: E402
from tests.test_checkin_delivery import T0, portfolio  # noqa: E402


def one_run(args: argparse.Namespace, faults: Faults, seed: int) -> tuple[float, int, int]:
    """(reminders per second, delivered by the first sweep, sweeps until all were sent)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/kam.db"
        engine = open_database(url, create=True)
        portfolio(engine, args.reminders, users=args.people, on_slack=True)
        api = FaultySlackAPI(faults=faults, seed=seed)
        try:
            notifier = build_notifier(bot_settings(url, api.url))
            total, elapsed, first, sweeps = 0, 0.0, 0, 0
            while total < args.reminders and sweeps < 10:
                started = time.perf_counter()
                report = sweep(
                    engine, notifier, now=T0 + sweeps * (LEASE + timedelta(minutes=1)),
                    config=EACH_ON_ITS_OWN,
                )  # fmt: skip
                elapsed += time.perf_counter() - started
                total += len(report.delivered)
                first = first or len(report.delivered)
                sweeps += 1
            assert set(api.delivered().values()) == {1} and total == args.reminders
        finally:
            api.close()
            engine.dispose()
    return total / elapsed, first, sweeps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=200)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--storm", type=float, default=0.3, help="share of calls answered 429")
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name, faults in (
        ("calm Slack", Faults()),
        (
            f"429 on {args.storm:.0%} of calls, Retry-After {args.retry_after:g} s",
            Faults(rate_limited=args.storm, retry_after=args.retry_after),
        ),
    ):
        runs = [one_run(args, faults, seed) for seed in range(args.runs)]
        rate = statistics.median(r[0] for r in runs)
        first = statistics.median(r[1] for r in runs)
        sweeps = max(r[2] for r in runs)
        print(
            f"{name}: {rate:.1f} reminders/s (median of {args.runs}); "
            f"first sweep delivered {first:.0f} of {args.reminders}, all within {sweeps} sweeps"
        )


if __name__ == "__main__":
    main()
