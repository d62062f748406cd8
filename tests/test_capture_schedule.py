"""Capture on the bot's schedule: one replica per source (a lease), backoff after failures."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlmodel import Session

from core.capture.config import CaptureConfig
from core.capture.lease import give_back, take_lease
from core.capture.mail import MailAccount
from core.capture.run import capture_mail
from core.capture.scheduled import run_leased
from core.clock import utcnow
from core.settings import Settings
from kambot import scheduler as bot_scheduler
from tests.capture_servers import Dovecot
from tests.checkin_notifiers import Recorder

NOW = utcnow()


def test_one_replica_holds_a_source_and_a_failing_one_backs_off(session: Session) -> None:
    assert take_lease("mail", "bot-a", session=session, now=NOW)
    session.commit()
    assert not take_lease("mail", "bot-b", session=session, now=NOW + timedelta(minutes=1))
    assert take_lease("mail", "bot-b", session=session, now=NOW + timedelta(hours=1))  # expired
    rests = []
    for _ in range(3):
        rests.append(give_back("mail", "bot-b", failed=True, session=session, now=NOW))
        assert not take_lease("mail", "bot-b", session=session, now=NOW + rests[-1] / 2)
        assert take_lease("mail", "bot-b", session=session, now=NOW + rests[-1])
    assert rests == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert give_back("mail", "bot-b", failed=False, session=session, now=NOW) == timedelta(0)
    assert take_lease("mail", "bot-a", session=session, now=NOW)
    session.commit()


def test_the_bot_runs_each_configured_source_under_its_lease(
    engine: Engine, session: Session, dovecot: Dovecot
) -> None:
    box = dovecot.mailbox()
    settings = Settings(
        kam_mail_host="127.0.0.1",
        kam_mail_port=dovecot.port,
        kam_mail_tls=False,
        kam_mail_user=box.user,
        kam_mail_password=box.password,
    )
    sched = bot_scheduler.build_scheduler(engine, Recorder(), settings)
    job = sched.get_job(f"{bot_scheduler.CAPTURE_JOB}.mail")
    assert job is not None and isinstance(job.trigger, IntervalTrigger)
    assert sched.get_job(f"{bot_scheduler.CAPTURE_JOB}.calendar") is None
    assert bot_scheduler.run_capture(engine, settings, "mail") == 0

    # Another replica holds the source: this one leaves it alone.
    assert take_lease("mail", "elsewhere", session=session, now=utcnow())
    session.commit()
    assert bot_scheduler.run_capture(engine, settings, "mail") is None

    # A server that refuses: the report says so once, and the source rests.
    down = MailAccount("127.0.0.1", box.user, box.password, port=1, tls=False)
    failed = run_leased("broken", capture_mail, down, CaptureConfig(), engine=engine, holder="me")
    assert failed is not None and failed.failure and "connection refused" in failed.failure
    assert (
        run_leased("broken", capture_mail, down, CaptureConfig(), engine=engine, holder="me")
        is None
    )
