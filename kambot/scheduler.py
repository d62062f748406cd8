"""The bot's clock: the reminder sweep, the daily digests and the nightly rescore.

Only ``kam bot`` runs a scheduler. Exactly-once delivery does not rest on it:
every occurrence is claimed in the database before it is sent (see
``core.checkins.sweeper``), so a second bot replica, an overlapping run or a
restart cannot double-send. The scheduler only has to be punctual, and
forgiving after downtime: ``coalesce`` folds a backlog of missed runs into
one, and a misfire grace of hours still runs a job the bot was down for.

Jobs are module-level functions with fixed ids. Each is handed what it works
with (the engine and the notifier) as its one argument, the way
python-telegram-bot's JobQueue hands its callbacks a context: nothing is looked
up in a module-level registry. The scheduler keeps its jobs in the in-memory job
store, which holds the argument as it is and never pickles it.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.capture.config import load_capture_config
from core.capture.scheduled import run_leased
from core.capture.sources import scheduled_sources
from core.checkins import Notifier, SweepReport, send_digests, sweep
from core.clock import utcnow, zone
from core.db import Engine, session_scope
from core.scoring import rescore_portfolio
from core.settings import Settings

log = logging.getLogger(__name__)

SWEEP_EVERY_MINUTES = 5
MISFIRE_GRACE_SECONDS = 6 * 3600
RESCORE_AT = {"hour": 2, "minute": 15}

SWEEP_JOB = "kam.reminder_sweep"
DIGEST_JOB = "kam.daily_digests"
RESCORE_JOB = "kam.nightly_rescore"
CAPTURE_JOB = "kam.capture"
CAPTURE_EVERY_MINUTES = 15


@dataclass(frozen=True)
class Runtime:
    """What the jobs work with: handed to every run as its argument."""

    engine: Engine
    notifier: Notifier


def run_sweep(runtime: Runtime) -> dict[str, Any]:
    """Deliver what fell due since the last sweep."""
    report = sweep(runtime.engine, runtime.notifier, now=utcnow())
    log.info(
        "reminder sweep: %d due, %d delivered, %d digests, %d failed",
        report.due,
        len(report.delivered),
        len(report.digests),
        len(report.failed),
    )
    _warn_if_stopped(report)
    return report.as_dict()


def _warn_if_stopped(report: SweepReport) -> None:
    """A sweep that stopped early (a token to fix, Slack unreachable) says why in the log."""
    if report.stopped:
        log.warning(
            "reminder sweep stopped: %s %d claimed reminders wait for the next sweep.",
            report.stopped,
            report.waiting,
        )


def run_digests(runtime: Runtime) -> dict[str, Any] | None:
    """Every minute: send any digest whose local time has come (usually nothing to do)."""
    report = send_digests(runtime.engine, runtime.notifier, now=utcnow())
    if report is not None:
        log.info("digests sent: %d", len(report.digests))
        _warn_if_stopped(report)
    return report.as_dict() if report is not None else None


def run_rescore(runtime: Runtime) -> int:
    """Score every account once a night, so tiers and cadences follow the data."""
    with session_scope(runtime.engine) as session:
        scored = rescore_portfolio(session=session, now=utcnow())
    log.info("nightly rescore: %d accounts", scored.size)
    return scored.size


def build_scheduler(engine: Engine, notifier: Notifier, settings: Settings) -> BackgroundScheduler:
    """A scheduler (not started) with the sweep, digest and rescore jobs."""
    tz = zone(settings.kam_timezone)
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            "max_instances": 1,
        },
    )
    runtime = Runtime(engine=engine, notifier=notifier)
    jobs: tuple[tuple[str, Callable[[Runtime], Any], BaseTrigger, str], ...] = (
        (
            SWEEP_JOB,
            run_sweep,
            IntervalTrigger(minutes=SWEEP_EVERY_MINUTES, timezone=tz),
            "reminder sweep",
        ),
        (
            DIGEST_JOB,
            run_digests,
            CronTrigger(minute="*", timezone=tz),
            "daily digests at each person's local time",
        ),
        (RESCORE_JOB, run_rescore, CronTrigger(**RESCORE_AT, timezone=tz), "nightly rescore"),
    )
    for job_id, run, trigger, name in jobs:
        scheduler.add_job(run, trigger, args=[runtime], id=job_id, name=name, replace_existing=True)
    for source in scheduled_sources(settings):
        scheduler.add_job(
            run_capture,
            IntervalTrigger(minutes=CAPTURE_EVERY_MINUTES, timezone=tz),
            args=[engine, settings, source],
            id=f"{CAPTURE_JOB}.{source}",
            name=f"capture {source}",
            replace_existing=True,
        )
    return scheduler


def run_capture(engine: Engine, settings: Settings, source: str) -> int | None:
    """Capture one source (mail, calendar) if this replica gets its lease; how many
    interactions it recorded, None when another replica has it or it rests."""
    capture, account = scheduled_sources(settings)[source]
    holder = f"{socket.gethostname()}:{os.getpid()}"
    report = run_leased(
        source, capture, account, load_capture_config(), engine=engine, holder=holder
    )
    return report.captured if report is not None else None
