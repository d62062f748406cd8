"""The weekly team summary in ``KAM_TEAM_CHANNEL``: concentration, accounts slipping to red,
promises kept.

The summary is the core's read model (:func:`core.views.weekly_team_summary`);
this module only draws it and posts it. The job added to the bot's scheduler
is a module-level function handed its target (where to post, and from which
database) as its argument, as the scheduler's other jobs are handed theirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from core.clock import utcnow, zone
from core.db import Engine, Session, session_scope
from core.views import weekly_team_summary
from kambot import blocks as kb

log = logging.getLogger(__name__)

SUMMARY_JOB = "kam.weekly_team_summary"
SUMMARY_AT = {"day_of_week": "mon", "hour": 8, "minute": 30}


def summary_blocks(*, session: Session, now: datetime, timezone: str) -> list[Block]:
    """The week to ``now`` as Block Kit, dated in the team's time zone."""
    summary = weekly_team_summary(session=session, now=now)
    return kb.team_summary_blocks(summary, week_ending=now.astimezone(zone(timezone)))


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


CHANNEL_FIXES = {
    "not_in_channel": "it is a private channel: type /invite @kam in it",
    "channel_not_found": "check KAM_TEAM_CHANNEL (a channel ID such as C0123ABCD)",
    "is_archived": "the channel is archived: set KAM_TEAM_CHANNEL to another",
    "missing_scope": "reinstall the app from kambot/manifest.json (it asks for chat:write.public)",
}


def run_team_summary(target: Target) -> str | None:
    """The scheduled job: this week's summary to the team channel. A channel kam cannot
    post in is logged with what to do about it; the job runs again next week."""
    try:
        ts = post_team_summary(
            target.engine, target.client, target.channel, now=utcnow(), timezone=target.timezone
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error not in CHANNEL_FIXES:
            raise
        log.error(
            "the weekly team summary was not posted to %s (%s): %s",
            target.channel,
            error,
            CHANNEL_FIXES[error],
        )
        return None
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
