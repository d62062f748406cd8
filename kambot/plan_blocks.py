"""Block Kit for account plans, goals and the portfolio's request gaps.

Pure functions from core's read models (:mod:`core.views.plan`,
:mod:`core.views.requests`) to ``slack_sdk.models`` blocks; every piece of text a
person typed is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from core.scoring.display import goal_status, goal_value
from core.views.plan import AccountPlan, ActionLine, Measure
from core.views.requests import Gap
from kambot import ids
from kambot.blocks import (
    SECTION_TEXT_LIMIT,
    context,
    escape,
    form_input,
    header,
    list_sections,
    safe,
    section,
    within_message_limit,
)

LINE = 300
"""How much of one typed line (an action, a risk) a plan shows."""


def _measure(m: Measure) -> str:
    against = f" of {goal_value(m.target, m.unit)}" if m.target is not None else ""
    status = f" ({goal_status(m.status)})" if m.status else ""
    return f"{m.label}: *{goal_value(m.actual, m.unit)}*{against}{status}"


def _action(a: ActionLine) -> str:
    what = safe(a.what, LINE)
    when = "done" if a.done_at else f"due {a.due_on:%d %b}{', late' if a.overdue else ''}"
    return f"• {f'~{what}~' if a.done_at else what} ({escape(a.owner or 'no owner')}, {when})"


def plan_blocks(plan: AccountPlan) -> list[Block]:
    """An account's plan: objectives, actions, buying centre, risks, last review, scorecard."""
    blocks: list[Block] = [header(f"Account plan: {plan.account} ({plan.tier})")]
    if not plan.has_plan:
        blocks.append(
            section("No plan yet. Add to it with `/kam objective`, `/kam action` and `/kam risk`.")
        )
    parts: list[tuple[str, list[str]]] = [
        (
            "Objectives",
            [f"• {_measure(o.measure)}, by {o.due_on:%d %b %Y}" for o in plan.objectives],
        ),
        (
            "Actions",
            [_action(a) for a in plan.actions],
        ),
        (
            "Buying centre",
            [
                f"• {safe(c.name, LINE)}: {escape(c.role or c.title or 'role not known')}"
                for c in plan.buying_centre
            ],
        ),
        (
            "Risks",
            [
                f"• {safe(r.what, LINE)}"
                + (f" (mitigation: {safe(r.mitigation, LINE)})" if r.mitigation else "")
                for r in plan.risks
            ],
        ),
    ]
    for title, lines in parts:
        if lines:
            blocks.append(section(f"*{title}*"))
            blocks.extend(list_sections(lines))
    review = plan.last_review
    blocks.append(
        context(
            f"Last review: {review.held_on:%d %b %Y} with {safe(review.participants, LINE)}"
            if review
            else "No review recorded yet: `/kam review`."
        )
    )
    card = "\n".join(f"• {_measure(m)}" for m in plan.scorecard)
    blocks.append(section(f"*Scorecard*\n{card}"[:SECTION_TEXT_LIMIT]))
    return within_message_limit(blocks)


def review_modal(*, account_id: int, account_name: str, response_url: str | None) -> View:
    """The form behind `/kam review ACCOUNT`: who took part, progress, notes, next actions."""

    def text(field: tuple[str, str], label: str, *, optional: bool = True, **more: Any) -> Block:
        return form_input(field, label, PlainTextInputElement, optional=optional, **more)

    metadata = {"account_id": account_id, "response_url": response_url}
    return View(
        type="modal",
        callback_id=ids.REVIEW_MODAL,
        title=PlainTextObject(text="Account review"),
        submit=PlainTextObject(text="Record it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata, separators=(",", ":")),
        blocks=[
            section(f"*Account:* {safe(account_name, 200)}"),
            text(ids.REVIEW_WITH, "Who took part", optional=False, max_length=1000),
            text(ids.REVIEW_ON, "Held", hint='Leave empty for today, or e.g. "last tuesday".'),
            text(ids.REVIEW_PROGRESS, "How the plan stands", multiline=True, max_length=3000),
            text(ids.REVIEW_NOTES, "Notes", multiline=True, max_length=3000),
            text(ids.REVIEW_NEXT, "Next actions", multiline=True, max_length=3000),
        ],
    )


def recorded_view(message: str) -> View:
    """The review form replaced by what was recorded."""
    return View(
        type="modal",
        title=PlainTextObject(text="Recorded"),
        close=PlainTextObject(text="Done"),
        blocks=[section(f":clipboard: {escape(message)}")],
    )


def gap_blocks(gaps: Sequence[Gap]) -> list[Block]:
    """What customers ask for most that we do not offer."""
    if not gaps:
        return [section("No requests logged yet: `/kam request ACCOUNT: WHAT`.")]
    lines = [
        f"• {safe(g.what, LINE)}: asked {g.asked}× by {g.accounts} account(s); "
        f"{g.alternative} took an alternative, {g.lost} went elsewhere"
        for g in gaps
    ]
    return within_message_limit(
        [header("Gaps: what customers ask for that we do not offer"), *list_sections(lines)]
    )
