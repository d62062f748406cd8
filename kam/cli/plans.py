"""Requests, goals, account plans and reviews from the shell: thin calls into core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from core import audit
from core.models import (
    CustomerRequestCreate,
    GoalCreate,
    GoalScope,
    GoalUpdate,
    PlanAction,
    PlanActionCreate,
    PlanObjectiveCreate,
    PlanRiskCreate,
    RequestOutcome,
    ReviewCreate,
)
from core.results import JsonResult
from core.scoring.display import goal_status, goal_value
from core.services import goals, plans, requests, reviews
from core.services.accounts import find_account
from core.validation import choice
from core.views.plan import AccountPlan, Measure, account_plan
from core.views.requests import request_gaps, request_rows
from kam.cli.context import (
    AccountArgument,
    AsOption,
    Common,
    DbOption,
    JsonOption,
    acting,
    console,
    day_option,
    emit_json,
    on_account,
    one_of,
    session,
    writes,
)

request_app = typer.Typer(help="What customers ask for that we do not offer.", no_args_is_help=True)
goal_app = typer.Typer(help="Goals at team, tier or account scope.", no_args_is_help=True)
plan_app = typer.Typer(help="Account plans of strategic and key accounts.", no_args_is_help=True)
review_app = typer.Typer(help="Quarterly account reviews.", no_args_is_help=True)

AlternativesOption = Annotated[
    str | None, typer.Option("--alternatives", help="What we offered instead.")
]
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="Its id, as the listing shows it.")]
TargetArgument = Annotated[str, typer.Argument(help="The target: 4.5, 1,200,000 or 95%.")]
DueOption = Annotated[
    str, typer.Option("--due", metavar="DAY", help='By when: 2026-06-30, "friday", "in 3 weeks".')
]


def due_day(text: str) -> date:
    """``--due`` as a calendar day (a future one when the words leave it open)."""
    day = day_option(text)
    assert day is not None
    return day


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else escape(str(v)) for v in row))
    console.print(table)


def _listing(items: Sequence[JsonResult], as_json: bool) -> bool:
    """Print ``items`` as JSON when asked; whether that was done."""
    if as_json:
        emit_json([i.as_json() for i in items])
    return as_json


# requests ---------------------------------------------------------------------------------


@request_app.command("add")
@writes
def request_add(
    account: AccountArgument,
    what: Annotated[str, typer.Argument(help="What they asked for that we do not offer.")],
    alternatives: AlternativesOption = None,
    outcome: Annotated[str, typer.Option("--outcome", help=one_of(RequestOutcome))] = "open",
    *,
    common: Common,
) -> None:
    """Log a customer's request for something we do not offer, and the alternatives."""
    chosen = choice(outcome, RequestOutcome, "outcome") or RequestOutcome.OPEN
    asked = CustomerRequestCreate(what=what, alternatives=alternatives, outcome=chosen)
    with common.on(account) as on:
        stored = on.write(requests.add_request, asked)
        common.said(stored, f"Logged request {stored.id} from {on.account.name}: {stored.what}.")


