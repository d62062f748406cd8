"""Events: the App Home tab, drawn when it is opened; messages in linked channels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.views import View

from core.capture.channels import channel_message
from core.db import session_scope
from kambot import blocks as kb
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.identity import Identity, resolve


def register(app: App) -> None:
    """Listen for the App Home tab being opened."""
    app.event("app_home_opened")(after_ack(home_opened))
    app.event("message")(channel_message_posted)


def channel_message_posted(event: dict[str, Any], kam: Kam) -> None:
    """A message in a channel: a touch with the account when the channel is linked to one
    (people's own messages only: no bots, edits, joins or thread broadcasts)."""
    if event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return
    channel, ts = event.get("channel"), event.get("ts")
    if not channel or not ts or event.get("channel_type") == "im":
        return
    sent_at = datetime.fromtimestamp(float(ts), tz=UTC)
    with session_scope(kam.engine) as session:
        channel_message(channel, event["user"], sent_at, session=session, now=kam.now())


def home_opened(event: dict[str, Any], client: WebClient, kam: Kam) -> None:
    """Draw the Home tab (bolt acks events before this runs); the messages tab needs nothing."""
    if event.get("tab", "home") != "home":
        return
    identity = resolve(event["user"], kam=kam, client=client)
    publish_home(identity, kam=kam, client=client)


def publish_home(identity: Identity, *, kam: Kam, client: WebClient, page: int = 0) -> None:
    """views.publish the person's Home tab (or how to be linked, for strangers)."""
    if identity.user is None:
        view = View(
            type="home",
            blocks=kb.unknown_user_blocks(identity.slack_user_id, identity.email),
        )
    else:
        from kambot.home import home_view

        with session_scope(kam.engine) as session:
            view = home_view(identity.user, session=session, now=kam.now(), page=page)
    client.views_publish(user_id=identity.slack_user_id, view=view)
