"""The ``/kam`` slash command: ack at once, then run the subcommand, then reply ephemerally."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from core.db import session_scope
from core.errors import KamError
from kambot import blocks as kb
from kambot import ids
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.grammar import parse
from kambot.identity import Identity, resolve
from kambot.subcommands import AccountNotFound, Reply, Request, run
from kambot.where import Responder

log = logging.getLogger(__name__)


def register(app: App) -> None:
    """Listen for ``/kam``."""
    app.command(ids.COMMAND)(after_ack(kam_command))


def kam_command(
    ack: Ack, command: dict[str, Any], respond: Responder, client: WebClient, kam: Kam
) -> None:
    """Every ``/kam`` request: acknowledged before any database work."""
    ack()
    answer(
        kam,
        client,
        respond,
        slack_user_id=command["user_id"],
        text=command.get("text") or "",
        request_key=f"cmd:{command['trigger_id']}",
        trigger_id=command["trigger_id"],
        response_url=command.get("response_url"),
        channel_id=command.get("channel_id"),
    )


def outcome(
    kam: Kam,
    identity: Identity,
    text: str,
    *,
    request_key: str,
    response_url: str | None,
    channel_id: str | None = None,
) -> Reply:
    """The reply to ``text``; a user error becomes a message and leaves the database untouched."""
    assert identity.user is not None
    try:
        parsed = parse(text)
        with session_scope(kam.engine) as session:
            request = Request(
                session=session,
                user=identity.user,
                actor=identity.actor(),
                slack_user_id=identity.slack_user_id,
                now=kam.now(),
                request_key=request_key,
                response_url=response_url,
                channel_id=channel_id,
            )
            return run(request, parsed)
    except AccountNotFound as exc:
        return Reply(exc.message, kb.did_you_mean_blocks(exc.message, exc.choices))
    except KamError as exc:
        return Reply(exc.message, kb.notice_blocks(exc.message, emoji=":thinking_face:"))


def answer(
    kam: Kam,
    client: WebClient,
    respond: Responder,
    *,
    slack_user_id: str,
    text: str,
    request_key: str,
    trigger_id: str | None,
    response_url: str | None,
    replace: bool = False,
    channel_id: str | None = None,
) -> None:
    """Run a command as ``slack_user_id`` and send the reply (or open the modal it asks for)."""
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        reply = Reply(
            "kam does not know you yet", kb.unknown_user_blocks(slack_user_id, identity.email)
        )
    else:
        reply = outcome(
            kam,
            identity,
            text,
            request_key=request_key,
            response_url=response_url,
            channel_id=channel_id,
        )
    if reply.modal is not None and trigger_id:
        client.views_open(trigger_id=trigger_id, view=reply.modal)
        return
    send(respond, reply, replace=replace)


def send(respond: Responder, reply: Reply, *, replace: bool = False) -> None:
    """An ephemeral reply through the request's response_url."""
    respond(
        text=kb.fallback(reply.text),
        blocks=kb.dump(reply.blocks),
        response_type="ephemeral",
        replace_original=replace,
    )
