"""The log form once it is submitted: saving, back with a problem under its field, or logged.

kam acks a submission before it looks anything up (Slack allows 3 seconds, and a
busy database or a users.info call can take longer), and Slack shows a form's
field errors only in that ack. So the ack shows the form again as it was
filled in, marked as saving; then ``views.update`` replaces it with what was
logged, or with the form as it was filled in and the problem shown under the
input it concerns, ready to be fixed and submitted again.

Pure functions from the submitted view (as Slack sends it back) to
``slack_sdk`` views, so the SDK checks Block Kit's limits.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, PlainTextObject
from slack_sdk.models.views import View

from kambot import blocks as kb

STATUS_BLOCK = "kam_log_status"
PROBLEM_BLOCK = "kam_log_problem"
PROBLEM_LIMIT = 2000
SAVING = ":hourglass_flowing_sand: Saving…"


def saving(view: Mapping[str, Any]) -> View:
    """The submitted form as it was filled in, marked as being saved."""
    return _again(view, note=_note(STATUS_BLOCK, SAVING), under=None)


def with_problem(view: Mapping[str, Any], block_id: str, message: str) -> View:
    """The submitted form as it was filled in, with ``message`` under the input ``block_id``
    (at the top when the form has no such input)."""
    note = _note(PROBLEM_BLOCK, f":warning: {kb.safe(message, PROBLEM_LIMIT)}")
    return _again(view, note=note, under=block_id)


def logged(account: str, kind: str, when: str, summary: str) -> View:
    """The form replaced by what was logged."""
    return View(
        type="modal",
        title=PlainTextObject(text="Logged"),
        close=PlainTextObject(text="Done"),
        blocks=kb.logged_blocks(account, kind, when, summary),
    )


def _note(block_id: str, text: str) -> ContextBlock:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=text)])


def _again(view: Mapping[str, Any], *, note: Block, under: str | None) -> View:
    """The form rebuilt from its submission, with ``note`` under ``under`` (else on top)."""
    values = (view.get("state") or {}).get("values") or {}
    rebuilt: list[Block | dict[str, Any]] = []
    placed = False
    for block in view.get("blocks") or []:
        block_id = block.get("block_id")
        if block_id in (STATUS_BLOCK, PROBLEM_BLOCK):
            continue  # a note from an earlier round
        if block.get("type") == "input":
            block = _as_filled_in(block, values.get(block_id) or {})
        rebuilt.append(block)
        if under is not None and block_id == under:
            rebuilt.append(note)
            placed = True
    if not placed:
        rebuilt.insert(0, note)
    return View(
        type="modal",
        callback_id=view.get("callback_id"),
        title=view.get("title"),
        submit=view.get("submit"),
        close=view.get("close"),
        private_metadata=view.get("private_metadata"),
        blocks=rebuilt,
    )


_KEPT = {
    "plain_text_input": ("value", "initial_value"),
    "external_select": ("selected_option", "initial_option"),
    "users_select": ("selected_user", "initial_user"),
}
"""Per input element: where Slack's state has what was entered, and where a view shows it."""


def _as_filled_in(block: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """An input block whose initial value is what the person entered in it."""
    out = copy.deepcopy(dict(block))
    element = out.get("element") or {}
    if element.get("action_id") not in state:
        return out  # Slack sent no state for it: leave it as it was shown
    entered = state[element["action_id"]] or {}
    kind = element.get("type")
    if kind in _KEPT:
        given, initial = _KEPT[kind]
        shown = entered.get(given)
    elif kind in ("static_select", "radio_buttons"):
        chosen = (entered.get("selected_option") or {}).get("value")
        initial = "initial_option"
        shown = next((o for o in element.get("options") or [] if o.get("value") == chosen), None)
    else:
        return out
    if shown:
        element[initial] = shown
    else:
        element.pop(initial, None)
    return out
