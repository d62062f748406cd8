"""Block Kit for account plans, goals and the portfolio's request gaps.

Pure functions from core's read models (:mod:`core.views.plan`,
:mod:`core.views.requests`) to ``slack_sdk.models`` blocks; every piece of text a
person typed is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, PlainTextObject, StaticSelectElement
from slack_sdk.models.views import View

from core.models import Goal, RequestOutcome
from core.scoring.display import goal_status, goal_value
from core.views.plan import AccountPlan, ActionLine, Measure
from core.views.requests import Gap, RequestRow
from kambot import ids
from kambot.blocks import (
    SECTION_TEXT_LIMIT,
    command_on,
    context,
    escape,
    form_view,
    header,
    list_sections,
    option,
    run_button,
    safe,
    section,
    text_field,
    within_message_limit,
)

LINE = 300
"""How much of one typed line (an action, a risk) a plan shows."""
DONE_BUTTONS = 10
"""How many open actions a plan shows with their own "Done" button."""


def _measure(m: Measure) -> str:
    against = f" of {goal_value(m.target, m.unit)}" if m.target is not None else ""
    status = f" ({goal_status(m.status)})" if m.status else ""
    return f"{m.label}: *{goal_value(m.actual, m.unit)}*{against}{status}"


def _action(a: ActionLine) -> str:
    what = safe(a.what, LINE)
    when = "done" if a.done_at else f"due {a.due_on:%d %b}{', late' if a.overdue else ''}"
    shown = f"~{what}~" if a.done_at else what
    return f"• {a.id}: {shown} ({escape(a.owner or 'no owner')}, {when})"


def _plan_buttons(account: str) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            run_button("Add an objective", "objective", command_on("objective", account)),
            run_button("Add an action", "action", command_on("action", account)),
            run_button("Add a risk", "risk", command_on("risk", account)),
            run_button("Record a review", "review", command_on("review", account)),
        ]
    )


def _action_blocks(plan: AccountPlan) -> list[Block]:
    """The first open actions each with its "Done" button, then the other open ones and the
    done ones as lines (so that a long plan still shows its risks and scorecard)."""
    open_ones = [a for a in plan.actions if not a.done_at]
    buttoned, rest = open_ones[:DONE_BUTTONS], open_ones[DONE_BUTTONS:]
    blocks: list[Block] = [
        section(
            _action(a),
            accessory=run_button(
                "Done", f"done:{a.id}", command_on("plan done", plan.account, str(a.id))
            ),
        )
        for a in buttoned
    ]
    lines = [_action(a) for a in rest]
    if rest:
        lines.append(f"_Mark these done with_ `/kam plan done {escape(plan.account)} ID`.")
    return blocks + list_sections([*lines, *(_action(a) for a in plan.actions if a.done_at)])


def plan_blocks(plan: AccountPlan) -> list[Block]:
    """An account's plan: objectives, actions, buying centre, risks, last review, scorecard;
    with buttons to add to it and to mark an action done."""
    blocks: list[Block] = [header(f"Account plan: {plan.account} ({plan.tier})")]
    if not plan.has_plan:
        blocks.append(section("No plan yet: add objectives, actions and risks to it."))
    blocks.append(_plan_buttons(plan.account))
    parts: list[tuple[str, Sequence[Block]]] = [
        (
            "Objectives",
            list_sections(
                [f"• {_measure(o.measure)}, by {o.due_on:%d %b %Y}" for o in plan.objectives]
            ),
        ),
        ("Actions", _action_blocks(plan)),
        (
            "Buying centre",
            list_sections(
                [
                    f"• {safe(c.name, LINE)}: {escape(c.role or c.title or 'role not known')}"
                    for c in plan.buying_centre
                ]
            ),
        ),
        (
            "Risks",
            list_sections(
                [
                    f"• {safe(r.what, LINE)}"
                    + (f" (mitigation: {safe(r.mitigation, LINE)})" if r.mitigation else "")
                    for r in plan.risks
                ]
            ),
        ),
    ]
    for title, part in parts:
        if part:
            blocks.append(section(f"*{title}*"))
            blocks.extend(part)
    review = plan.last_review
    blocks.append(
        context(
            f"Last review: {review.held_on:%d %b %Y} with {safe(review.participants, LINE)}"
            if review
            else "No review recorded yet."
        )
    )
    card = "\n".join(f"• {_measure(m)}" for m in plan.scorecard)
    blocks.append(section(f"*Scorecard*\n{card}"[:SECTION_TEXT_LIMIT]))
    return within_message_limit(blocks)


def review_modal(*, account_id: int, account_name: str, response_url: str | None) -> View:
    """The form behind `/kam review ACCOUNT`: who took part, progress, notes, next actions."""
    blocks: list[Block] = [
        section(f"*Account:* {safe(account_name, 200)}"),
        text_field(ids.REVIEW_WITH, "Who took part", optional=False, max_length=1000),
        text_field(ids.REVIEW_ON, "Held", hint='Leave empty for today, or e.g. "last tuesday".'),
        text_field(ids.REVIEW_PROGRESS, "How the plan stands", multiline=True),
        text_field(ids.REVIEW_NOTES, "Notes", multiline=True),
        text_field(ids.REVIEW_NEXT, "Next actions", multiline=True),
    ]
    metadata = {"account_id": account_id, "response_url": response_url}
    return form_view(
        ids.REVIEW_MODAL, "Account review", blocks, metadata=metadata, submit="Record it"
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


def _outcome_menu(row: RequestRow) -> StaticSelectElement:
    """A request's outcome, as a menu that records another."""
    choices = [
        option(o.value.capitalize(), f"request outcome {row.id} {o.value}") for o in RequestOutcome
    ]
    now = next((c for c in choices if c.value.endswith(f" {row.outcome}")), None)
    return StaticSelectElement(
        action_id=f"{ids.RUN}:outcome:{row.id}",
        placeholder=PlainTextObject(text="Outcome"),
        options=choices,
        initial_option=now,
    )


def request_blocks(rows: Sequence[RequestRow], title: str) -> list[Block]:
    """Requests, newest first, each with a menu to record what became of it."""
    if not rows:
        return [section("No requests logged yet: `/kam request ACCOUNT` opens the form.")]
    blocks: list[Block] = [header(title)]
    for r in rows:
        offered = f"; offered: {safe(r.alternatives, LINE)}" if r.alternatives else ""
        line = f"• {r.id}: *{safe(r.what, LINE)}* ({safe(r.account, 100)}, {r.at:%d %b}){offered}"
        blocks.append(section(line, accessory=_outcome_menu(r)))
    return within_message_limit(blocks)


def goal_blocks(goals: Sequence[Goal]) -> list[Block]:
    """Every goal, each with a button to change it, and one to set another."""
    blocks: list[Block] = [
        section("*Goals* (`/kam portfolio` shows how each stands)"),
        ActionsBlock(elements=[run_button("Set a goal", "goal-add", "goal add")]),
    ]
    for g in goals:
        whose = f"{g.scope} {g.scope_ref}" if g.scope_ref else "everyone"
        line = f"• {g.id}: {escape(g.metric)} {g.target:g} for {escape(whose)}, {escape(g.period)}"
        change = run_button("Change", f"goal:{g.id}", f"goal edit {g.id}")
        blocks.append(section(line, accessory=change))
    if not goals:
        blocks.append(section("No goals yet."))
    return within_message_limit(blocks)
