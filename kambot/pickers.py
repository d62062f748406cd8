"""Type-ahead pickers: a menu (Slack's external select) that asks kam for options as the
person types, so no account or contact is out of reach (a static menu stops at 100).

:func:`account_picker` and :func:`contact_picker` are the inputs a form puts in its
blocks; :func:`register` answers what they ask (``block_suggestion``) from the
core's read models (:mod:`core.views.pickers`). A contact picker finds its account
in the form's ``private_metadata`` (``account_id``) or in an account picker of the
same form.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.models.blocks import ExternalDataSelectElement, InputBlock, PlainTextObject

from core.db import session_scope
from core.errors import KamError
from core.services.accounts import get_account
from core.views import Choice, account_choices, contact_choices
from kambot import blocks as kb
from kambot import ids
from kambot.context import Kam


def account_picker(
    block_id: str,
    label: str = "Account",
    *,
    initial: tuple[int, str] | None = None,
    optional: bool | None = None,
) -> InputBlock:
    """An input that finds any account by part of its name; its value is the account id."""
    return _picker((block_id, ids.PICK_ACCOUNT), label, "Type part of its name", initial, optional)


def contact_picker(
    block_id: str,
    label: str = "Who you spoke to",
    *,
    initial: tuple[int, str] | None = None,
    optional: bool | None = True,
) -> InputBlock:
    """An input that finds any of the account's contacts by name or title; its value is
    the contact id. The form names the account (see the module's docstring)."""
    return _picker((block_id, ids.PICK_CONTACT), label, "A contact", initial, optional)


def _picker(
    field: tuple[str, str],
    label: str,
    placeholder: str,
    initial: tuple[int, str] | None,
    optional: bool | None,
) -> InputBlock:
    return kb.form_input(
        field,
        label,
        ExternalDataSelectElement,
        optional=optional,
        placeholder=PlainTextObject(text=placeholder),
        min_query_length=0,
        initial_option=kb.option(initial[1], str(initial[0])) if initial else None,
    )


def register(app: App) -> None:
    """Answer the pickers' questions (acked with the options themselves)."""
    app.options(ids.PICK_ACCOUNT)(accounts_typed)
    app.options(ids.PICK_CONTACT)(contacts_typed)


def accounts_typed(ack: Ack, body: dict[str, Any], kam: Kam) -> None:
    """The accounts matching what was typed."""
    with session_scope(kam.engine) as session:
        choices = account_choices(str(body.get("value") or ""), session=session)
    ack(options=_options(choices))


def contacts_typed(ack: Ack, body: dict[str, Any], kam: Kam) -> None:
    """The contacts of the form's account matching what was typed (none until the form
    names an account)."""
    account_id = account_of(body.get("view") or {})
    choices: list[Choice] = []
    if account_id is not None:
        with session_scope(kam.engine) as session:
            try:
                account = get_account(account_id, session=session)
            except KamError:
                account = None
            if account is not None:
                choices = contact_choices(account, str(body.get("value") or ""), session=session)
    ack(options=_options(choices))


def account_of(view: dict[str, Any]) -> int | None:
    """The account a form is about: fixed when it was opened, else picked in it."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    fixed = metadata.get("account_id") if isinstance(metadata, dict) else None
    if isinstance(fixed, int):
        return fixed
    for block in ((view.get("state") or {}).get("values") or {}).values():
        picked = (block.get(ids.PICK_ACCOUNT) or {}).get("selected_option") or {}
        if str(picked.get("value") or "").isdigit():
            return int(picked["value"])
    return None


def _options(choices: Sequence[Choice]) -> list[dict[str, Any]]:
    return [kb.option(c.label, c.value).to_dict() for c in choices]
