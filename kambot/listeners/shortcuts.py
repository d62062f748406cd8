"""Shortcuts: "Log to kam" on any message records it as an interaction on an account.

The shortcut opens the log form with the message's text as what happened and "message"
as the kind; the form asks which account (close spellings are found) and is saved by the
same submission handler as `/kam log`, with the same rules. The confirmation goes back
to the conversation the message was in, visible only to the person.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from core.models import InteractionKind
from kambot import blocks as kb
from kambot import ids
from kambot.failures import after_ack


def register(app: App) -> None:
    """Listen for the message shortcut."""
    app.shortcut(ids.LOG_MESSAGE_SHORTCUT)(after_ack(log_message))


def log_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Open the log form on the message; nothing is written until it is submitted."""
    ack()
    message = body.get("message") or {}
    metadata = {"response_url": body["response_url"]} if body.get("response_url") else {}
    text = (message.get("text") or "").strip()
    modal = kb.log_modal(metadata=metadata, summary=text or None, kind=InteractionKind.MESSAGE)
    client.views_open(trigger_id=body["trigger_id"], view=modal)
