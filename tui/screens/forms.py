"""Modal forms: one :class:`FormScreen` shows any :class:`Form`, a title, its fields and
the service call that writes what was typed (interaction, promise, notice, order,
feedback, contact, fact, profile, request and its outcome; the plan's objective,
action, risk and review, and an action done; a goal set or changed; a person changed or
deactivated; the person's own working hours).

A form checks nothing itself: it hands the typed text to the service, which goes
through the core's validation and rights. A :class:`KamError` is shown inline and the
form stays open; Cancel (or Escape) closes it and writes nothing. A form closes with
the confirmation text, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from core.models import (
    BuyingRole,
    Expectation,
    GoalScope,
    InteractionKind,
    NoticeKind,
    RequestOutcome,
    Role,
    Sentiment,
)
from core.scoring.goals import METRICS
from core.services.contacts import FactKind
from core.services.profile import PROFILE
from core.views import AccountCard
from tui.errors import describe_error
from tui.service import Filled, PortfolioService

Choices = Sequence[tuple[str, str]]
"""A choice's options as (what the person reads, the value written)."""


@dataclass(frozen=True)
class Field:
    """One line of a form: an input, or a choice among ``options``."""

    name: str
    label: str
    placeholder: str = ""
    options: tuple[str, ...] = ()
    default: str | None = None
    optional_choice: bool = False


class Form:
    """What a form asks and where it goes: its title, the service call that writes what
    was typed (run in a thread; it returns the confirmation), and its fields."""

    def __init__(
        self,
        title: str,
        write: Callable[[PortfolioService, Filled], str],
        *fields: Field,
        note: str = "",
        nothing: str = "",
    ) -> None:
        self.title = title
        self.write = write
        self.fields = fields
        self.note = note
        """A line shown above the fields (what saving does, where there is nothing to type)."""
        self.nothing = nothing
        """What the person is told instead of the form when a choice has nothing in it."""


@dataclass(frozen=True)
class Opening:
    """Which record a form is about, and what it starts with."""

    subject: str
    """Shown after the title: the account's name, a person's e-mail…"""
    account_id: int = 0
    key: str = ""
    """The record the write changes, when it is not the account (a person's e-mail)."""
    preset: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[str, Choices] = field(default_factory=dict)
    """Options read from the data, by field name (the actions of a plan, the goals…)."""


class FormScreen(ModalScreen[str | None]):
    """Any :class:`Form`, opened on one record."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, service: PortfolioService, form: Form, opening: Opening) -> None:
        super().__init__()
        self.service = service
        self.form = form
        self.opening = opening

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form"):
            title = f"[b]{self.form.title}[/b] · {escape(self.opening.subject)}"
            yield Static(title, classes="form-title")
            if self.form.note:
                yield Static(escape(self.form.note), classes="form-note")
            for spec in self.form.fields:
                with Horizontal(classes="form-row"):
                    yield Label(spec.label, classes="form-label")
                    yield self._widget(spec)
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _widget(self, spec: Field) -> Widget:
        """The input for ``spec``, holding its preset (else the field's default)."""
        preset = self.opening.preset.get(spec.name)
        default = preset if preset is not None else spec.default
        choices = self.opening.choices.get(spec.name)
        if spec.options or choices is not None:
            options = choices or [(o.replace("_", " "), o) for o in spec.options]
            select: Select[str] = Select(
                options,
                id=f"f-{spec.name}",
                compact=True,
                allow_blank=spec.optional_choice,
                value=default if default is not None else Select.NULL,
                prompt="—",
            )
            return select
        return Input(
            value=default or "",
            placeholder=spec.placeholder,
            id=f"f-{spec.name}",
            compact=True,
        )

    def on_mount(self) -> None:
        rows = self.query(".form-row > *:last-child")
        (rows.first() if rows else self.query_one("#save")).focus()

    def values(self) -> dict[str, str]:
        """What the user typed or chose, by field name ("" for an empty choice)."""
        result: dict[str, str] = {}
        for spec in self.form.fields:
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, Select):
                value = widget.value
                result[spec.name] = "" if value is Select.NULL else str(value)
            elif isinstance(widget, Input):
                result[spec.name] = widget.value
        return result

    # -- saving ------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.query_one("#form-error", Static).update("")
        self.query_one("#save", Button).disabled = True
        self.save(Filled(self.values(), self.opening.account_id, self.opening.key))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def save(self, filled: Filled) -> str:
        """Write in a thread; the outcome arrives as the worker's state change."""
        return self.form.write(self.service, filled)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "form":
            return
        if event.state is WorkerState.SUCCESS:
            event.stop()
            self.dismiss(event.worker.result)
        elif event.state is WorkerState.ERROR:
            event.stop()
            self.query_one("#save", Button).disabled = False
            text = describe_error(event.worker.error)
            self.query_one("#form-error", Static).update(escape(text))


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


S = PortfolioService

