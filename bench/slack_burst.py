"""Acks under a burst: N signed ``/kam show`` commands at the same moment to ``kam bot --http``.

The bot runs as people start it (its own process, waitress, the default
threads); each command's ack is timed from its own thread, all released
together. Prints how many were acked and the p50/p95/max ack, for each round.

    python bench/slack_burst.py --requests 100 --rounds 3
    python bench/slack_burst.py --db postgresql://postgres@127.0.0.1:5432/kam_burst
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from core.db import open_database  # noqa: E402
from tests import factories  # noqa: E402
from tests.slack_harness import FakeSlackAPI, burst, kam_bot_http  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="kam bot --threads (0: default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/kam.db"
        engine = open_database(url, create=True)
        with Session(engine) as s:
            factories.user(s, "anna@example.com", slack_user_id="UANNA")
            factories.account(s, "Acme")
            s.commit()
        engine.dispose()
        extra = ["--threads", str(args.threads)] if args.threads else []
        api = FakeSlackAPI()
        try:
            with kam_bot_http(url, api, Path(tmp), *extra) as bot:
                for round_ in range(1, args.rounds + 1):
                    acks = burst(bot.client, ["show acme"] * args.requests)
                    ok = sorted(a.seconds * 1000 for a in acks if a.status == 200)
                    cuts = statistics.quantiles(ok, n=20) if len(ok) > 1 else ok * 19
                    api.wait_for("response/", round_ * args.requests, timeout=120)
                    print(
                        f"round {round_}: {len(ok)}/{args.requests} acked, "
                        f"p50 {statistics.median(ok):.0f} ms, p95 {cuts[18]:.0f} ms, "
                        f"max {ok[-1]:.0f} ms; {len(api.of_prefix('response/'))} replies"
                    )
        finally:
            api.close()


if __name__ == "__main__":
    main()
