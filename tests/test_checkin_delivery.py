"""Delivery exactly once: claims, retries, snoozes, digests, concurrent sweepers, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from core import bulk
from core.checkins import (
    LEASE,
    Delivery,
    DueItem,
    SweepReport,
    UncertainDeliveryError,
    due_items,
)
from core.checkins import sweep as core_sweep
from core.checkins.digest import due_digests
from core.checkins.sweeper import MAX_ATTEMPTS
from core.models import Account, CommitmentCreate, InteractionCreate, Reminder, User
from core.services.commitments import add_commitment
from core.services.interactions import log_interaction
from core.services.reminders import snooze
from tests import factories
from tests.checkin_notifiers import (
    ANY_HOUR,
    EACH_ON_ITS_OWN,
    BlindFileRecorder,
    FileRecorder,
    Recorder,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def sweep(engine: Engine, notifier: Any, **options: Any) -> SweepReport:
    """A sweep that sends every item on its own: these tests are about the machinery
    (claims, retries, crashes); what goes alone and when is tests/test_working_hours.py."""
    return core_sweep(engine, notifier, config=EACH_ON_ITS_OWN, **options)


def portfolio(
    engine: Engine,
    accounts: int,
    *,
    users: int = 4,
    digest: time = time(20, 0),
    on_slack: bool = False,
) -> None:
    """``accounts`` accounts, none contacted for 200 days: each has a check-in due at T0
    (their owners linked to Slack users ``UAM0``… when ``on_slack``)."""
    with Session(engine) as s, time_machine.travel(T0, tick=False):
        owners = [
            factories.user(
                s,
                f"am{n}@example.com",
                digest_time=digest,
                slack_user_id=f"UAM{n}" if on_slack else None,
                **ANY_HOUR,
            ).id
            for n in range(users)
        ]
        old = T0 - timedelta(days=200)
        bulk.insert_rows(
            Account,
            (
                {
                    "name": f"Customer {n}",
                    "name_key": f"customer {n}",
                    "owner_id": owners[n % users],
                    "status": "active",
                    "created_at": old,
                    "updated_at": old,
                }
                for n in range(accounts)
            ),
            session=s,
        )
        s.commit()


def rows(engine: Engine) -> dict[str, Reminder]:
    with Session(engine) as s:
        return {r.key: r for r in s.exec(select(Reminder)).all()}


def test_a_sweep_delivers_each_due_reminder_once_and_records_it(engine: Engine) -> None:
    portfolio(engine, 3, users=1)
    first = Recorder()
    report = sweep(engine, first, now=T0)
    assert sorted(report.delivered) == sorted(k for k, _ in first.items)
    assert len(first.items) == 3 and report.due == 3
    again = Recorder()
    later = sweep(engine, again, now=T0 + timedelta(minutes=5))
    assert again.items == [] and later.already_delivered == 3
    stored = rows(engine)
    assert {r.state for k, r in stored.items() if k.startswith("check_in")} == {"sent"}
    sample = stored[first.items[0][0]]
    assert sample.slack_channel == "D1" and sample.slack_ts and sample.attempts == 1
    assert sample.payload["title"].startswith("Check in with")


def test_dry_run_sends_nothing_and_writes_nothing(engine: Engine) -> None:
    portfolio(engine, 2, users=1)
    recorder = Recorder()
    report = sweep(engine, recorder, now=T0, dry_run=True)
    assert len(report.would_deliver) == 2 and report.delivered == []
    assert recorder.items == [] and rows(engine) == {}


def test_a_rate_limited_delivery_is_retried_after_retry_after(engine: Engine) -> None:
    portfolio(engine, 1, users=1)
    recorder = Recorder(transient_failures=2, retry_after=1.5)  # longer than the first backoff
    report = sweep(engine, recorder, now=T0)
    assert len(recorder.items) == 1 and report.retried == 2
    first, second, third = recorder.called_at
    assert second - first >= 1.5 and third - second >= 1.5  # each retry waited out Retry-After
    [row] = [r for k, r in rows(engine).items() if k.startswith("check_in")]
    assert (row.state, row.attempts) == ("sent", 1)  # a refused send spends no attempt


def test_a_send_refused_all_sweep_long_waits_pending_for_the_next_sweep_never_failed(
    engine: Engine,
) -> None:
    portfolio(engine, 1, users=1)
    recorder = Recorder(transient_failures=3, retry_after=0)
    report = sweep(engine, recorder, now=T0)
    [key] = [k for k in rows(engine) if k.startswith("check_in")]
    assert recorder.calls == 3 and report.retried == 3 and report.failed == []
    row = rows(engine)[key]
    assert (row.state, row.attempts) == ("pending", 0)
    assert "ratelimited" in (row.last_error or "")
    sweep(engine, recorder, now=T0 + timedelta(minutes=1))  # released: taken at once
    assert recorder.counts()[key] == 1 and rows(engine)[key].state == "sent"


class Unanswered(Recorder):
    """Every send goes out without an answer, and never shows up in a look-up."""

    def deliver(self, item: DueItem, user: User) -> Delivery:
        with self.lock:
            self.calls += 1
        raise UncertainDeliveryError("no answer from Slack: timed out")

    def find_delivery(self, key: str, user: User) -> Delivery | None:
        return None


def test_a_send_never_answered_is_looked_up_each_time_and_failed_after_five(
    engine: Engine,
) -> None:
    portfolio(engine, 1, users=1)
    notifier = Unanswered()
    reports = [
        sweep(engine, notifier, now=T0 + n * (LEASE + timedelta(minutes=1))) for n in range(7)
    ]
    [key] = [k for k in rows(engine) if k.startswith("check_in")]
    assert notifier.calls == MAX_ATTEMPTS and reports[0].unconfirmed == [key]
    row = rows(engine)[key]
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert [r.failed for r in reports if r.failed] == [[key]]


def test_a_snoozed_reminder_comes_back_once_when_the_snooze_ends(engine: Engine) -> None:
    portfolio(engine, 1, users=1)
    recorder = Recorder()
    sweep(engine, recorder, now=T0)
    [key] = [k for k, _ in recorder.items]
    with Session(engine) as s:
        snooze(key, T0 + timedelta(days=1), session=s, actor=factories.SYSTEM, now=T0)
        s.commit()
    sweep(engine, recorder, now=T0 + timedelta(hours=23))
    assert recorder.counts()[key] == 1
    sweep(engine, recorder, now=T0 + timedelta(days=1, minutes=1))
    sweep(engine, recorder, now=T0 + timedelta(days=1, minutes=6))
    assert recorder.counts()[key] == 2
    assert rows(engine)[key].state == "sent"


def test_an_item_resolved_after_its_claim_is_closed_not_sent(engine: Engine) -> None:
    portfolio(engine, 1, users=1)
    with Session(engine) as s:
        s.add(
            Reminder(
                key="check_in_due:1:2025-08-14",
                kind="check_in_due",
                account_id=1,
                user_id=1,
                due_at=T0,
                state="pending",
                created_at=T0,
                updated_at=T0,
            )
        )
        account = s.get(Account, 1)
        called = InteractionCreate(summary="called")
        log_interaction(account, called, session=s, actor=factories.SYSTEM, now=T0)  # type: ignore[arg-type]
        s.commit()
    recorder = Recorder()
    report = sweep(engine, recorder, now=T0 + LEASE + timedelta(minutes=1))
    assert recorder.items == [] and rows(engine)["check_in_due:1:2025-08-14"].state == "done"
    assert report.delivered == []


def test_two_sweepers_at_once_deliver_each_of_1000_reminders_exactly_once(
    engine: Engine,
) -> None:
    portfolio(engine, 1000, users=4, digest=time(9, 0))
    recorder = Recorder()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            sweep(engine, recorder, now=T0)
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = recorder.counts()
    assert len(counts) == 1000 and set(counts.values()) == {1}
    assert sorted(email for email, _, _ in recorder.digests) == [
        f"am{n}@example.com" for n in range(4)
    ]
    assert all(len(keys) == 250 for _, _, keys in recorder.digests)
    with Session(engine) as s:
        states = dict(s.exec(select(Reminder.state, func.count()).group_by(Reminder.state)).all())
    assert states == {"sent": 1004}


KILLER = """
import os, signal, sys
from datetime import datetime
from pathlib import Path
sys.path.insert(0, {root!r})
from core.db import make_engine
from core.checkins import sweep
import core.checkins.sweeper as sweeping
from tests.checkin_notifiers import EACH_ON_ITS_OWN, FileRecorder

