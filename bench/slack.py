"""Latency of ``/kam due`` and ``/kam show`` through the Slack app, beside the core and plain SQL.

Each Slack figure is the full round trip a person waits for: a signed
``POST /slack/events`` to the real app (bolt's WSGI adapter on a threaded
server), the ack, the core call in its own session, Block Kit rendering and the
reply's POST to the response_url (a local stand-in for Slack records it). The
same data is then read by calling the core directly, and by hand-written SQL,
interleaved request by request so machine noise hits all three alike.

    python bench/slack.py --db sqlite:////tmp/kam-100k.db --accounts 100000

An empty database is filled first with ``kam demo --synthetic``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, text  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from core import views  # noqa: E402
from core.actors import Actor  # noqa: E402
from core.checkins import due_items  # noqa: E402
from core.clock import utcnow  # noqa: E402
from core.db import open_database, session_scope  # noqa: E402
from core.models import Account, Role, User  # noqa: E402
from core.services.accounts import find_account  # noqa: E402
from tests.slack_harness import FakeSlackAPI, SlackBot  # noqa: E402

SHOW_SQL = text(
    """
    SELECT a.id, a.name, a.sector, a.country, u.email,
      (SELECT coalesce(sum(d.amount), 0) FROM deals d
        WHERE d.account_id = a.id AND d.stage = 'won' AND d.closed_on > :since) AS revenue_12m,
      (SELECT count(*) FROM deals d WHERE d.account_id = a.id AND d.stage = 'open') AS open_deals
    FROM accounts a LEFT JOIN users u ON u.id = a.owner_id
    WHERE a.name_key = :key
    """
)
SHOW_DETAIL_SQL = [
    text("SELECT * FROM contacts WHERE account_id = :id"),
    text("SELECT * FROM interactions WHERE account_id = :id ORDER BY occurred_at DESC LIMIT 10"),
    text("SELECT * FROM commitments WHERE account_id = :id AND done_at IS NULL"),
    text("SELECT * FROM notices WHERE account_id = :id AND communicated_at IS NULL"),
    text("SELECT * FROM score_snapshots WHERE account_id = :id ORDER BY at DESC LIMIT 1"),
]
DUE_SQL = text(
    """
    SELECT a.id, a.name, max(i.occurred_at) AS last_contact
    FROM accounts a LEFT JOIN interactions i ON i.account_id = a.id
    WHERE a.owner_id = :user
    GROUP BY a.id, a.name
    ORDER BY last_contact
    """
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def prepare(url: str, accounts: int, seed: int) -> None:
    engine = open_database(url, create=True)
    with Session(engine) as s:
        have = s.exec(select(func.count()).select_from(Account)).one()
    engine.dispose()
    if have >= accounts:
        return
    print(f"generating {accounts:,} synthetic accounts (seed {seed})…", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kam",
            "--db",
            url,
            "demo",
            "--synthetic",
            "--accounts",
            str(accounts),
            "--seed",
            str(seed),
            "--reset",
        ],
        cwd=ROOT,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite:////tmp/kambot-bench-100k.db")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    prepare(args.db, args.accounts, args.seed)
    engine = open_database(args.db)
    rng = random.Random(args.seed)
    with session_scope(engine) as s:
        count = s.exec(select(func.count()).select_from(Account)).one()
        ams = s.exec(
            select(User).where(User.role == Role.AM, User.active).order_by(col(User.id))
        ).all()
        user = rng.choice(list(ams))
        if user.slack_user_id is None:
            for holder in s.exec(select(User).where(User.slack_user_id == "UBENCH0001")):
                holder.slack_user_id = None  # an earlier run's pick (on another database order)
                s.add(holder)
            s.flush()
            user.slack_user_id = "UBENCH0001"
            s.add(user)
        slack_id = user.slack_user_id
        names = list(s.exec(select(Account.name).order_by(Account.id)).all())
    sample = rng.sample(names, min(args.requests, len(names)))
    owned = 0
    with Session(engine) as s:
        owned = s.exec(
            select(func.count()).select_from(Account).where(Account.owner_id == user.id)
        ).one()
    api = FakeSlackAPI()
    bot = SlackBot(engine, api)
    actor = Actor.of(user, "bench")
    since = (utcnow().date()).replace(year=utcnow().year - 1)
    results: dict[str, list[float]] = {
        k: []
        for k in ("due: Slack", "due: core", "due: SQL", "show: Slack", "show: core", "show: SQL")
    }
    due_sizes = []

    def core_due() -> None:
        with Session(engine) as s:
            due_sizes.append(len(due_items(session=s, now=utcnow(), user_id=user.id)))

    def sql_due() -> None:
        with engine.connect() as c:
            c.execute(DUE_SQL, {"user": user.id}).all()

    def core_show(name: str) -> None:
        with Session(engine) as s:
            views.account_card(find_account(name, session=s), session=s)

    def sql_show(name: str) -> None:
        from core.models import name_key

        with engine.connect() as c:
            row = c.execute(SHOW_SQL, {"key": name_key(name), "since": since}).first()
            assert row is not None
            for query in SHOW_DETAIL_SQL:
                c.execute(query, {"id": row[0]}).all()

    del actor
    for name in sample[:10]:  # warm caches, imports and connections
        bot.command(f'show "{name}"', user=slack_id)
        bot.command("due", user=slack_id)
    for name in sample:
        results["due: Slack"].append(timed(lambda: bot.command("due", user=slack_id)))
        results["due: core"].append(timed(core_due))
        results["due: SQL"].append(timed(sql_due))
        results["show: Slack"].append(
            timed(lambda n=name: bot.command(f'show "{n}"', user=slack_id))
        )
        results["show: core"].append(timed(lambda n=name: core_show(n)))
        results["show: SQL"].append(timed(lambda n=name: sql_show(n)))
    bot.close()
    api.close()
    backend = engine.url.get_backend_name()
    print(
        f"\n{count:,} accounts on {backend}; the user owns {owned:,} accounts and has "
        f"{statistics.median(due_sizes):.0f} items due; {len(sample)} requests each\n"
    )
    print(f"{'':14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, values in results.items():
        print(
            f"{label:14} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
            f"{max(values):8.1f}"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
