"""Buttons: "did you mean", share in channel, and log from a card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.db import session_scope
from core.errors import KamError
from core.services import views as read_models
from core.services.accounts import get_account
from kambot import blocks as kb
from kambot import ids
from kambot.context import Kam
from kambot.identity import resolve
from kambot.listeners.commands import answer, send
from kambot.subcommands import Reply, Request, log_modal_for


def register(app: App) -> None:
    """Listen for the buttons on command replies."""
    app.action(ids.DID_YOU_MEAN_ANY)(did_you_mean)
    app.action(ids.SHARE_CARD)(share_card)
    app.action(ids.CARD_LOG)(card_log)


def _message_ts(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")


def did_you_mean(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Re-run the command with the name the person picked, replacing the question."""
    ack()
    answer(
        kam,
        client,
        respond,
        slack_user_id=body["user"]["id"],
        text=action.get("value") or "",
        request_key=f"dym:{_message_ts(body)}",
        trigger_id=body.get("trigger_id"),
        response_url=body.get("response_url"),
        replace=True,
    )


def share_card(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Post the account card to the channel, naming who shared it."""
    ack()
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        send(
            respond,
            Reply(
                "kam does not know you yet", kb.unknown_user_blocks(slack_user_id, identity.email)
            ),
        )
        return
    try:
        with session_scope(kam.engine) as session:
            account = get_account(int(action["value"]), session=session)
            card = read_models.account_card(account, session=session, now=kam.now())
    except (KamError, ValueError):
        send(
            respond,
            Reply(
                "That account is gone",
                kb.notice_blocks("That account no longer exists.", emoji=":thinking_face:"),
            ),
        )
        return
    respond(
        text=kb.fallback(card["name"]),
        blocks=kb.dump(kb.card_blocks(card, shareable=False, shared_by=slack_user_id)),
        response_type="in_channel",
        replace_original=False,
    )


def card_log(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Open the log form for the account on the card."""
    ack()
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        send(
            respond,
            Reply(
                "kam does not know you yet", kb.unknown_user_blocks(slack_user_id, identity.email)
            ),
        )
        return
    with session_scope(kam.engine) as session:
        account = get_account(int(action["value"]), session=session)
        request = Request(
            session=session,
            user=identity.user,
            actor=identity.actor(),
            slack_user_id=slack_user_id,
            now=kam.now(),
            request_key=f"card:{_message_ts(body)}",
            response_url=body.get("response_url"),
        )
        modal = log_modal_for(request, account)
    client.views_open(trigger_id=body["trigger_id"], view=modal)
