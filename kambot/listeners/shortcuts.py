"""Shortcuts: "Log to kam" on any message records it as an interaction on an account.

The shortcut opens the log form with the message's text as what happened and "message"
as the kind. In a channel linked to an account (`/kam channel link`) the form is on that
account; anywhere else it asks for the account with the type-ahead picker, and must be
given one. It is saved by the same submission handler as `/kam log`, with the same
rules. The confirmation goes back to the conversation the message was in, visible only
to the person.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from core.capture.channels import linked_account
from core.db import session_scope
from core.models import InteractionKind
from kambot import ids
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.subcommands import log_form_on


def register(app: App) -> None:
    """Listen for the message shortcut."""
    app.shortcut(ids.LOG_MESSAGE_SHORTCUT)(after_ack(log_message))


def log_message(ack: Ack, body: dict[str, Any], client: WebClient, kam: Kam) -> None:
    """Open the log form on the message; nothing is written until it is submitted."""
    ack()
    message = body.get("message") or {}
    text = (message.get("text") or "").strip()
    channel = str((body.get("channel") or {}).get("id") or "")
    with session_scope(kam.engine) as session:
        modal = log_form_on(
            session,
            linked_account(channel, session=session),
            response_url=body.get("response_url"),
            summary=text or None,
            kind=InteractionKind.MESSAGE,
        )
    client.views_open(trigger_id=body["trigger_id"], view=modal)
