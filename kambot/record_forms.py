"""The forms behind `/kam contact add` and `/kam account set`: build them, read them back.

Each input's block id is the name of the field the core reads (``title``,
``relationship_stage``…), so a submission is the mapping of typed text that
:func:`core.services.contacts.read_contact` and
:func:`core.services.profile.read_profile` take, and a refusal is shown under the
form by Slack (``response_action: errors``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import PlainTextObject
from slack_sdk.models.views import View

from core.models import BuyingRole
from core.services.profile import PROFILE
from core.views.card import AccountCard
from kambot import ids
from kambot.blocks import form_input, option, safe, section
from kambot.pickers import account_of, account_picker

TEXT_LIMIT = 3000
LONG = ("customer_values", "difficulties", "buying_process", "other_suppliers", "strategic_plans")


def _modal(callback_id: str, title: str, account_id: int, blocks: list[Block]) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"account_id": account_id}),
        blocks=blocks,
    )


def _text(name: str, label: str, *, initial: object = None, multiline: bool = False) -> Block:
    return form_input(
        (name, name),
        label,
        PlainTextInputElement,
        optional=True,
        multiline=multiline,
        max_length=TEXT_LIMIT if multiline else 500,
        initial_value=None if initial is None else str(initial),
    )


def contact_modal(account_id: int, account_name: str) -> View:
    """The form to add a contact to one account."""
    roles: list[Option] = [option(r.value.replace("_", " "), r.value) for r in BuyingRole]
    blocks: list[Block] = [
        section(f"*Account:* {safe(account_name, 200)}"),
        form_input(("name", "name"), "Name", PlainTextInputElement, max_length=200),
        _text("title", "Title"),
        _text("email", "E-mail"),
        _text("phone", "Phone"),
        form_input(
            ("role", "role"),
            "Role in the buying centre",
            StaticSelectElement,
            optional=True,
            options=roles,
        ),
        _text("reports_to", "Reports to (a contact's name)"),
    ]
    return _modal(ids.CONTACT_MODAL, "Add a contact", account_id, blocks)


def profile_modal(card: AccountCard) -> View:
    """The account profile as a form, filled in with what is known."""
    blocks: list[Block] = [section(f"*Account:* {safe(card.name, 200)}")]
    for name, spec in PROFILE.items():
        value = getattr(card, name)
        blocks.append(_text(name, spec.label, initial=value, multiline=name in LONG))
    return _modal(ids.PROFILE_MODAL, "Account profile", card.id, blocks)


def submitted(view: Mapping[str, Any]) -> tuple[int, dict[str, str]]:
    """The account a form was for, and what was typed, by field (empty text included: it
    clears a field)."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    typed: dict[str, str] = {}
    for block_id, inputs in ((view.get("state") or {}).get("values") or {}).items():
        state = inputs.get(block_id) or {}
        if state.get("type") == "static_select":
            typed[block_id] = (state.get("selected_option") or {}).get("value") or ""
        else:
            typed[block_id] = state.get("value") or ""
    return int(metadata["account_id"]), typed


def place_modal(address: str) -> View:
    """The form that makes someone capture could not place a contact of an account."""
    blocks: list[Block] = [
        section(f"Make *{safe(address, 320)}* a contact of the account you pick."),
        account_picker("account"),
    ]
    return View(
        type="modal",
        callback_id=ids.PLACE_MODAL,
        title=PlainTextObject(text="Make a contact"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"address": address}),
        blocks=blocks,
    )


def place_submitted(view: Mapping[str, Any]) -> tuple[str, int | None]:
    """The address a place form was for, and the account picked (None if none was)."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    return str(metadata.get("address") or ""), account_of(dict(view))