LOG_INTERACTION = Form(
    "Log an interaction",
    S.log_interaction,
    Field("summary", "Summary", "What happened, in a sentence"),
    Field("kind", "Kind", options=_values(InteractionKind), default="call"),
    Field("when", "When", "now, or e.g. yesterday 3pm"),
    Field("contact", "Contact", "who you spoke to (optional)"),
    Field("sentiment", "Sentiment", options=_values(Sentiment), optional_choice=True),
)
"""A call, meeting, visit…; it resets the account's check-in clock."""

COMMITMENT = Form(
    "Add a commitment",
    S.add_commitment,
    Field("what", "Promise", "What we promised"),
    Field("due", "Due", "e.g. friday, 2026-03-01, in 2 weeks"),
    Field("to_whom", "To whom", "who we promised (optional)"),
)
"""A promise made to the customer, tracked until kept."""

NOTICE = Form(
    "Add a notice",
    S.add_notice,
    Field("what", "Notice", "e.g. price rises 5% from April"),
    Field("tell_by", "Tell by", "e.g. next monday, 2026-03-01"),
    Field("kind", "Kind", options=_values(NoticeKind), default="other"),
    Field("alternatives", "Alternatives", "what we can offer instead (optional)"),
)
"""Bad news to tell the customer before a date: don't postpone."""

ORDER = Form(
    "Record an order",
    S.record_order,
    Field("what", "Order", "what they ordered"),
    Field("amount", "Amount", "e.g. 12000 (optional)"),
)
"""An order the customer placed; it prompts a thank-you."""

FEEDBACK = Form(
    "Record feedback",
    S.add_feedback,
    Field("csat", "CSAT 1–5", "satisfaction, 1 to 5"),
    Field("nps", "NPS 0–10", "would recommend, 0 to 10"),
    Field("expectation", "Expectation", options=_values(Expectation), optional_choice=True),
    Field("comment", "Comment", "in their words (optional)"),
)
"""How the customer rates us: CSAT, NPS or expectation, with a comment."""

CONTACT = Form(
    "Add a contact",
    S.add_contact,
    Field("name", "Name", "their full name"),
    Field("title", "Title", "e.g. Head of buying (optional)"),
    Field("email", "E-mail", "(optional)"),
    Field("phone", "Phone", "(optional)"),
    Field("role", "Role", options=_values(BuyingRole), optional_choice=True),
    Field("reports_to", "Reports to", "another contact's name (optional)"),
)
"""A person at the customer: their role in the buying centre and whom they report to."""

FACT = Form(
    "Note a personal fact",
    S.note_fact,
    Field("contact", "Contact", "their name"),
    Field("kind", "Fact", options=_values(FactKind), default="hometown"),
    Field("text", "What", "e.g. Bergen; a birthday as 1980-05-17; empty removes it"),
)
"""A personal fact about a contact ("know them"); empty text removes it."""

PROFILE_FORM = Form(
    "Account profile",
    S.set_profile,
    *(Field(f.name, f.label, "- or empty: not known") for f in PROFILE.values()),
)
"""The account profile, filled in with what is known; each change is dated and attributed."""

REQUEST = Form(
    "Log a request",
    S.add_request,
    Field("what", "Asked for", "what they wanted that we do not offer"),
    Field("alternatives", "Alternatives", "what we offered instead (optional)"),
    Field("outcome", "Outcome", options=_values(RequestOutcome), default="open"),
)
"""Something the customer asked for that we do not offer, and what we offered."""

REQUEST_OUTCOME = Form(
    "Set a request's outcome",
    S.set_request_outcome,
    Field("request", "Request"),
    Field("outcome", "Outcome", options=_values(RequestOutcome)),
    Field("alternatives", "Offered since", "alternatives offered since (optional)"),
    nothing="No requests logged yet (press w to log one).",
)
"""What became of something the customer asked for."""

OBJECTIVE = Form(
    "Add a plan objective",
    S.add_objective,
    Field("metric", "Metric", options=tuple(METRICS), default="csat"),
    Field("target", "Target", "e.g. 4.5, 1,200,000 or 95%"),
    Field("due", "Due", "e.g. 2027-03-31, in 3 months"),
)
"""An objective of the account plan: a metric kam measures, its target, its day."""

ACTION = Form(
    "Add a plan action",
    S.add_action,
    Field("what", "Action", "what is to be done"),
    Field("due", "Due", "e.g. next friday, 2027-01-31"),
    Field("owner", "Owner", "their e-mail (default: you)"),
)
"""An action of the account plan: what, who, by when."""

ACTION_DONE = Form(
    "Mark an action done",
    S.complete_action,
    Field("action", "Action"),
    nothing="No open actions in the plan (press n to add one).",
)
"""One of the plan's open actions, done now."""

RISK = Form(
    "Add a plan risk",
    S.add_risk,
    Field("what", "Risk", "what could go wrong"),
    Field("mitigation", "Mitigation", "what is done about it (optional)"),
)
"""A risk to the account or the plan, and what is done about it."""

REVIEW = Form(
    "Record a review",
    S.record_review,
    Field("participants", "Who took part", "ours and theirs"),
    Field("held_on", "Held", "today, or e.g. last tuesday"),
    Field("progress", "Progress", "how the plan stands"),
    Field("notes", "Notes", "(optional)"),
    Field("next_actions", "Next", "what comes next (optional)"),
)
"""The quarterly account review: it clears the review reminder."""

