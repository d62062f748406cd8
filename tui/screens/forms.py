"""Modal forms that write to an account: interaction, promise, notice, order, feedback,
request, and the plan's objective, action, risk and review; the one that sets a goal;
and the one that sets the person's own working hours.

Each form checks nothing itself: it hands the typed text to the service, which
goes through the core's validation. A :class:`KamError` is shown inline and the
form stays open; Cancel (or Escape) closes it and writes nothing. A form
closes with the confirmation text, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

from core.errors import KamError
from core.models import (
    BuyingRole,
    Expectation,
    GoalScope,
    InteractionKind,
    NoticeKind,
    RequestOutcome,
    Sentiment,
)
from core.scoring.goals import METRICS
from core.services.contacts import FactKind
from core.services.profile import PROFILE
from core.views import AccountCard
from tui.service import PortfolioService


@dataclass(frozen=True)
class Field:
    """One line of a form: an input, or a choice among ``options``."""

    name: str
    label: str
    placeholder: str = ""
    options: tuple[str, ...] = ()
    default: str | None = None
    optional_choice: bool = False


class FormScreen(ModalScreen[str | None]):
    """A form over one account; subclasses name the fields and the write."""

    TITLE: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[Field, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self,
        service: PortfolioService,
        account_id: int,
        account_name: str,
        preset: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.account_id = account_id
        self.account_name = account_name
        self.preset = preset or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form"):
            yield Static(f"[b]{self.TITLE}[/b] · {escape(self.account_name)}", classes="form-title")
            for spec in self.FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(spec.label, classes="form-label")
                    yield self._widget(spec, self.preset.get(spec.name))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @staticmethod
    def _widget(spec: Field, preset: str | None = None) -> Widget:
        """The input for ``spec``, holding ``preset`` (else the field's default)."""
        default = preset if preset is not None else spec.default
        if spec.options:
            choices = [(o.replace("_", " "), o) for o in spec.options]
            select: Select[str] = Select(
                choices,
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
        self.query_one(".form-row > *:last-child").focus()

    def values(self) -> dict[str, str]:
        """What the user typed or chose, by field name ("" for an empty choice)."""
        result: dict[str, str] = {}
        for spec in self.FIELDS:
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, Select):
                value = widget.value
                result[spec.name] = "" if value is Select.NULL else str(value)
            elif isinstance(widget, Input):
                result[spec.name] = widget.value
        return result

    def submit(self, values: dict[str, str]) -> str:
        """Write through the service; returns the confirmation (runs in a thread)."""
        raise NotImplementedError

    # -- saving ------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.query_one("#form-error", Static).update("")
        self.query_one("#save", Button).disabled = True
        self.save(self.values())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def save(self, values: dict[str, str]) -> str:
        """Write in a thread; the outcome arrives as the worker's state change."""
        return self.submit(values)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "form":
            return
        if event.state is WorkerState.SUCCESS:
            event.stop()
            self.dismiss(event.worker.result)
        elif event.state is WorkerState.ERROR:
            event.stop()
            self.query_one("#save", Button).disabled = False
            error = event.worker.error
            text = (
                str(error)
                if isinstance(error, KamError)
                else (f"kam hit an unexpected problem ({type(error).__name__}); nothing was saved.")
            )
            self.query_one("#form-error", Static).update(escape(text))


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


class LogInteractionForm(FormScreen):
    """Log a call, meeting, visit…; it resets the account's check-in clock."""

    TITLE = "Log an interaction"
    FIELDS = (
        Field("summary", "Summary", "What happened, in a sentence"),
        Field("kind", "Kind", options=_values(InteractionKind), default="call"),
        Field("when", "When", "now, or e.g. yesterday 3pm"),
        Field("contact", "Contact", "who you spoke to (optional)"),
        Field("sentiment", "Sentiment", options=_values(Sentiment), optional_choice=True),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.log_interaction(
            self.account_id,
            values["summary"],
            kind=values["kind"] or "call",
            when=values["when"],
            contact=values["contact"],
            sentiment=values["sentiment"] or None,
        )


class CommitmentForm(FormScreen):
    """A promise made to the customer, tracked until kept."""

    TITLE = "Add a commitment"
    FIELDS = (
        Field("what", "Promise", "What we promised"),
        Field("due", "Due", "e.g. friday, 2026-03-01, in 2 weeks"),
        Field("to_whom", "To whom", "who we promised (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_commitment(
            self.account_id, values["what"], values["due"], to_whom=values["to_whom"]
        )


class NoticeForm(FormScreen):
    """Bad news to tell the customer before a date: don't postpone."""

    TITLE = "Add a notice"
    FIELDS = (
        Field("what", "Notice", "e.g. price rises 5% from April"),
        Field("tell_by", "Tell by", "e.g. next monday, 2026-03-01"),
        Field("kind", "Kind", options=_values(NoticeKind), default="other"),
        Field("alternatives", "Alternatives", "what we can offer instead (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_notice(
            self.account_id,
            values["what"],
            values["tell_by"],
            kind=values["kind"] or "other",
            alternatives=values["alternatives"],
        )


class OrderForm(FormScreen):
    """An order the customer placed; it prompts a thank-you."""

    TITLE = "Record an order"
    FIELDS = (
        Field("what", "Order", "what they ordered"),
        Field("amount", "Amount", "e.g. 12000 (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.record_order(self.account_id, values["what"], amount=values["amount"])


class FeedbackForm(FormScreen):
    """How the customer rates us: CSAT, NPS or expectation, with a comment."""

    TITLE = "Record feedback"
    FIELDS = (
        Field("csat", "CSAT 1–5", "satisfaction, 1 to 5"),
        Field("nps", "NPS 0–10", "would recommend, 0 to 10"),
        Field("expectation", "Expectation", options=_values(Expectation), optional_choice=True),
        Field("comment", "Comment", "in their words (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_feedback(
            self.account_id,
            csat=values["csat"],
            nps=values["nps"],
            expectation=values["expectation"] or None,
            comment=values["comment"],
        )


class ContactForm(FormScreen):
    """A person at the customer: their role in the buying centre and whom they report to."""

    TITLE = "Add a contact"
    FIELDS = (
        Field("name", "Name", "their full name"),
        Field("title", "Title", "e.g. Head of buying (optional)"),
        Field("email", "E-mail", "(optional)"),
        Field("phone", "Phone", "(optional)"),
        Field("role", "Role", options=_values(BuyingRole), optional_choice=True),
        Field("reports_to", "Reports to", "another contact's name (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_contact(self.account_id, values)


class FactForm(FormScreen):
    """A personal fact about a contact ("know them"); empty text removes it."""

    TITLE = "Note a personal fact"
    FIELDS = (
        Field("contact", "Contact", "their name"),
        Field("kind", "Fact", options=_values(FactKind), default="hometown"),
        Field("text", "What", "e.g. Bergen; a birthday as 1980-05-17; empty removes it"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.note_fact(
            self.account_id, values["contact"], values["kind"], values["text"]
        )


class ProfileForm(FormScreen):
    """The account profile, filled in with what is known; each change is dated and
    attributed."""

    TITLE = "Account profile"
    FIELDS = tuple(Field(f.name, f.label, "- or empty: not known") for f in PROFILE.values())

    def submit(self, values: dict[str, str]) -> str:
        return self.service.set_profile(self.account_id, values)


def profile_preset(card: AccountCard) -> dict[str, str]:
    """The profile form's fields as the card has them ("" where not known)."""
    return {name: "" if (value := getattr(card, name)) is None else f"{value}" for name in PROFILE}


class RequestForm(FormScreen):
    """Something the customer asked for that we do not offer, and what we offered."""

    TITLE = "Log a request"
    FIELDS = (
        Field("what", "Asked for", "what they wanted that we do not offer"),
        Field("alternatives", "Alternatives", "what we offered instead (optional)"),
        Field("outcome", "Outcome", options=_values(RequestOutcome), default="open"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_request(
            self.account_id,
            values["what"],
            alternatives=values["alternatives"],
            outcome=values["outcome"],
        )


class ObjectiveForm(FormScreen):
    """An objective of the account plan: a metric kam measures, its target, its day."""

    TITLE = "Add a plan objective"
    FIELDS = (
        Field("metric", "Metric", options=tuple(METRICS), default="csat"),
        Field("target", "Target", "e.g. 4.5, 1,200,000 or 95%"),
        Field("due", "Due", "e.g. 2027-03-31, in 3 months"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_objective(
            self.account_id, values["metric"], values["target"], values["due"]
        )


class ActionForm(FormScreen):
    """An action of the account plan: what, who, by when."""

    TITLE = "Add a plan action"
    FIELDS = (
        Field("what", "Action", "what is to be done"),
        Field("due", "Due", "e.g. next friday, 2027-01-31"),
        Field("owner", "Owner", "their e-mail (default: you)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_action(
            self.account_id, values["what"], values["due"], owner=values["owner"]
        )


class RiskForm(FormScreen):
    """A risk to the account or the plan, and what is done about it."""

    TITLE = "Add a plan risk"
    FIELDS = (
        Field("what", "Risk", "what could go wrong"),
        Field("mitigation", "Mitigation", "what is done about it (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_risk(
            self.account_id, values["what"], mitigation=values["mitigation"]
        )


class ReviewForm(FormScreen):
    """The quarterly account review: it clears the review reminder."""

    TITLE = "Record a review"
    FIELDS = (
        Field("participants", "Who took part", "ours and theirs"),
        Field("held_on", "Held", "today, or e.g. last tuesday"),
        Field("progress", "Progress", "how the plan stands"),
        Field("notes", "Notes", "(optional)"),
        Field("next_actions", "Next", "what comes next (optional)"),
    )

    def submit(self, values: dict[str, str]) -> str:
        return self.service.record_review(
            self.account_id,
            values["participants"],
            held_on=values["held_on"],
            progress=values["progress"],
            notes=values["notes"],
            next_actions=values["next_actions"],
        )


class GoalForm(FormScreen):
    """A goal at team, tier or account scope; the overview shows it against its actual."""

    TITLE = "Set a goal"
    FIELDS = (
        Field("metric", "Metric", options=tuple(METRICS), default="csat"),
        Field("target", "Target", "e.g. 4.5, 1,200,000 or 95%"),
        Field("scope", "Scope", options=_values(GoalScope), default="team"),
        Field("of", "Of", "the team, the tier or the account (team: all)"),
        Field("period", "Period", "2026, 2026-Q2, 2026-05 or 12m"),
    )

    def __init__(self, service: PortfolioService) -> None:
        super().__init__(service, 0, "the portfolio", preset={"period": "12m"})

    def submit(self, values: dict[str, str]) -> str:
        return self.service.add_goal(
            values["metric"],
            values["target"],
            scope=values["scope"],
            of=values["of"],
            period=values["period"],
        )


@dataclass(frozen=True)
class FormAction:
    """How the account screen opens a form: its key and footer word, its palette title,
    and what it is filled in with from the card."""

    key: str
    short: str
    title: str
    form: Callable[..., FormScreen]
    preset: Callable[[AccountCard], dict[str, str]] | None = None


class WorkingHoursForm(FormScreen):
    """When the person using kam works: their digest comes at the start, nothing outside."""

    TITLE = "Working hours"
    FIELDS = (
        Field("hours", "Hours", "e.g. 08:30-16:30"),
        Field("days", "Days", "e.g. mon-fri, sun-thu, mon,wed,fri"),
        Field("zone", "Time zone", "e.g. Europe/Oslo"),
    )

    def __init__(self, service: PortfolioService, person: str, current: dict[str, str]) -> None:
        super().__init__(service, 0, person, preset=current)

    def submit(self, values: dict[str, str]) -> str:
        return self.service.set_working_hours(values["hours"], values["days"], values["zone"])


FORMS: dict[str, FormAction] = {
    "log": FormAction("l", "Log", "Log an interaction", LogInteractionForm),
    "commitment": FormAction("c", "Promise", "Add a commitment", CommitmentForm),
    "notice": FormAction("n", "Notice", "Add a notice", NoticeForm),
    "order": FormAction("o", "Order", "Record an order", OrderForm),
    "feedback": FormAction("f", "Feedback", "Record feedback", FeedbackForm),
    "contact": FormAction("k", "Contact", "Add a contact", ContactForm),
    "fact": FormAction("i", "Fact", "Note a personal fact", FactForm),
    "profile": FormAction("e", "Profile", "Edit the account profile", ProfileForm, profile_preset),
    "request": FormAction("w", "Request", "Log a request", RequestForm),
}
"""Every form of the account screen by action name."""

PLAN_FORMS: dict[str, FormAction] = {
    "objective": FormAction("o", "Objective", "Add a plan objective", ObjectiveForm),
    "action": FormAction("n", "Action", "Add a plan action", ActionForm),
    "risk": FormAction("k", "Risk", "Add a plan risk", RiskForm),
    "review": FormAction("v", "Review", "Record a review", ReviewForm),
}
"""Every form of the plan screen by action name."""
