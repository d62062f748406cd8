"""What the terminal UI asks of kam, in one object the App is handed.

Widgets never open a database: they call this service from thread workers.
Every call opens its own session (one per worker call) and returns plain data,
so nothing the UI holds is tied to a session. Tests hand the App a service on
a temporary SQLite database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from core import audit, checkins, validation
from core.actors import Actor
from core.audit import AuditLine
from core.capture.review import UnmatchedQueue, ignore_address, make_contact, unmatched_queue
from core.checkins import DueItem
from core.clock import utcnow
from core.db import Engine, Session, session_scope
from core.errors import KamError
from core.hours import WorkingHours, days_label
from core.models import (
    Account,
    CommitmentCreate,
    ContactCreate,
    CustomerRequestCreate,
    Expectation,
    FeedbackCreate,
    GoalCreate,
    GoalScope,
    GoalUpdate,
    InteractionCreate,
    InteractionKind,
    NoticeCreate,
    NoticeKind,
    OrderCreate,
    PlanAction,
    PlanActionCreate,
    PlanObjectiveCreate,
    PlanRiskCreate,
    RequestOutcome,
    ReviewCreate,
    Sentiment,
    User,
)
from core.progress import Progress
from core.scoring import (
    PortfolioFigures,
    ScoringConfig,
    load_config,
    portfolio_figures,
    rescore_portfolio,
)
from core.scoring.explain import StoredExplanation, explain_stored
from core.services import contacts, goals, plans, reminders, requests, users
from core.services.accounts import find_account, get_account
from core.services.commitments import add_commitment
from core.services.contacts import contacts_of, find_contact
from core.services.feedback import add_feedback
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from core.services.orders import record_order
from core.services.profile import read_profile, set_profile
from core.services.reminders import SNOOZE_CHOICES
from core.services.requests import add_request
from core.services.reviews import record_review
from core.services.users import Person, get_user_by_email, set_working_hours
from core.teams import team_of
from core.validation import CSAT, NPS
from core.views import AccountCard, account_card, first_columns, load_columns, short_names
from core.views.plan import AccountPlan, account_plan
from core.when import When
from tui.portfolio_index import PortfolioIndex


def who_first(to: str) -> str:
    """How to tell kam who you are, for what (``to`` ...) needs to know."""
    return f"Start kam tui with --as EMAIL to {to}."


@dataclass(frozen=True)
class Filled:
    """What a form holds when it is saved: the typed text by field name, the account it
    was opened on, and the record it changes when that is not the account (``key``)."""

    values: Mapping[str, str]
    account_id: int = 0
    key: str = ""

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def text(self, name: str) -> str | None:
        """The field's text, stripped; None when empty."""
        return self[name].strip() or None


def _chosen(filled: Filled, name: str) -> int:
    """The id of the record chosen in the field ``name``."""
    value = filled[name]
    if not value.isdigit():
        raise KamError(f"Choose the {name} first.")
    return int(value)


def _listed(enum: type[StrEnum]) -> str:
    return ", ".join(member.value.replace("_", " ") for member in enum) + "."


