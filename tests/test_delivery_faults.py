"""Delivery under every failure Slack really has: each due reminder arrives exactly once.

The sweeps post through the real Slack notifier and its Web API client to
``FaultySlackAPI`` (tests/slack_faults.py), which fails as Slack does and counts
what arrived by key at the receiving end.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import core.checkins.sweeper as sweeping
from core.checkins import LEASE, SweepReport, due_items
from core.checkins import sweep as core_sweep
from core.models import Reminder
from kambot.notifier import build_notifier
from tests.checkin_notifiers import EACH_ON_ITS_OWN
from tests.slack_faults import Faults, FaultySlackAPI
from tests.slack_harness import bot_settings
from tests.test_checkin_delivery import ROOT, T0, portfolio

ROUND = LEASE + timedelta(minutes=1)
"""Sweep rounds this far apart: whatever a round left undecided is free in the next."""


@pytest.fixture
def slack() -> Iterator[FaultySlackAPI]:
    api = FaultySlackAPI(seed=14)
    yield api
    api.close()


def sweep_once(db_url: str, engine: Engine, api: FaultySlackAPI, now: datetime) -> SweepReport:
    notifier = build_notifier(bot_settings(db_url, api.url))
    return core_sweep(engine, notifier, now=now, config=EACH_ON_ITS_OWN)


def at_once(sweepers: int, db_url: str, engine: Engine, api: FaultySlackAPI, now: datetime) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(sweepers)

    def run() -> None:
        try:
            start.wait()
            sweep_once(db_url, engine, api, now)
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(sweepers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def states(engine: Engine) -> dict[str, str]:
    with Session(engine) as s:
        return {r.key: r.state for r in s.exec(select(Reminder)).all()}


def due_keys(engine: Engine) -> set[str]:
    with Session(engine) as s:
        return {i.key for i in due_items(session=s, now=T0)}


def settle(
    db_url: str, engine: Engine, api: FaultySlackAPI, *, sweepers: int = 3, first: int = 0
) -> int:
    """Rounds of ``sweepers`` sweeps at once until every claim is sent; the rounds taken."""
    for n in range(first, first + 10):
        at_once(sweepers, db_url, engine, api, T0 + n * ROUND)
        if set(states(engine).values()) == {"sent"}:
            return n - first + 1
    raise AssertionError(f"still not all sent: {states(engine)}")


def assert_each_delivered_once(engine: Engine, api: FaultySlackAPI, expected: set[str]) -> None:
    arrived = api.delivered()
    assert set(arrived) == expected, (expected - set(arrived), set(arrived) - expected)
    assert {k: n for k, n in arrived.items() if n != 1} == {}
    assert set(states(engine).values()) == {"sent"}


@pytest.mark.parametrize(
    "faults",
    [
        Faults(error_after_post=0.3),
        Faults(dropped_after_post=0.3),
        Faults(rate_limited=0.3, retry_after=0.05, error_before=0.05),
    ],
    ids=["500-after-post", "dropped-after-post", "429-storm-and-500s"],
)
def test_three_sweepers_deliver_each_reminder_exactly_once_whatever_slack_answers(
    db_url: str, engine: Engine, slack: FaultySlackAPI, faults: Faults
) -> None:
    portfolio(engine, 18, users=3, on_slack=True)
    expected = due_keys(engine)
    assert len(expected) == 18
    slack.faults = faults
    settle(db_url, engine, slack)
    assert_each_delivered_once(engine, slack, expected)


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
def test_a_token_refused_mid_sweep_stops_it_spends_nothing_and_the_rest_goes_once_fixed(
    db_url: str, engine: Engine, slack: FaultySlackAPI, error: str
) -> None:
    portfolio(engine, 12, users=3, on_slack=True)
    expected = due_keys(engine)
    slack.faults = Faults(refuse_after=(4, error))
    report = sweep_once(db_url, engine, slack, T0)
    assert "SLACK_BOT_TOKEN" in (report.stopped or "") and error in (report.stopped or "")
    assert report.failed == [] and len(report.delivered) == 4 and report.waiting == 7
    with Session(engine) as s:
        rows = s.exec(select(Reminder)).all()
    assert sorted((r.state, r.attempts) for r in rows) == [("pending", 0)] * 8 + [("sent", 1)] * 4
    assert slack.of("chat.postMessage")[-1].response["error"] == error  # one try, then stopped
    slack.faults = Faults()  # the token fixed
    report = sweep_once(db_url, engine, slack, T0 + timedelta(minutes=5))
    assert report.stopped is None and len(report.delivered) == 8
    assert_each_delivered_once(engine, slack, expected)


def test_slack_unreachable_stops_the_sweep_at_once_and_says_so(
    db_url: str, engine: Engine, slack: FaultySlackAPI
) -> None:
    portfolio(engine, 12, users=3, on_slack=True)
    expected = due_keys(engine)
    gone = FaultySlackAPI()
    gone.close()  # nothing listens there any more: every connection is refused
    started = time.monotonic()
    report = sweep_once(db_url, engine, gone, T0)
    # At once: no retries with waits for each of the eleven (under a second on an idle
    # machine; the bound leaves room for a loaded one, not for a wait per reminder).
    assert time.monotonic() - started < 10
    assert "Slack unreachable" in (report.stopped or "") and report.failed == []
    assert set(states(engine).values()) == {"pending"} and report.waiting == 11
    settle(db_url, engine, slack, sweepers=1)  # Slack is back
    assert_each_delivered_once(engine, slack, expected)


KILLED = """
import sys
from datetime import datetime
from core.db import make_engine
from core.checkins import sweep
from kambot.notifier import build_notifier
from tests.checkin_notifiers import EACH_ON_ITS_OWN
from tests.slack_harness import bot_settings

