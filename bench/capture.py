"""Capture throughput from a real IMAP server, and the cost of matching an address.

    python bench/capture.py [--messages 10000] [--contacts 100000] [--runs 3] [--capture-runs 3]

Starts Dovecot (Debian's ``dovecot-imapd``) in a temporary folder, appends
``--messages`` small messages to one mailbox (half from contacts of 1,000 accounts,
a quarter from their colleagues, placed by domain, a quarter from strangers), and
times ``kam capture mail`` on a fresh SQLite database each run: read, match,
record, resolve check-ins. Then it stores ``--contacts`` contacts and times placing
10,000 addresses with the matcher a run builds (one read of every contact address,
then a dictionary look-up per address) beside the plain SQL look-up, one query per
address (timed on 500 addresses). Medians are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imapclient import IMAPClient
from sqlalchemy import insert
from sqlmodel import Session

from core.actors import Actor
from core.capture.config import CaptureConfig
from core.capture.matcher import load_matcher, place_by_query
from core.capture.run import capture_mail
from core.db import open_database
from core.models import Account, Contact, name_key
from tests.capture_servers import running_dovecot

ACCOUNTS = 1000


def address(n: int) -> str:
    return f"person{n}@customer{n % ACCOUNTS}.example"


def portfolio(url: str, contacts: int) -> None:
    """``ACCOUNTS`` accounts and ``contacts`` contacts spread over them, in bulk."""
    engine = open_database(url, create=True)
    with Session(engine) as s:
        s.execute(
            insert(Account),
            [
                {
                    "id": i + 1,
                    "name": f"Customer {i}",
                    "name_key": name_key(f"Customer {i}"),
                    "status": "active",
                    "checkin_cadence_days": None,
                }
                for i in range(ACCOUNTS)
            ],
        )
        s.execute(
            insert(Contact),
            [
                {
                    "account_id": n % ACCOUNTS + 1,
                    "name": f"Person {n}",
                    "email": address(n),
                    "decision_maker": False,
                }
                for n in range(contacts)
            ],
        )
        s.commit()
    engine.dispose()


def message(n: int, sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: kam@team.example\r\nSubject: Note {n}\r\n"
        f"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{n}@bench.example>\r\n\r\nHi.\r\n"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of the matching timings")
    parser.add_argument("--capture-runs", type=int, default=3, help="runs of the capture")
    args = parser.parse_args()
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="kam-capture-bench-"))
    with running_dovecot() as server:
        box = server.mailbox()
        client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=300)
        client.login(box.user, box.password)
        senders = [
            address(rng.randrange(2000))
            if k < 2
            else f"colleague{n}@customer{rng.randrange(ACCOUNTS)}.example"
            if k == 2
            else f"someone{n}@elsewhere{n % 50}.example"
            for n, k in ((n, rng.randrange(4)) for n in range(args.messages))
        ]
        started = time.perf_counter()
        for start in range(0, args.messages, 500):
            client.multiappend(
                "INBOX",
                [message(n, senders[n]) for n in range(start, min(start + 500, args.messages))],
            )
        client.logout()
        print(f"appended {args.messages:,} messages in {time.perf_counter() - started:.1f} s")
        config = CaptureConfig(folders=("INBOX",))
        timings = []
        for run in range(args.capture_runs):
            url = f"sqlite:///{folder}/capture-{run}.db"
            portfolio(url, 2000)
            engine = open_database(url)
            with Session(engine) as s:
                started = time.perf_counter()
                report = capture_mail(box, config, session=s, actor=Actor.system("bench"))
                s.commit()
                timings.append(time.perf_counter() - started)
            engine.dispose()
            print(f"run {run + 1}: {timings[-1]:.2f} s; {report.line()}")
        best = statistics.median(timings)
        print(
            f"capture: median {best:.2f} s for {args.messages:,} messages"
            f" = {args.messages / best:,.0f} messages/s"
        )

    url = f"sqlite:///{folder}/match.db"
    portfolio(url, args.contacts)
    engine = open_database(url)
    wanted = [address(rng.randrange(args.contacts * 2)) for _ in range(10_000)]
    with Session(engine) as s:
        built, looked, queried = [], [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            matcher = load_matcher(CaptureConfig(), session=s)
            built.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = sum(matcher.place(a) is not None for a in wanted)
            looked.append(time.perf_counter() - started)
            started = time.perf_counter()
            by_sql = sum(place_by_query(a, session=s) is not None for a in wanted[:500])
            queried.append(time.perf_counter() - started)
        hits = sum(
            matcher.place(a) is not None and matcher.contacts.get(a) is not None
            for a in wanted[:500]
        )
        assert by_sql == hits, (by_sql, hits)
    engine.dispose()
    per_sql = statistics.median(queried) / 500
    print(f"matching against {args.contacts:,} contacts ({found:,} of 10,000 addresses placed):")
    build_ms = statistics.median(built) * 1000
    per_look = statistics.median(looked) / 10_000 * 1e6
    print(f"  matcher: built in {build_ms:.0f} ms, then {per_look:.2f} µs an address")
    print(
        f"  plain SQL, one query an address: {per_sql * 1000:.2f} ms an address"
        f" ({per_sql * 10_000:.1f} s for 10,000)"
    )


if __name__ == "__main__":
    main()