class PortfolioService:
    """The TUI's door to the core: reads for the screens, writes through core services."""

    def __init__(
        self,
        engine: Engine,
        *,
        user_email: str | None = None,
        timezone: str = "UTC",
        clock: Callable[[], datetime] = utcnow,
        config: ScoringConfig | None = None,
    ) -> None:
        self.engine = engine
        self.timezone = timezone
        self.clock = clock
        self.config = config or load_config()
        self.user: User | None = None
        self.team_ids: tuple[int, ...] = ()
        """The people on the user's team (:func:`core.teams.team_of`), whose accounts "team"
        shows."""
        if user_email:
            with session_scope(engine) as session:
                self.user = get_user_by_email(user_email, session=session)
                assert self.user.id is not None
                self.team_ids = tuple(sorted(team_of(self.user.id, session=session).member_ids))

    # -- who is acting -------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """The person writing, as the audit trail names them."""
        return Actor.of(self.user, "tui") if self.user else Actor.system("tui")

    def scope_owner_ids(self, scope: str) -> Sequence[int] | None:
        """The owners whose accounts ``scope`` (all, mine, team) shows; None means all."""
        if scope == "all" or self.user is None or self.user.id is None:
            return None
        if scope == "mine":
            return (self.user.id,)
        return self.team_ids

    def now(self) -> datetime:
        """The moment every figure is computed for."""
        return self.clock()

    # -- the portfolio table -------------------------------------------------

    def load_index(self, account_ids: Sequence[int] | None = None) -> PortfolioIndex:
        """Every account (or only ``account_ids``) as a table row, in a few set-based reads."""
        with session_scope(self.engine) as session:
            columns = load_columns(
                session=session, now=self.now(), config=self.config, account_ids=account_ids
            )
        return PortfolioIndex(columns)

    def first_page(self, limit: int = 100) -> tuple[PortfolioIndex, int]:
        """The first accounts by name and how many there are: quick, for the first paint.

        Takes milliseconds at any size, while :meth:`load_index` reads the whole
        portfolio in the background.
        """
        with session_scope(self.engine) as session:
            columns, total = first_columns(
                session=session, now=self.now(), config=self.config, limit=limit
            )
        return PortfolioIndex(columns), total

    # -- one account ---------------------------------------------------------

    def account_card(self, account_id: int) -> AccountCard:
        """The account card, with the stored scores' trend, revenue by month and latest deals."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            return account_card(
                account, session=session, now=self.now(), config=self.config, sales_history=True
            )

    def contact_names(self, account_id: int) -> list[str]:
        """Who can be named in a form, decision makers first."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            return [c.name for c in contacts_of(account, session=session)]

    # -- forms: what was typed is read by core.validation, written by core.services ---

    def _deadline(self, text: str) -> date:
        return When(self.now(), self.timezone).deadline(text)

    def _day(self, text: str) -> date:
        """A day as typed; whether it may have passed is the record's own rule."""
        return When(self.now(), self.timezone).day(text)

    @contextmanager
    def _account(self, filled: Filled) -> Iterator[tuple[Session, Account]]:
        """A session, and the account the form was filled in on."""
        with session_scope(self.engine) as session:
            yield session, get_account(filled.account_id, session=session)

    def log_interaction(self, filled: Filled) -> str:
        """Log a touch with the customer; returns the confirmation to show."""
        now, when = self.now(), filled["when"]
        with self._account(filled) as (session, account):
            occurred = When(now, self.timezone).moment(when, prefer="past") if when.strip() else now
            contact = filled["contact"]
            person = find_contact(account, contact, session=session) if contact else None
            interaction = InteractionCreate(
                summary=filled["summary"],
                kind=validation.choice(filled["kind"], InteractionKind, "kind")
                or InteractionKind.CALL,
                occurred_at=occurred,
                contact_id=person.id if person else None,
                sentiment=validation.choice(filled["sentiment"], Sentiment, "sentiment"),
                source="tui",
            )
            logged = log_interaction(
                account, interaction, session=session, actor=self.actor, now=now
            )
            return f"Logged {logged.kind} with {account.name}."

    def add_commitment(self, filled: Filled) -> str:
        """Record a promise made to the customer."""
        due_on = self._deadline(filled["due"])
        promise = CommitmentCreate(
            what=filled["what"], due_on=due_on, to_whom=filled.text("to_whom")
        )
        with self._account(filled) as (session, account):
            add_commitment(account, promise, session=session, actor=self.actor)
            return f"Promise to {account.name} due {due_on:%d %b %Y}."

    def add_notice(self, filled: Filled) -> str:
        """Record bad news the customer must hear from us by a date."""
        day = self._deadline(filled["tell_by"])
        bad_news = NoticeCreate(
            what=filled["what"],
            must_tell_by=day,
            kind=validation.choice(filled["kind"], NoticeKind, "notice kind") or NoticeKind.OTHER,
            alternatives=filled.text("alternatives"),
        )
        with self._account(filled) as (session, account):
            add_notice(account, bad_news, session=session, actor=self.actor)
            return f"Notice for {account.name}: tell them by {day:%d %b %Y}."

    def record_order(self, filled: Filled) -> str:
        """Record an order the customer placed."""
        placed = OrderCreate(what=filled["what"], amount=validation.amount(filled["amount"]))
        with self._account(filled) as (session, account):
            record_order(account, placed, session=session, actor=self.actor)
            return f"Order recorded for {account.name}."

    def add_feedback(self, filled: Filled) -> str:
        """Record how the customer rates us."""
        rating = FeedbackCreate(
            csat=validation.whole(filled["csat"], CSAT),
            nps=validation.whole(filled["nps"], NPS),
            expectation=validation.choice(filled["expectation"], Expectation, "expectation"),
            comment=filled.text("comment"),
            at=self.now(),
        )
        with self._account(filled) as (session, account):
            add_feedback(account, rating, session=session, actor=self.actor)
            return f"Feedback recorded for {account.name}."

    def add_contact(self, filled: Filled) -> str:
        """Add a person at the customer from what was typed (name, title, role…)."""
        with self._account(filled) as (session, account):
            given = contacts.read_contact(account, filled.values, session=session)
            assert isinstance(given, ContactCreate)
            person = contacts.add_contact(account, given, session=session, actor=self.actor)
            return f"Added {person.name} to {account.name}."

    def note_fact(self, filled: Filled) -> str:
        """Note a personal fact: a new one is added, one already noted is replaced (an
        interest or note is added to), and empty text removes it."""
        text = filled["text"]
        with self._account(filled) as (session, account):
            person = contacts.find_contact(account, filled["contact"], session=session)
            fact = contacts.fact_kind(filled["kind"])
            if not text.strip():
                contacts.remove_fact(person, fact, session=session, actor=self.actor)
                return f"Removed {person.name}'s {fact.value}."
            noted = getattr(person, contacts.FACT_COLUMNS[fact]) is not None
            replace = noted and fact not in contacts.ADDED_TO
            write = contacts.edit_fact if replace else contacts.add_fact
            write(person, fact, text, session=session, actor=self.actor)
            return f"Noted {person.name}'s {fact.value}."

    def set_profile(self, filled: Filled) -> str:
        """Save the account profile as the form holds it (only changed fields are stamped)."""
        changes = read_profile(filled.values)
        with self._account(filled) as (session, account):
            set_profile(account, changes, session=session, actor=self.actor, now=self.now())
            return f"Saved the profile of {account.name}."

    # -- requests, goals, the account plan and its reviews ----------------------

    def add_request(self, filled: Filled) -> str:
        """Log what the customer asked for that we do not offer, and what we offered."""
        outcome = validation.choice(filled["outcome"], RequestOutcome, "outcome")
        asked = CustomerRequestCreate(
            what=filled["what"],
            alternatives=filled.text("alternatives"),
            outcome=outcome or RequestOutcome.OPEN,
        )
        with self._account(filled) as (session, account):
            add_request(account, asked, session=session, actor=self.actor)
            return f"Request from {account.name} logged."

    def set_request_outcome(self, filled: Filled) -> str:
        """Record what became of one of the account's requests (and what was offered since)."""
        outcome = validation.choice(filled["outcome"], RequestOutcome, "outcome")
        if outcome is None:
            raise KamError("Choose what became of the request: " + _listed(RequestOutcome))
        with self._account(filled) as (session, account):
            asked = requests.get_request(_chosen(filled, "request"), session=session)
            if asked.account_id != account.id:
                raise KamError(f"That request is not {account.name}'s; choose one of theirs.")
            if asked.outcome == outcome and not filled.text("alternatives"):
                raise KamError(
                    f"It is {outcome.value} already; choose what became of it, or Cancel."
                )
            requests.set_outcome(
                asked,
                outcome,
                session=session,
                actor=self.actor,
                alternatives=filled.text("alternatives"),
            )
            return f"Request {asked.what!r} from {account.name}: {outcome.value.replace('_', ' ')}."

    def add_goal(self, filled: Filled) -> str:
        """Set a goal at team, tier or account scope."""
        aim = GoalCreate(
            metric=filled["metric"],
            target=goals.read_target(filled["target"]),
            scope=validation.choice(filled["scope"], GoalScope, "scope") or GoalScope.TEAM,
            scope_ref=filled.text("of"),
            period=filled.text("period") or "12m",
        )
        with session_scope(self.engine) as session:
            goal = goals.add_goal(aim, session=session, actor=self.actor, now=self.now())
            return f"Goal set: {goal.metric} {goal.target:g}, {goal.period}."

    def goal_choices(self) -> list[tuple[str, str]]:
        """Every goal as the goal forms offer it: what, for whom, when."""
        with session_scope(self.engine) as session:
            return [
                (
                    f"{g.metric} {g.target:g} · {g.scope} {g.scope_ref or 'all'} · {g.period}",
                    str(g.id),
                )
                for g in goals.list_goals(session=session)
            ]

    def edit_goal(self, filled: Filled) -> str:
        """Change a goal's target or period (empty: as it is)."""
        given: dict[str, object] = {}
        if filled.text("target"):
            given["target"] = goals.read_target(filled["target"])
        if filled.text("period"):
            given["period"] = filled["period"]
        if not given:
            raise KamError("Nothing was changed; give a new target or period, or Cancel.")
        changes = GoalUpdate.model_validate(given)
        with session_scope(self.engine) as session:
            goal = goals.get_goal(_chosen(filled, "goal"), session=session)
            goals.edit_goal(goal, changes, session=session, actor=self.actor, now=self.now())
            return f"Goal changed: {goal.metric} {goal.target:g}, {goal.period}."

    def account_plan(self, account_id: int) -> AccountPlan:
        """The account's plan, buying centre, last review and scorecard."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            return account_plan(account, session=session, now=self.now())

    def add_objective(self, filled: Filled) -> str:
        """Add an objective (a metric kam measures, its target, its due day) to the plan."""
        aim = PlanObjectiveCreate(
            metric=filled["metric"],
            target=goals.read_target(filled["target"]),
            due_on=self._day(filled["due"]),
        )
        with self._account(filled) as (session, account):
            plans.add_objective(account, aim, session=session, actor=self.actor)
            return f"Objective added to {account.name}'s plan."

    def add_action(self, filled: Filled) -> str:
        """Add an action (what, who, by when) to the plan."""
        step = PlanActionCreate(what=filled["what"], due_on=self._day(filled["due"]))
        with self._account(filled) as (session, account):
            owner = filled.text("owner")
            plans.add_action(account, step, session=session, actor=self.actor, owner_email=owner)
            return f"Action added to {account.name}'s plan."

    def complete_action(self, filled: Filled) -> str:
        """Mark one of the plan's actions done now."""
        with self._account(filled) as (session, account):
            part = plans.get_part(
                "action", _chosen(filled, "action"), account=account, session=session
            )
            assert isinstance(part, PlanAction)
            plans.complete_action(part, session=session, actor=self.actor, now=self.now())
            return f"Done: {part.what}."

    def add_risk(self, filled: Filled) -> str:
        """Add a risk, and what is done about it, to the plan."""
        danger = PlanRiskCreate(what=filled["what"], mitigation=filled.text("mitigation"))
        with self._account(filled) as (session, account):
            plans.add_risk(account, danger, session=session, actor=self.actor)
            return f"Risk added to {account.name}'s plan."

    def record_review(self, filled: Filled) -> str:
        """Record the quarterly review; it clears the review reminder."""
        when = When(self.now(), self.timezone)
        held_on = filled["held_on"]
        review = ReviewCreate(
            participants=filled["participants"],
            progress=filled.text("progress"),
            notes=filled.text("notes"),
            next_actions=filled.text("next_actions"),
            held_on=when.day(held_on, prefer="past") if held_on.strip() else when.day("today"),
        )
        with self._account(filled) as (session, account):
            record_review(account, review, session=session, actor=self.actor, now=self.now())
            return f"Review of {account.name} recorded."

    # -- what is due (the check-in engine) -----------------------------------

    def due(self, scope: str = "mine") -> tuple[list[DueItem], dict[int, str]]:
        """What is due for me, my team or everyone, most urgent first; and who owns each."""
        user_id = team_member = None
        if self.user is not None and scope == "mine":
            user_id = self.user.id
        elif self.user is not None and scope == "team":
            team_member = self.user.id
        with session_scope(self.engine) as session:
            items = checkins.due_items(
                session=session, now=self.now(), user_id=user_id, team_of=team_member
            )
            people = short_names(session=session)
        return items, people

    def mark_done(self, key: str) -> str:
        """Tick a due item off; the check-in engine records what was done."""
        with session_scope(self.engine) as session:
            reminders.mark_done(key, session=session, actor=self.actor, now=self.now())
        return "Done."

    def snooze(self, key: str, until: str) -> str:
        """Put a due item off by 1d, 3d or 1w, or until a moment typed like "friday 9am"."""
        now = self.now()
        choice = until.strip().casefold()
        if choice in SNOOZE_CHOICES:
            moment = now + SNOOZE_CHOICES[choice]
        elif self.user is not None:  # "next monday": the start of their working day then
            moment = When.of(self.user, now).moment(until)
        else:
            moment = When(now, self.timezone).moment(until)
        with session_scope(self.engine) as session:
            reminders.snooze(key, moment, session=session, actor=self.actor, now=now)
        return f"Snoozed until {moment:%a %d %b %H:%M} UTC."

    # -- the capture review queue --------------------------------------------------

    def unmatched(self) -> UnmatchedQueue:
        """Who kam saw in mail or meetings but could not place, most often seen first."""
        with session_scope(self.engine) as session:
            return unmatched_queue(session=session, limit=500)

    def make_contact(self, filled: Filled) -> str:
        """Make someone from the review queue (``filled.key``, their address) a contact of
        the account typed."""
        with session_scope(self.engine) as session:
            target = find_account(filled["account"], session=session)
            made = make_contact(
                filled.key, target, session=session, actor=self.actor, name=filled.text("name")
            )
            return f"{made.name} is now a contact of {target.name}."

    def ignore(self, address: str) -> str:
        """Leave someone out of the review queue for good."""
        with session_scope(self.engine) as session:
            ignore_address(address, session=session, actor=self.actor)
        return f"{address} is ignored."

    # -- the person's working hours ------------------------------------------------

    def working_hours(self) -> dict[str, str]:
        """The person's hours as the form shows them: ``hours``, ``days``, ``zone``."""
        hours = WorkingHours.of(self._person())
        return {
            "hours": f"{hours.start:%H:%M}-{hours.end:%H:%M}",
            "days": days_label(hours.days),
            "zone": hours.timezone,
        }

    def set_working_hours(self, filled: Filled) -> str:
        """Set the person's working day through the core's one rule; returns the confirmation."""
        person = self._person()
        with session_scope(self.engine) as session:
            self.user = set_working_hours(
                person.email,
                filled["hours"],
                days=filled.text("days"),
                timezone=filled.text("zone"),
                session=session,
                actor=self.actor,
            )
            label = WorkingHours.of(self.user).label
        return f"You work {label}; your digest comes at the start of the day."

    def _person(self) -> User:
        if self.user is None:
            raise KamError(who_first("set your own working hours"))
        return self.user

    # -- the people on the team, and the audit trail ------------------------------

    def people(self) -> list[Person]:
        """Everyone, by name: e-mail, role, manager, team, whether they are still here."""
        with session_scope(self.engine) as session:
            return users.people(session=session)

    def edit_user(self, filled: Filled) -> str:
        """Change what was changed in the form about the person ``filled.key`` (an e-mail),
        as the acting person may (core: :func:`core.services.users.ensure_can_manage`); a
        new Slack member ID links them (one Slack user, one kam user)."""
        with session_scope(self.engine) as session:
            before = next((p for p in users.people(session=session) if p.email == filled.key), None)
            typed = {
                name: value.strip()
                for name, value in filled.values.items()
                if value.strip() and value.strip() != (getattr(before, name, None) or "")
            }
            slack = typed.pop("slack_user_id", None)
            if not typed and slack is None:
                raise KamError("Nothing was changed; change a field, or Cancel.")
            user = users.get_user_by_email(filled.key, session=session)
            if typed:
                changes = users.read_user_changes(typed, session=session)
                user = users.edit_user(filled.key, changes, session=session, actor=self.actor)
            if slack is not None:
                users.link_slack(user.email, slack, session=session, actor=self.actor)
            return f"Updated {user.name} <{user.email}> ({user.role})."

    def deactivate_user(self, filled: Filled) -> str:
        """The person ``filled.key`` left: no more reminders, nothing new owned."""
        with session_scope(self.engine) as session:
            user, owned = users.deactivate_user(filled.key, session=session, actor=self.actor)
            still = (
                f" They still own {owned:,} account{'s' if owned != 1 else ''}." if owned else ""
            )
            return f"Deactivated {user.email}.{still}"

    def audit_trail(self, account_id: int | None = None, limit: int = 500) -> list[AuditLine]:
        """Who changed what, newest first: one account's (anyone may read it), or the whole
        of kam's (managers and admins), as :func:`core.audit.trail_for` allows."""
        with session_scope(self.engine) as session:
            return audit.trail_for(self.actor, session=session, account_id=account_id, limit=limit)

    # -- scores and the portfolio overview (scoring) -----------------------------

    def account_scores(self, account_id: int) -> StoredExplanation | None:
        """Why the account's stored scores (the ones every screen shows) are what they are:
        every criterion's raw, normalised, weight and points, as of the scoring run.

        Scores are relative to the whole portfolio, so the whole portfolio is scored
        (a few seconds at 100,000 accounts); only this account's explanation is kept.
        """
        with session_scope(self.engine) as session:
            return explain_stored(account_id, session=session, now=self.now(), config=self.config)

    def rescore(self, progress: Progress | None = None) -> str:
        """Score every account now and store the scores (as ``kam score`` does); returns
        what to tell the user. ``progress`` hears each step, from the worker's thread."""
        with session_scope(self.engine) as session:
            scored = rescore_portfolio(
                session=session,
                now=self.now(),
                config=self.config,
                actor=self.actor,
                progress=progress,
            )
        return f"Scored {scored.size:,} accounts."

    def figures(self) -> PortfolioFigures:
        """Concentration, tiers, quadrants, capacity warnings, value and goals for the overview."""
        with session_scope(self.engine) as session:
            return portfolio_figures(session=session, now=self.now(), config=self.config)