url, api_url, now = sys.argv[1:]
notifier = build_notifier(bot_settings(url, api_url))
sweep(make_engine(url), notifier, now=datetime.fromisoformat(now), config=EACH_ON_ITS_OWN)
"""


@pytest.mark.parametrize("seed", [1, 2])
def test_a_sweeper_killed_at_a_random_moment_loses_and_doubles_nothing(
    db_url: str, engine: Engine, slack: FaultySlackAPI, seed: int
) -> None:
    if seed > 1 and not db_url.startswith("sqlite"):
        pytest.skip("more seeds on SQLite only: each kill costs a process start")
    portfolio(engine, 12, users=3, on_slack=True)
    expected = due_keys(engine)
    chance = random.Random(seed)
    slack.faults = Faults(slow=0.01, error_after_post=0.1)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, db_url, slack.url, T0.isoformat()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
    )
    try:
        slack.wait_for("chat.postMessage", chance.randint(1, 10), timeout=60)
        time.sleep(chance.uniform(0, 0.02))
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, process.stderr
    finally:
        process.kill()
        process.wait()
    slack.faults = Faults(error_after_post=0.1)
    settle(db_url, engine, slack, sweepers=2, first=1)
    assert_each_delivered_once(engine, slack, expected)


def test_two_sweepers_with_a_batch_held_past_the_lease_send_each_message_once(
    db_url: str, engine: Engine, slack: FaultySlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    lease = 1.5
    monkeypatch.setattr(sweeping, "LEASE", timedelta(seconds=lease))
    portfolio(engine, 30, users=3, on_slack=True)
    expected = due_keys(engine)
    slack.faults = Faults(slow=0.1)  # a slow Slack: the first sweep outlives its lease
    started = time.monotonic()
    first = threading.Thread(target=sweep_once, args=(db_url, engine, slack, T0))
    first.start()
    # The lease runs from the first sweep's claim: wait for its first post (a loaded
    # machine can take longer than the lease to get there), then past the lease.
    deadline = time.monotonic() + 30
    while not slack.delivered() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(lease + 0.5)
    assert first.is_alive() and len(slack.delivered()) < 25
    second = sweep_once(db_url, engine, slack, T0 + timedelta(seconds=time.monotonic() - started))
    first.join()
    assert second.taken_over + len(second.delivered) > 0  # it did take claims over
    assert_each_delivered_once(engine, slack, expected)
