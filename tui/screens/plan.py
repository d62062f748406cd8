"""An account's plan: objectives against actuals, actions, buying centre, risks, the last
review and the scorecard, with the forms that add to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.table import Column, Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from core.scoring.display import goal_status, goal_value
from core.views.plan import AccountPlan, Measure
from tui.screens.forms import ACTION_DONE, PLAN_FORMS, Opening
from tui.screens.working import WorkingScreen
from tui.service import PortfolioService


class PlanScreen(WorkingScreen):
    """A strategic or key account's plan, and the forms to write it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        *(Binding(f.key, f"form('{name}')", f.short) for name, f in PLAN_FORMS.items()),
        Binding("x", "done", "Done"),
    ]

    @dataclass
    class PlanLoaded(Message):
        """The account's plan was read."""

        plan: AccountPlan

    def __init__(self, service: PortfolioService, account_id: int, account_name: str) -> None:
        super().__init__(service)
        self.account_id = account_id
        self.account_name = account_name
        self.plan: AccountPlan | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="plan"):
            yield Static("Reading the plan…", id="plan-parts")
            yield Static(id="scorecard", classes="section")

    def on_mount(self) -> None:
        self.sub_title = f"Plan · {self.account_name}"
        self.query_one("#plan").focus()
        self.load_plan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="plan")
    def load_plan(self) -> None:
        """Read the plan (and measure its actuals) in a thread."""
        self.deliver(self.PlanLoaded(self.service.account_plan(self.account_id)))

    def on_plan_screen_plan_loaded(self, message: PlanLoaded) -> None:
        self.plan = message.plan
        self.query_one("#plan-parts", Static).update(_parts(message.plan))
        self.query_one("#scorecard", Static).update(_scorecard(message.plan))

    def action_form(self, name: str) -> None:
        """Open one of the plan's forms; a save reads the plan again."""
        opening = Opening(self.account_name, self.account_id)
        self.open_form(PLAN_FORMS[name].form, opening, self.load_plan)

    def action_done(self) -> None:
        """Mark one of the plan's open actions done."""
        if self.plan is not None:
            open_actions = [
                (f"{a.due_on:%Y-%m-%d} {a.what}", str(a.id))
                for a in self.plan.actions
                if not a.done_at
            ]
            opening = Opening(self.account_name, self.account_id, choices={"action": open_actions})
            self.open_form(ACTION_DONE, opening, self.load_plan)


def _measure(m: Measure) -> tuple[str, str, str, str]:
    status = goal_status(m.status) if m.status else ""
    return m.label, goal_value(m.actual, m.unit, narrow=True), goal_value(m.target, m.unit), status


def _table(
    title: str, headers: tuple[str, ...], rows: list[tuple[str, ...]], empty: str
) -> Table | Text:
    if not rows:
        return Text(f"{title}: {empty}", "dim")
    table = Table(
        *(Column(h, ratio=1 if i == 1 else None) for i, h in enumerate(headers)),
        title=title,
        title_justify="left",
        expand=True,
        box=None,
        padding=(0, 1),
    )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _parts(plan: AccountPlan) -> Group:
    head = Text(f"{plan.account} ({plan.tier}): account plan", "bold")
    review = plan.last_review
    last = Text(
        f"Last review {review.held_on:%Y-%m-%d} with {review.participants}"
        + (f": {review.progress}" if review.progress else "")
        if review
        else "No review recorded yet (press v).",
        "" if review else "dim",
    )
    return Group(
        head,
        _table(
            "Objectives",
            ("Due", "Objective", "Actual", "Target", "Status"),
            [
                (f"{o.due_on:%Y-%m-%d}", *_measure(o.measure)[:3], _measure(o.measure)[3])
                for o in plan.objectives
            ],
            "none yet (press o).",
        ),
        _table(
            "Actions",
            ("Due", "Action", "Owner", "Done"),
            [
                (
                    f"{a.due_on:%Y-%m-%d}{' late' if a.overdue else ''}",
                    a.what,
                    a.owner or "",
                    f"{a.done_at:%Y-%m-%d}" if a.done_at else "",
                )
                for a in plan.actions
            ],
            "none yet (press n).",
        ),
        _table(
            "Buying centre",
            ("Role", "Name", "Title"),
            [(c.role or "", c.name, c.title or "") for c in plan.buying_centre],
            "no contacts yet.",
        ),
        _table(
            "Risks",
            ("", "Risk", "Mitigation"),
            [("•", r.what, r.mitigation or "") for r in plan.risks],
            "none noted (press k).",
        ),
        last,
    )


def _scorecard(plan: AccountPlan) -> Table | Text:
    return _table(
        "Scorecard",
        ("", "Indicator", "Actual", "Target", "Status"),
        [("•", *_measure(m)) for m in plan.scorecard],
        "nothing to measure.",
    )