TARGET = Field("target", "Target", "e.g. 4.5, 1,200,000 or 95%")
PERIOD = Field("period", "Period", "2026, 2026-Q2, 2026-05 or 12m", default="12m")

GOAL = Form(
    "Set a goal",
    S.add_goal,
    Field("metric", "Metric", options=tuple(METRICS), default="csat"),
    TARGET,
    Field("scope", "Scope", options=_values(GoalScope), default="team"),
    Field("of", "Of", "the team, the tier or the account (team: all)"),
    PERIOD,
)
"""A goal at team, tier or account scope; the overview shows it against its actual."""

GOAL_EDIT = Form(
    "Change a goal",
    S.edit_goal,
    Field("goal", "Goal"),
    Field("target", "Target", "empty: as it is"),
    Field("period", "Period", "empty: as it is (2026, 2026-Q2, 2026-05, 12m)"),
    nothing="No goals set yet (press G to set one).",
)
"""A goal's target or period changed; its metric and scope stay."""

USER_EDIT = Form(
    "Change a person",
    S.edit_user,
    Field("name", "Name", "their full name"),
    Field("email", "E-mail", "their work e-mail"),
    Field("role", "Role", options=_values(Role)),
    Field("manager", "Manager", "the manager's e-mail (empty: as it is)"),
    Field("team", "Team", "empty: as it is"),
    Field("timezone", "Time zone", "e.g. Europe/Oslo"),
    Field("slack_user_id", "Slack ID", "their member ID, e.g. U012AB3CD (empty: as it is)"),
)
"""A person's name, e-mail, role, manager, team, zone or Slack link (admins, and managers
for their team)."""

USER_DEACTIVATE = Form(
    "Deactivate",
    S.deactivate_user,
    note="They left: no more reminders, nothing new owned; their history stays theirs.",
)
"""Someone left the team."""

WORKING_HOURS = Form(
    "Working hours",
    S.set_working_hours,
    Field("hours", "Hours", "e.g. 08:30-16:30"),
    Field("days", "Days", "e.g. mon-fri, sun-thu, mon,wed,fri"),
    Field("zone", "Time zone", "e.g. Europe/Oslo"),
)
"""When the person using kam works: their digest comes at the start, nothing outside."""


def profile_preset(card: AccountCard) -> dict[str, str]:
    """The profile form's fields as the card has them ("" where not known)."""
    return {name: "" if (value := getattr(card, name)) is None else f"{value}" for name in PROFILE}


def request_choices(card: AccountCard) -> dict[str, Choices]:
    """The account's requests to choose from, newest first."""
    return {"request": [(f"{r.at:%Y-%m-%d} {r.what}", str(r.id)) for r in card.requests]}


@dataclass(frozen=True)
class FormAction:
    """How a screen opens a form: its key and footer word, its palette title, and what it
    is filled in with (preset, choices) from the account card."""

    key: str
    short: str
    title: str
    form: Form
    preset: Callable[[AccountCard], dict[str, str]] | None = None
    choices: Callable[[AccountCard], dict[str, Choices]] | None = None
    show: bool = True
    """Whether the footer shows its key (all are in the help and the palette)."""

    def opening(self, card: AccountCard, account_id: int) -> Opening:
        """The form opened on the account ``card`` shows."""
        preset = self.preset(card) if self.preset else {}
        choices = self.choices(card) if self.choices else {}
        return Opening(card.name, account_id, preset=preset, choices=choices)


FORMS: dict[str, FormAction] = {
    "log": FormAction("l", "Log", "Log an interaction", LOG_INTERACTION),
    "commitment": FormAction("c", "Promise", "Add a commitment", COMMITMENT),
    "notice": FormAction("n", "Notice", "Add a notice", NOTICE),
    "order": FormAction("o", "Order", "Record an order", ORDER),
    "feedback": FormAction("f", "Feedback", "Record feedback", FEEDBACK),
    "contact": FormAction("k", "Contact", "Add a contact", CONTACT),
    "fact": FormAction("i", "Fact", "Note a personal fact", FACT),
    "profile": FormAction("e", "Profile", "Edit the account profile", PROFILE_FORM, profile_preset),
    "request": FormAction("w", "Request", "Log a request", REQUEST),
    "outcome": FormAction(
        "x",
        "Outcome",
        "Set a request's outcome",
        REQUEST_OUTCOME,
        choices=request_choices,
        show=False,
    ),
}
"""Every form of the account screen by action name."""

PLAN_FORMS: dict[str, FormAction] = {
    "objective": FormAction("o", "Objective", "Add a plan objective", OBJECTIVE),
    "action": FormAction("n", "Action", "Add a plan action", ACTION),
    "risk": FormAction("k", "Risk", "Add a plan risk", RISK),
    "review": FormAction("v", "Review", "Record a review", REVIEW),
}
"""Every form of the plan screen by action name."""
