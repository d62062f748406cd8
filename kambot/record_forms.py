"""The forms that record things about an account: build them, read them back.

The contact and profile forms (`/kam contact add`, `/kam account set`) name each input's
block after the field the core reads (``title``, ``relationship_stage``…), so a
submission is the mapping of typed text that :func:`core.services.contacts.read_contact`
and :func:`core.services.profile.read_profile` take, and a refusal is shown under the
form by Slack (``response_action: errors``). The request, plan and goal forms use the
ids in :mod:`kambot.ids` and are read by :mod:`kambot.listeners.views`, through the
same core services as the subcommands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    Option,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from core.models import BuyingRole, Goal, GoalScope, RequestOutcome
from core.scoring.goals import METRICS
from core.services.profile import PROFILE
from core.views.card import AccountCard
from kambot import ids
from kambot.blocks import form_input, form_view, option, safe, section, text_field
from kambot.pickers import account_of, account_picker

LONG = ("customer_values", "difficulties", "buying_process", "other_suppliers", "strategic_plans")


def _modal(callback_id: str, title: str, account_id: int, blocks: list[Block]) -> View:
    return form_view(callback_id, title, blocks, metadata={"account_id": account_id})


def _text(name: str, label: str, *, initial: object = None, multiline: bool = False) -> Block:
    return text_field((name, name), label, initial=initial, multiline=multiline)


def contact_modal(account_id: int, account_name: str) -> View:
    """The form to add a contact to one account."""
    roles: list[Option] = [option(r.value.replace("_", " "), r.value) for r in BuyingRole]
    blocks: list[Block] = [
        section(f"*Account:* {safe(account_name, 200)}"),
        text_field(("name", "name"), "Name", optional=False, max_length=200),
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
    return form_view(ids.PLACE_MODAL, "Make a contact", blocks, metadata={"address": address})


def place_submitted(view: Mapping[str, Any]) -> tuple[str, int | None]:
    """The address a place form was for, and the account picked (None if none was)."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    return str(metadata.get("address") or ""), account_of(dict(view))


# --- requests, plans and goals ---------------------------------------------------------


def _choices(values: Mapping[str, str]) -> list[Option]:
    return [option(label, value) for value, label in values.items()]


def _select(
    field: tuple[str, str], label: str, choices: Mapping[str, str], initial: str | None
) -> Block:
    """A required menu of ``choices`` (value: label), ``initial`` chosen."""
    return form_input(
        field,
        label,
        StaticSelectElement,
        options=_choices(choices),
        initial_option=(
            option(choices[initial], initial)
            if initial is not None and initial in choices
            else None
        ),
    )


METRIC_CHOICES = {key: f"{metric.label} ({key})" for key, (metric, _) in METRICS.items()}
OUTCOME_CHOICES = {o.value: o.value.capitalize() for o in RequestOutcome}
SCOPE_CHOICES = {s.value: s.value.capitalize() for s in GoalScope}
DUE_HINT = 'A day: 2026-06-30, "next friday", "in 3 weeks".'
TARGET_HINT = "4.5, 1,200,000 or 95%."


def _on_account(
    callback_id: str,
    title: str,
    account: tuple[int, str],
    response_url: str | None,
    inputs: Sequence[Block],
) -> View:
    """A form that records one thing about ``account`` (id, name), confirmed where it was
    opened from (``response_url``)."""
    account_id, name = account
    metadata: dict[str, Any] = {"account_id": account_id, "response_url": response_url}
    blocks: list[Block] = [section(f"*Account:* {safe(name, 200)}"), *inputs]
    return form_view(callback_id, title, blocks, metadata=metadata)


def request_modal(account: tuple[int, str], response_url: str | None) -> View:
    """Log a request for something we do not offer: what, the alternatives, the outcome."""
    outcome = _select(ids.REQUEST_OUTCOME, "Outcome", OUTCOME_CHOICES, RequestOutcome.OPEN)
    inputs = [
        _required(ids.REQUEST_WHAT, "What they asked for"),
        text_field(ids.REQUEST_ALTERNATIVES, "Alternatives we offered", multiline=True),
        outcome,
    ]
    return _on_account(ids.REQUEST_MODAL, "Log a request", account, response_url, inputs)


def objective_modal(account: tuple[int, str], response_url: str | None) -> View:
    """Add an objective to the plan: a metric kam measures, its target, its due day."""
    metric = _select(ids.OBJECTIVE_METRIC, "Metric", METRIC_CHOICES, None)
    target = text_field(ids.OBJECTIVE_TARGET, "Target", optional=False, hint=TARGET_HINT)
    inputs = [metric, target, _due(ids.OBJECTIVE_DUE)]
    return _on_account(ids.OBJECTIVE_MODAL, "Add an objective", account, response_url, inputs)


def action_modal(account: tuple[int, str], response_url: str | None, *, owner: str) -> View:
    """Add an action to the plan: what, who does it (``owner``, a Slack user, by default),
    by when."""
    who = form_input(ids.ACTION_OWNER, "Who does it", UserSelectElement, initial_user=owner)
    inputs = [_required(ids.ACTION_WHAT, "What is to be done"), who, _due(ids.ACTION_DUE)]
    return _on_account(ids.ACTION_MODAL, "Add an action", account, response_url, inputs)


def risk_modal(account: tuple[int, str], response_url: str | None) -> View:
    """Add a risk to the plan, and what is done about it."""
    mitigation = text_field(ids.RISK_MITIGATION, "What is done about it", multiline=True)
    inputs = [_required(ids.RISK_WHAT, "What could go wrong"), mitigation]
    return _on_account(ids.RISK_MODAL, "Add a risk", account, response_url, inputs)


def _required(field: tuple[str, str], label: str) -> Block:
    """A line of text the form needs (what was asked for, what is to be done…)."""
    return text_field(field, label, optional=False, max_length=1000)


def _due(field: tuple[str, str]) -> Block:
    return text_field(field, "Due", optional=False, hint=DUE_HINT)


def goal_modal(response_url: str | None, goal: Goal | None = None) -> View:
    """Set a goal, or change ``goal`` (the form filled in with it)."""
    metadata: dict[str, Any] = {"response_url": response_url}
    if goal is not None:
        metadata["goal_id"] = goal.id
    blocks: list[Block] = [
        _select(ids.GOAL_METRIC, "Metric", METRIC_CHOICES, goal.metric if goal else None),
        text_field(
            ids.GOAL_TARGET,
            "Target",
            optional=False,
            initial=f"{goal.target:g}" if goal else None,
            hint=TARGET_HINT,
        ),
        _select(ids.GOAL_SCOPE, "For", SCOPE_CHOICES, str(goal.scope) if goal else "team"),
        text_field(
            ids.GOAL_OF,
            "Which team, tier or account",
            initial=goal.scope_ref if goal else None,
            hint="Empty for the whole team; a tier (key) or an account's name.",
            max_length=200,
        ),
        text_field(
            ids.GOAL_PERIOD,
            "Period",
            optional=False,
            initial=goal.period if goal else "12m",
            hint="2026, 2026-Q2, 2026-05 or 12m.",
            max_length=32,
        ),
    ]
    title = "Change a goal" if goal is not None else "Set a goal"
    return form_view(ids.GOAL_MODAL, title, blocks, metadata=metadata)