@request_app.command("list")
def request_list(
    account: Annotated[str | None, typer.Argument(help="One account; none: every account.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The newest requests, of one account or all."""
    with session(db) as s:
        target = find_account(account, session=s) if account else None
        rows = request_rows(session=s, account=target)
    if not _listing(rows, as_json):
        _table(
            f"{len(rows)} requests",
            ("Id", "Account", "Asked for", "Alternatives", "Outcome", "When"),
            [
                (r.id, r.account, r.what, r.alternatives, r.outcome, f"{r.at:%Y-%m-%d}")
                for r in rows
            ],
        )


@request_app.command("gaps")
def request_gaps_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """What customers ask for most that we do not offer, across the portfolio."""
    with session(db) as s:
        gaps = request_gaps(session=s)
    if not _listing(gaps, as_json):
        _table(
            "Gaps, most asked for first",
            ("Asked for", "Times", "Accounts", "Open", "Took alternative", "Lost", "Last"),
            [
                (
                    g.what,
                    g.asked,
                    g.accounts,
                    g.open,
                    g.alternative,
                    g.lost,
                    f"{g.last_asked:%Y-%m-%d}",
                )
                for g in gaps
            ],
        )


@request_app.command("outcome")
@writes
def request_outcome(
    request_id: IdArgument,
    outcome: Annotated[str, typer.Argument(help=one_of(RequestOutcome))],
    alternatives: AlternativesOption = None,
    *,
    common: Common,
) -> None:
    """Record what became of a request."""
    chosen = choice(outcome, RequestOutcome, "outcome") or RequestOutcome.OPEN
    with common.acting() as (s, actor):
        found = requests.get_request(request_id, session=s)
        stored = requests.set_outcome(
            found, chosen, session=s, actor=actor, alternatives=alternatives
        )
        common.said(stored, f"Request {stored.id} is now {chosen.value}.")


# goals ------------------------------------------------------------------------------------

ScopeOption = Annotated[
    str | None, typer.Option("--scope", help="team (the default), tier or account.")
]
OfOption = Annotated[
    str | None,
    typer.Option("--of", metavar="REF", help="The team's name, the tier, or the account."),
]
_PERIOD = typer.Option("--period", help="2026, 2026-Q2, 2026-05 or 12m.")
PeriodOption = Annotated[str | None, _PERIOD]


@goal_app.command("add")
@writes
def goal_add(
    metric: Annotated[str, typer.Argument(help="A metric kam measures: csat, nps, revenue…")],
    target: TargetArgument,
    scope: ScopeOption = None,
    of: OfOption = None,
    period: Annotated[str, _PERIOD] = "12m",
    *,
    common: Common,
) -> None:
    """Set a goal; `kam portfolio` shows it against the actual."""
    chosen = choice(scope, GoalScope, "scope") or GoalScope.TEAM
    aim = GoalCreate(
        metric=metric, target=goals.read_target(target), scope=chosen, scope_ref=of, period=period
    )
    with common.acting() as (s, actor):
        stored = goals.add_goal(aim, session=s, actor=actor)
        whose = f"{chosen.value} {stored.scope_ref}" if stored.scope_ref else "everyone"
        common.said(stored, f"Set goal {stored.id}: {stored.metric} {stored.target:g} "
              f"for {whose}, {stored.period}.")  # fmt: skip


@goal_app.command("list")
def goal_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every goal, in the order they were set (`kam portfolio` shows their progress)."""
    with session(db) as s:
        rows = [audit.as_json(g) for g in goals.list_goals(session=s)]
    if as_json:
        emit_json(rows)
        return
    _table(
        f"{len(rows)} goals",
        ("Id", "Metric", "Target", "Scope", "Of", "Period"),
        [
            (r["id"], r["metric"], f"{r['target']:g}", r["scope"], r["scope_ref"], r["period"])
            for r in rows
            if r is not None
        ],
    )


@goal_app.command("edit")
@writes
def goal_edit(
    goal_id: IdArgument,
    metric: Annotated[str | None, typer.Option("--metric")] = None,
    target: Annotated[str | None, typer.Option("--target")] = None,
    of: OfOption = None,
    period: PeriodOption = None,
    *,
    common: Common,
) -> None:
    """Change a goal's metric, target, scope reference or period."""
    given: dict[str, Any] = {"metric": metric, "scope_ref": of, "period": period}
    if target is not None:
        given["target"] = goals.read_target(target)
    changes = GoalUpdate(**{k: v for k, v in given.items() if v is not None})
    with common.acting() as (s, actor):
        found = goals.get_goal(goal_id, session=s)
        stored = goals.edit_goal(found, changes, session=s, actor=actor)
        common.said(stored, f"Goal {stored.id} is now {stored.metric} {stored.target:g}, "
              f"{stored.period}.")  # fmt: skip


@goal_app.command("remove")
def goal_remove(goal_id: IdArgument, as_user: AsOption = None, db: DbOption = None) -> None:
    """Remove a goal (the audit trail keeps it)."""
    with session(db) as s:
        found = goals.get_goal(goal_id, session=s)
        goals.remove_goal(found, session=s, actor=acting(as_user, session=s))
    typer.echo(f"Removed goal {goal_id}.")


# plans ------------------------------------------------------------------------------------


def _measure(m: Measure) -> tuple[str, str, str, str]:
    status = goal_status(m.status) if m.status else ""
    return m.label, goal_value(m.actual, m.unit), goal_value(m.target, m.unit), status


def print_plan(plan: AccountPlan) -> None:
    """The plan as the terminal shows it: one table per part."""
    console.print(f"[bold]{escape(plan.account)}[/] ({plan.tier}): account plan")
    if not plan.has_plan:
        console.print("No plan yet: `kam plan objective`, `kam plan action`, `kam plan risk`.")
    _table(
        "Objectives",
        ("Id", "Objective", "Actual", "Target", "Due", "Status"),
        [
            (o.id, *_measure(o.measure)[:3], o.due_on, _measure(o.measure)[3])
            for o in plan.objectives
        ],
    )
    _table(
        "Actions",
        ("Id", "Action", "Owner", "Due", "Done"),
        [
            (a.id, a.what, a.owner, f"{a.due_on}{' (late)' if a.overdue else ''}",
             f"{a.done_at:%Y-%m-%d}" if a.done_at else "")
            for a in plan.actions
        ],
    )  # fmt: skip
    _table(
        "Buying centre",
        ("Name", "Role", "Title", "E-mail"),
        [(c.name, c.role, c.title, c.email) for c in plan.buying_centre],
    )
    _table(
        "Risks", ("Id", "Risk", "Mitigation"), [(r.id, r.what, r.mitigation) for r in plan.risks]
    )
    review = plan.last_review
    console.print(
        f"Last review: {review.held_on} with {escape(review.participants)}"
        if review
        else "Last review: none recorded (`kam review add`)."
    )
    _table(
        "Scorecard",
        ("Indicator", "Actual", "Target", "Status"),
        [_measure(m) for m in plan.scorecard],
    )


@plan_app.command("show")
def plan_show(account: AccountArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """An account's plan: objectives, actions, buying centre, risks, last review, scorecard."""
    with session(db) as s:
        plan = account_plan(find_account(account, session=s), session=s)
    if as_json:
        emit_json(plan.as_json())
    else:
        print_plan(plan)


@plan_app.command("objective")
@writes
def plan_objective(
    account: AccountArgument,
    metric: Annotated[str, typer.Argument(help="A metric kam measures: csat, cadence_kept…")],
    target: TargetArgument,
    due: DueOption,
    *,
    common: Common,
) -> None:
    """Add an objective to the plan: a metric, its target, the day it is due."""
    aim = PlanObjectiveCreate(metric=metric, target=goals.read_target(target), due_on=due_day(due))
    with common.on(account) as on:
        stored = on.write(plans.add_objective, aim)
        common.said(stored, f"Objective {stored.id} for {on.account.name}: "
              f"{stored.metric} {stored.target:g} by {stored.due_on}.")  # fmt: skip


@plan_app.command("action")
@writes
def plan_action(
    account: AccountArgument,
    what: Annotated[str, typer.Argument(help="What is to be done.")],
    due: DueOption,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="EMAIL", help="Who does it (default: you).")
    ] = None,
    *,
    common: Common,
) -> None:
    """Add an action to the plan: what, who, by when."""
    step = PlanActionCreate(what=what, due_on=due_day(due))
    with common.on(account) as on:
        stored = on.write(plans.add_action, step, owner_email=owner)
        common.said(stored, f"Action {stored.id} for {on.account.name}, due {stored.due_on}.")


@plan_app.command("risk")
@writes
def plan_risk(
    account: AccountArgument,
    what: Annotated[str, typer.Argument(help="What could go wrong.")],
    mitigation: Annotated[
        str | None, typer.Option("--mitigation", help="What is done about it.")
    ] = None,
    *,
    common: Common,
) -> None:
    """Add a risk, and its mitigation, to the plan."""
    danger = PlanRiskCreate(what=what, mitigation=mitigation)
    with common.on(account) as on:
        stored = on.write(plans.add_risk, danger)
        common.said(stored, f"Risk {stored.id} for {on.account.name}: {stored.what}.")


@plan_app.command("done")
@writes
def plan_done(
    account: AccountArgument,
    action_id: IdArgument,
    *,
    common: Common,
) -> None:
    """Mark one of the plan's actions done."""
    with common.on(account) as on:
        step = plans.get_part("action", action_id, account=on.account, session=on.session)
        assert isinstance(step, PlanAction)
        stored = plans.complete_action(step, session=on.session, actor=on.actor)
        common.said(stored, f"Action {stored.id} for {on.account.name} is done.")


@plan_app.command("remove")
def plan_remove(
    account: AccountArgument,
    part: Annotated[str, typer.Argument(help="objective, action or risk.")],
    part_id: IdArgument,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Take an objective, action or risk out of the plan (the audit trail keeps it)."""
    with on_account(db, account, as_user) as on:
        row = plans.get_part(part.strip().lower(), part_id, account=on.account, session=on.session)
        plans.remove_part(row, session=on.session, actor=on.actor)
    typer.echo(f"Removed {part} {part_id} from {on.account.name}'s plan.")


# reviews ----------------------------------------------------------------------------------


@review_app.command("add")
@writes
def review_add(
    account: AccountArgument,
    participants: Annotated[
        str, typer.Option("--with", metavar="WHO", help="Who took part, ours and theirs.")
    ],
    held_on: Annotated[
        str | None, typer.Option("--on", metavar="DAY", help="When it was held (default: today).")
    ] = None,
    progress: Annotated[str | None, typer.Option("--progress", help="How the plan stands.")] = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    next_actions: Annotated[str | None, typer.Option("--next", help="What comes next.")] = None,
    *,
    common: Common,
) -> None:
    """Record a quarterly review; it resolves the account-review reminder."""
    held = day_option(held_on, prefer="past")
    given: dict[str, Any] = {"held_on": held} if held else {}
    review = ReviewCreate(
        participants=participants,
        progress=progress,
        notes=notes,
        next_actions=next_actions,
        **given,
    )
    with common.on(account) as on:
        stored = on.write(reviews.record_review, review)
        common.said(stored, f"Recorded the review of {on.account.name} held {stored.held_on}.")


@review_app.command("list")
def review_list(account: AccountArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """An account's latest reviews, newest first."""
    with session(db) as s:
        target = find_account(account, session=s)
        rows = [audit.as_json(r) for r in reviews.reviews_of(target, session=s)]
    if as_json:
        emit_json(rows)
        return
    _table(
        f"Reviews of {target.name}",
        ("Held", "With", "Progress", "Next"),
        [(r["held_on"], r["participants"], r["progress"], r["next_actions"]) for r in rows if r],
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.add_typer(request_app, name="request")
    app.add_typer(goal_app, name="goal")
    app.add_typer(plan_app, name="plan")
    app.add_typer(review_app, name="review")