url, log, point, now = sys.argv[1:]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

class Dying(FileRecorder):
    def deliver(self, item, user):
        if point == "after_send":
            super().deliver(item, user)
        die()

if point == "after_claim":
    sweeping._start_attempt = die
sweep(make_engine(url), Dying(Path(log)), now=datetime.fromisoformat(now), config=EACH_ON_ITS_OWN)
"""


def killed_sweep(db_url: str, log: Path, point: str) -> None:
    script = KILLER.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script, db_url, str(log), point, T0.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("point", ["after_claim", "in_send", "after_send"])
def test_a_sweeper_killed_mid_delivery_is_finished_after_restart_and_never_doubled(
    db_url: str, engine: Engine, tmp_path: Path, point: str
) -> None:
    portfolio(engine, 1, users=1)
    log = tmp_path / "delivered.txt"
    killed_sweep(db_url, log, point)
    [key] = [k for k in rows(engine) if k.startswith("check_in")]
    assert rows(engine)[key].state == ("pending" if point == "after_claim" else "sending")
    notifier = FileRecorder(log)
    sweep(engine, notifier, now=T0 + timedelta(minutes=5))  # the lease still holds
    assert notifier.delivered().count(key) == (1 if point == "after_send" else 0)
    sweep(engine, notifier, now=T0 + LEASE + timedelta(minutes=1))
    sweep(engine, notifier, now=T0 + LEASE + timedelta(minutes=6))
    assert notifier.delivered().count(key) == 1
    assert rows(engine)[key].state == "sent"


def test_a_notifier_that_cannot_look_up_never_resends_an_interrupted_delivery(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    portfolio(engine, 1, users=1)
    log = tmp_path / "delivered.txt"
    killed_sweep(db_url, log, "after_send")
    notifier = BlindFileRecorder(log)
    report = sweep(engine, notifier, now=T0 + LEASE + timedelta(minutes=1))
    [key] = [k for k in rows(engine) if k.startswith("check_in")]
    assert report.failed == [key] and notifier.delivered() == [key]
    assert "not sent again" in (rows(engine)[key].last_error or "")
    with Session(engine) as s:  # nothing is lost: it is still due, and in the next digest
        assert [i.key for i in due_items(session=s, now=T0 + LEASE)] == [key]


# digests --------------------------------------------------------------------------------------

EVERY_DAY = {"work_start": time(7), "work_end": time(20), "work_days": "1234567"}


def people(engine: Engine) -> None:
    """Two people in zones that change clocks on different days, one due item each,
    and a third with nothing due; all of them work every day of the week."""
    with Session(engine) as s, time_machine.travel(T0, tick=False):
        stockholm = factories.user(
            s, "sara@example.com", timezone="Europe/Stockholm", digest_time=time(9), **EVERY_DAY
        )
        new_york = factories.user(
            s, "nick@example.com", timezone="America/New_York", digest_time=time(8), **EVERY_DAY
        )
        factories.user(s, "idle@example.com", timezone="Asia/Tokyo", **EVERY_DAY)
        for owner, name in ((stockholm, "Nordic AB"), (new_york, "Hudson Inc")):
            account = factories.account(s, name, owner_id=owner.id)
            promise = CommitmentCreate(what="Send the quote", due_on=date(2026, 3, 1))
            add_commitment(account, promise, session=s, actor=factories.SYSTEM)
        s.commit()


def digests_between(engine: Engine, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
    recorder = Recorder()
    sent: list[tuple[str, str, str]] = []
    moment = start
    while moment <= end:
        before = len(recorder.digests)
        sweep(engine, recorder, now=moment)
        for email, day, _ in recorder.digests[before:]:
            sent.append((email, day.isoformat(), f"{moment:%m-%d %H:%M}"))
        moment += timedelta(minutes=30)
    return sent


def test_digests_follow_each_persons_zone_across_daylight_saving(engine: Engine) -> None:
    people(engine)
    # New York moves its clocks on 8 March, Stockholm on 29 March.
    us = digests_between(
        engine, datetime(2026, 3, 7, 6, tzinfo=UTC), datetime(2026, 3, 8, 14, tzinfo=UTC)
    )
    eu = digests_between(
        engine, datetime(2026, 3, 28, 6, tzinfo=UTC), datetime(2026, 3, 29, 9, tzinfo=UTC)
    )
    assert us == [
        ("sara@example.com", "2026-03-07", "03-07 08:00"),
        ("nick@example.com", "2026-03-07", "03-07 13:00"),  # 08:00 EST
        ("sara@example.com", "2026-03-08", "03-08 08:00"),
        ("nick@example.com", "2026-03-08", "03-08 12:00"),  # 08:00 EDT
    ]
    assert [d for d in eu if d[0] == "sara@example.com"] == [
        ("sara@example.com", "2026-03-28", "03-28 08:00"),  # 09:00 CET
        ("sara@example.com", "2026-03-29", "03-29 07:00"),  # 09:00 CEST
    ]
    with Session(engine) as s:
        idle = s.exec(select(User).where(User.email == "idle@example.com")).one()
        quiet = s.exec(select(Reminder).where(Reminder.user_id == idle.id)).all()
    assert quiet and {r.state for r in quiet} == {"done"}  # the day is recorded, nothing sent


def test_missed_digests_after_downtime_are_sent_once_coalesced(engine: Engine) -> None:
    people(engine)
    recorder = Recorder()
    sweep(engine, recorder, now=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    # down from 08:05 on the 10th until 15:00 on the 13th: three digests each were missed
    back = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)
    for minutes in (0, 5, 10):
        sweep(engine, recorder, now=back + timedelta(minutes=minutes))
    assert [(e, d.isoformat()) for e, d, _ in recorder.digests] == [
        ("sara@example.com", "2026-03-10"),
        ("sara@example.com", "2026-03-13"),
        ("nick@example.com", "2026-03-13"),
    ]


def test_a_digest_slot_is_only_open_for_its_grace_period() -> None:
    user = User(name="T", email="t@example.com", timezone="Asia/Kolkata", digest_time=time(9, 30))
    at_nine = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 09:30 in Kolkata
    assert [s.day for s in due_digests([user], at_nine, timedelta(hours=12))] == [date(2026, 3, 2)]
    assert due_digests([user], at_nine - timedelta(minutes=1), timedelta(hours=12)) == []
    assert due_digests([user], at_nine + timedelta(hours=13), timedelta(hours=12)) == []
