"""The bot's scheduler: the right jobs, forgiving after downtime, each job doing its work."""

from __future__ import annotations

from datetime import time, timedelta

import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.models import ScoreSnapshot
from core.settings import Settings
from kambot import scheduler as bot_scheduler
from kambot.summary import SUMMARY_JOB, schedule_team_summary
from tests.checkin_delivery_data import one_due_check_in
from tests.checkin_notifiers import Recorder
from tests.slack_harness import running_bot


def test_jobs_are_named_forgiving_and_in_the_configured_zone(engine: Engine) -> None:
    recorder = Recorder()
    sched = bot_scheduler.build_scheduler(
        engine, recorder, Settings(kam_timezone="Europe/Stockholm")
    )
    sched.start(paused=True)
    try:
        jobs = {job.id: job for job in sched.get_jobs()}
        assert set(jobs) == {
            bot_scheduler.SWEEP_JOB,
            bot_scheduler.DIGEST_JOB,
            bot_scheduler.RESCORE_JOB,
        }
        for job in jobs.values():
            assert job.coalesce is True
            assert job.misfire_grace_time >= 3600
            # each job is handed the engine and notifier it works with, not a registry key
            [runtime] = job.args
            assert runtime.engine is engine and runtime.notifier is recorder
        assert str(sched.timezone) == "Europe/Stockholm"
        sweep_trigger = jobs[bot_scheduler.SWEEP_JOB].trigger
        assert isinstance(sweep_trigger, IntervalTrigger)
        assert sweep_trigger.interval <= timedelta(minutes=5)
        rescore = jobs[bot_scheduler.RESCORE_JOB].trigger
        assert isinstance(rescore, CronTrigger) and str(rescore.timezone) == "Europe/Stockholm"
        # building again replaces the jobs instead of adding twins
        sched.add_job(
            bot_scheduler.run_sweep,
            "interval",
            minutes=5,
            args=jobs[bot_scheduler.SWEEP_JOB].args,
            id=bot_scheduler.SWEEP_JOB,
            replace_existing=True,
        )
        assert len(sched.get_jobs()) == 3
    finally:
        sched.shutdown(wait=False)


def test_the_sweep_and_digest_jobs_deliver_once(engine: Engine) -> None:
    moment = one_due_check_in(engine, digest=time(9, 0))
    recorder = Recorder()
    sched = bot_scheduler.build_scheduler(engine, recorder, Settings(kam_timezone="UTC"))
    [runtime] = sched.get_job(bot_scheduler.SWEEP_JOB).args
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        digest = bot_scheduler.run_digests(runtime)
        assert digest is not None and len(digest["digests"]) == 1
        assert bot_scheduler.run_digests(runtime) is None
        again = bot_scheduler.run_sweep(runtime)
    assert again["delivered"] == [] and again["already_delivered"] == 1
    # a routine check-in is not a message of its own: it reaches the person in the digest
    assert recorder.items == [] and len(recorder.digests) == 1
    [(_, _, listed)] = recorder.digests
    assert [k.split(":")[0] for k in listed] == ["check_in_due"]


def test_the_rescore_job_scores_every_account(engine: Engine) -> None:
    moment = one_due_check_in(engine, digest=time(9, 0))
    sched = bot_scheduler.build_scheduler(engine, Recorder(), Settings(kam_timezone="UTC"))
    [runtime] = sched.get_job(bot_scheduler.RESCORE_JOB).args
    with time_machine.travel(moment, tick=False):
        scored = bot_scheduler.run_rescore(runtime)
    with Session(engine) as s:
        assert len(s.exec(select(ScoreSnapshot)).all()) == scored == 1


def test_the_weekly_summary_job_posts_to_the_team_channel_it_was_scheduled_for(
    engine: Engine,
) -> None:
    sched = BackgroundScheduler(timezone="UTC")
    sched.start(paused=True)
    try:
        with running_bot(engine) as bot:
            schedule_team_summary(sched, engine, bot.app.client, "C0TEAM", "Europe/Stockholm")
            schedule_team_summary(sched, engine, bot.app.client, "C0OTHER", "Europe/Stockholm")
            (job,) = sched.get_jobs()  # scheduling again replaces the job
            assert job.id == SUMMARY_JOB
            assert str(job.trigger.timezone) == "Europe/Stockholm"
            ts = job.func(*job.args)
            (call,) = bot.api.of("chat.postMessage")
    finally:
        sched.shutdown(wait=False)
    assert call.body["channel"] == "C0OTHER" and ts == bot.api.ts_of(call)
    assert "Concentration" in call.text_of_blocks()
