"""The weekly team summary in ``KAM_TEAM_CHANNEL``: concentration, accounts slipping to red,
promises kept.

The figures come from the core (portfolio figures, score snapshots,
commitments); this module only gathers them for one week and posts them. The
job added to the bot's scheduler is a module-level function handed its target
(where to post, and from which database) as its argument, as the scheduler's
other jobs are handed theirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.clock import utcnow, zone
from core.db import session_scope
from core.models import Account, Commitment, ScoreSnapshot, User
from core.scoring import load_config, portfolio_figures
from kambot import blocks as kb

log = logging.getLogger(__name__)

SUMMARY_JOB = "kam.weekly_team_summary"
SUMMARY_AT = {"day_of_week": "mon", "hour": 8, "minute": 30}
WEEK = timedelta(days=7)


def slipping_to_red(*, session: Session, now: datetime) -> list[dict[str, Any]]:
    """Accounts whose newest snapshot is red while the one before the week was not."""
    config = load_config()
    since = now - WEEK
    recent = session.exec(
        select(ScoreSnapshot.account_id, ScoreSnapshot.health, ScoreSnapshot.at)
        .where(col(ScoreSnapshot.at) > since, col(ScoreSnapshot.at) <= now)
        .order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at).desc())
    ).all()
    newest: dict[int, float] = {}
    for account_id, health, _at in recent:
        newest.setdefault(account_id, health)
    red = {a: h for a, h in newest.items() if config.band(h) == "red"}
    if not red:
        return []
    before: dict[int, float] = {}
    for account_id, health in session.exec(
        select(ScoreSnapshot.account_id, ScoreSnapshot.health)
        .where(col(ScoreSnapshot.account_id).in_(list(red)), col(ScoreSnapshot.at) <= since)
        .order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at).desc())
    ).all():
        before.setdefault(account_id, health)
    slipped = [a for a in red if a in before and config.band(before[a]) != "red"]
    names = {
        a.id: (a.name, a.owner_id)
        for a in session.exec(select(Account).where(col(Account.id).in_(slipped))).all()
    }
    owners = {u.id: u.name for u in session.exec(select(User)).all()}
    out = [
        {
            "name": names[a][0],
            "health": red[a],
            "previous": before[a],
            "owner": owners.get(names[a][1]),
        }
        for a in slipped
        if a in names
    ]
    return sorted(out, key=lambda r: r["health"])


def summary_blocks(*, session: Session, now: datetime, timezone: str) -> list[Block]:
    """The week to ``now`` as Block Kit."""
    since = now - WEEK
    kept = session.exec(
        select(col(Commitment.due_on), col(Commitment.done_at)).where(
            col(Commitment.done_at) > since, col(Commitment.done_at) <= now
        )
    ).all()
    on_time = sum(1 for due_on, done_at in kept if done_at is not None and done_at.date() <= due_on)
    overdue = len(
        session.exec(
            select(Commitment.id).where(
                col(Commitment.done_at).is_(None), col(Commitment.due_on) < now.date()
            )
        ).all()
    )
    return kb.team_summary_blocks(
        week_ending=now.astimezone(zone(timezone)),
        figures=portfolio_figures(session=session, now=now),
        slipping=slipping_to_red(session=session, now=now),
        kept=len(kept),
        kept_on_time=on_time,
        still_open_overdue=overdue,
    )


def post_team_summary(
    engine: Engine, client: WebClient, channel: str, *, now: datetime, timezone: str = "UTC"
) -> str | None:
    """Post the weekly summary to ``channel``; returns the message ts."""
    with session_scope(engine) as session:
        blocks = summary_blocks(session=session, now=now, timezone=timezone)
    response = client.chat_postMessage(
        channel=channel, text="kam weekly team summary", blocks=kb.dump(blocks)
    )
    return response.get("ts")


@dataclass(frozen=True)
class Target:
    """Where the weekly summary goes, and what it is drawn from: the job's argument."""

    engine: Engine
    client: WebClient
    channel: str
    timezone: str


def run_team_summary(target: Target) -> str | None:
    """The scheduled job: this week's summary to the team channel."""
    ts = post_team_summary(
        target.engine, target.client, target.channel, now=utcnow(), timezone=target.timezone
    )
    log.info("weekly team summary posted to %s", target.channel)
    return ts


def schedule_team_summary(
    scheduler: BaseScheduler, engine: Engine, client: WebClient, channel: str, timezone: str
) -> None:
    """Add the Monday-morning summary to the bot's scheduler."""
    scheduler.add_job(
        run_team_summary,
        CronTrigger(**SUMMARY_AT, timezone=zone(timezone)),
        args=[Target(engine=engine, client=client, channel=channel, timezone=timezone)],
        id=SUMMARY_JOB,
        name="weekly team summary",
        replace_existing=True,
    )
