"""Modal submissions: the log form.

A submission is validated before it is acknowledged, because Slack shows
field errors only in the ack; the write is one short transaction. Telling the
person (in the conversation the form came from) happens after the ack.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from core.db import session_scope
from core.errors import KamError, NotFound
from core.models import Account
from core.services import records
from core.services.accounts import find_account, get_account
from core.when import parse_when
from kambot import blocks as kb
from kambot import ids
from kambot.context import Kam
from kambot.identity import resolve

log = logging.getLogger(__name__)


def register(app: App) -> None:
    """Listen for the log form."""
    app.view(ids.LOG_MODAL)(log_submitted)


class FieldError(Exception):
    """A problem with one input of the form, shown under that input."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


def _value(values: dict[str, Any], field: tuple[str, str]) -> str | None:
    """The text, selected option or radio choice of one input (None when empty)."""
    state = (values.get(field[0]) or {}).get(field[1]) or {}
    if state.get("type") in ("static_select", "radio_buttons"):
        selected = state.get("selected_option") or {}
        return selected.get("value")
    value = state.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def log_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Log the interaction once (the view id is the idempotency key), then confirm."""
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        ack(
            response_action="errors",
            errors={
                ids.LOG_SUMMARY[0]: "kam does not know you yet; ask an admin to run "
                f"`kam users link YOUR_EMAIL {slack_user_id}`.",
            },
        )
        return
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    now = kam.now()
    reminder_key = metadata.get("reminder_key")
    key = f"slack:reminder-log:{reminder_key}" if reminder_key else f"slack:view:{view['id']}"
    try:
        with session_scope(kam.engine) as session:
            if metadata.get("account_id"):
                account: Account = get_account(int(metadata["account_id"]), session=session)
            else:
                try:
                    account = find_account(_value(values, ids.LOG_ACCOUNT) or "", session=session)
                except KamError as exc:
                    raise FieldError(ids.LOG_ACCOUNT[0], exc.message) from exc
            when_text = _value(values, ids.LOG_WHEN)
            try:
                occurred = (
                    parse_when(when_text, now=now, timezone=identity.user.timezone, prefer="past")
                    if when_text
                    else None
                )
            except KamError as exc:
                raise FieldError(ids.LOG_WHEN[0], exc.message) from exc
            contact = None
            contact_value = _value(values, ids.LOG_CONTACT)
            if contact_value:
                try:
                    if contact_value.isdigit() and metadata.get("account_id"):
                        contact = next(
                            (
                                c
                                for c in records.contacts_of(account, session=session)
                                if c.id == int(contact_value)
                            ),
                            None,
                        )
                    if contact is None:
                        contact = records.find_contact(account, contact_value, session=session)
                except NotFound as exc:
                    raise FieldError(ids.LOG_CONTACT[0], exc.message) from exc
            try:
                logged = records.log_interaction(
                    account,
                    _value(values, ids.LOG_SUMMARY) or "",
                    session=session,
                    actor=identity.actor(),
                    kind=_value(values, ids.LOG_KIND) or "call",
                    occurred_at=occurred,
                    contact=contact,
                    sentiment=_value(values, ids.LOG_SENTIMENT),
                    source="slack",
                    idempotency_key=key,
                    now=now,
                )
            except KamError as exc:
                raise FieldError(ids.LOG_SUMMARY[0], exc.message) from exc
            confirmation = kb.logged_blocks(
                account.name,
                logged.kind,
                f"{logged.occurred_at:%Y-%m-%d %H:%M} UTC",
                logged.summary,
            )
            fallback = f"Logged {logged.kind} with {account.name}"
    except FieldError as exc:
        ack(response_action="errors", errors={exc.block_id: kb.clip(exc.message, 2000)})
        return
    ack()
    response_url = metadata.get("response_url")
    if response_url:
        WebhookClient(response_url).send(
            text=kb.fallback(fallback),
            blocks=kb.dump(confirmation),
            response_type="ephemeral",
            replace_original=False,
        )
    else:
        client.chat_postMessage(
            channel=slack_user_id, text=kb.fallback(fallback), blocks=kb.dump(confirmation)
        )
