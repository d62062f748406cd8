"""What the terminal UI asks of kam, in one object the App is handed.

Widgets never open a database: they call this service from thread workers.
Every call opens its own session (one per worker call) and returns plain data,
so nothing the UI holds is tied to a session. Tests hand the App a service on
a temporary SQLite database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from core import checkins, validation
from core.actors import Actor
from core.capture.review import UnmatchedQueue, ignore_address, make_contact, unmatched_queue
from core.checkins import DueItem
from core.clock import utcnow
from core.db import Engine, session_scope
from core.errors import KamError
from core.hours import WorkingHours, days_label
from core.models import (
    CommitmentCreate,
    ContactCreate,
    CustomerRequestCreate,
    Expectation,
    FeedbackCreate,
    GoalCreate,
    GoalScope,
    InteractionCreate,
    InteractionKind,
    NoticeCreate,
    NoticeKind,
    OrderCreate,
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
    rescore,
)
from core.scoring.explain import StoredExplanation, explain_stored
from core.services import contacts, goals, plans, reminders
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
from core.services.users import get_user_by_email, set_working_hours
from core.teams import team_of
from core.validation import CSAT, NPS
from core.views import AccountCard, account_card, first_page, load_rows, short_names
from core.views.plan import AccountPlan, account_plan
from core.when import When
from tui.portfolio_index import PortfolioIndex


def who_first(to: str) -> str:
    """How to tell kam who you are, for what (``to`` ...) needs to know."""
    return f"Start kam tui with --as EMAIL to {to}."


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
            rows = load_rows(
                session=session, now=self.now(), config=self.config, account_ids=account_ids
            )
        return PortfolioIndex(rows)

    def first_page(self, limit: int = 100) -> tuple[PortfolioIndex, int]:
        """The first accounts by name and how many there are: quick, for the first paint.

        Takes milliseconds at any size, while :meth:`load_index` reads the whole
        portfolio in the background.
        """
        with session_scope(self.engine) as session:
            rows, total = first_page(
                session=session, now=self.now(), config=self.config, limit=limit
            )
        return PortfolioIndex(rows), total

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

    def log_interaction(
        self,
        account_id: int,
        summary: str,
        *,
        kind: str = "call",
        when: str = "",
        contact: str = "",
        sentiment: str | None = None,
    ) -> str:
        """Log a touch with the customer; returns the confirmation to show."""
        now = self.now()
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            occurred = When(now, self.timezone).moment(when, prefer="past") if when.strip() else now
            person = find_contact(account, contact, session=session) if contact else None
            interaction = InteractionCreate(
                summary=summary,
                kind=validation.choice(kind, InteractionKind, "kind") or InteractionKind.CALL,
                occurred_at=occurred,
                contact_id=person.id if person else None,
                sentiment=validation.choice(sentiment, Sentiment, "sentiment"),
                source="tui",
            )
            logged = log_interaction(
                account, interaction, session=session, actor=self.actor, now=now
            )
            return f"Logged {logged.kind} with {account.name}."

    def add_commitment(self, account_id: int, what: str, due: str, *, to_whom: str = "") -> str:
        """Record a promise made to the customer."""
        due_on = self._deadline(due)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            promise = CommitmentCreate(what=what, due_on=due_on, to_whom=to_whom or None)
            add_commitment(account, promise, session=session, actor=self.actor)
            return f"Promise to {account.name} due {due_on:%d %b %Y}."

    def add_notice(
        self,
        account_id: int,
        what: str,
        tell_by: str,
        *,
        kind: str = "other",
        alternatives: str = "",
    ) -> str:
        """Record bad news the customer must hear from us by a date."""
        day = self._deadline(tell_by)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            bad_news = NoticeCreate(
                what=what,
                must_tell_by=day,
                kind=validation.choice(kind, NoticeKind, "notice kind") or NoticeKind.OTHER,
                alternatives=alternatives or None,
            )
            add_notice(account, bad_news, session=session, actor=self.actor)
            return f"Notice for {account.name}: tell them by {day:%d %b %Y}."

    def record_order(self, account_id: int, what: str, *, amount: str = "") -> str:
        """Record an order the customer placed."""
        placed = OrderCreate(what=what, amount=validation.amount(amount))
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            record_order(account, placed, session=session, actor=self.actor)
            return f"Order recorded for {account.name}."

    def add_feedback(
        self,
        account_id: int,
        *,
        csat: str = "",
        nps: str = "",
        expectation: str | None = None,
        comment: str = "",
    ) -> str:
        """Record how the customer rates us."""
        rating = FeedbackCreate(
            csat=validation.whole(csat, CSAT),
            nps=validation.whole(nps, NPS),
            expectation=validation.choice(expectation, Expectation, "expectation"),
            comment=comment.strip() or None,
            at=self.now(),
        )
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            add_feedback(account, rating, session=session, actor=self.actor)
            return f"Feedback recorded for {account.name}."

    def add_contact(self, account_id: int, typed: dict[str, str]) -> str:
        """Add a person at the customer from what was typed (name, title, role…)."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            given = contacts.read_contact(account, typed, session=session)
            assert isinstance(given, ContactCreate)
            person = contacts.add_contact(account, given, session=session, actor=self.actor)
            return f"Added {person.name} to {account.name}."

    def note_fact(self, account_id: int, contact: str, kind: str, text: str) -> str:
        """Note a personal fact: a new one is added, one already noted is replaced (an
        interest or note is added to), and empty text removes it."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            person = contacts.find_contact(account, contact, session=session)
            fact = contacts.fact_kind(kind)
            if not text.strip():
                contacts.remove_fact(person, fact, session=session, actor=self.actor)
                return f"Removed {person.name}'s {fact.value}."
            noted = getattr(person, contacts.FACT_COLUMNS[fact]) is not None
            replace = noted and fact not in contacts.ADDED_TO
            write = contacts.edit_fact if replace else contacts.add_fact
            write(person, fact, text, session=session, actor=self.actor)
            return f"Noted {person.name}'s {fact.value}."

    def set_profile(self, account_id: int, typed: dict[str, str]) -> str:
        """Save the account profile as the form holds it (only changed fields are stamped)."""
        changes = read_profile(typed)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            set_profile(account, changes, session=session, actor=self.actor, now=self.now())
            return f"Saved the profile of {account.name}."

    # -- requests, goals, the account plan and its reviews ----------------------

    def add_request(
        self, account_id: int, what: str, *, alternatives: str = "", outcome: str = ""
    ) -> str:
        """Log what the customer asked for that we do not offer, and what we offered."""
        chosen = validation.choice(outcome, RequestOutcome, "outcome") or RequestOutcome.OPEN
        asked = CustomerRequestCreate(what=what, alternatives=alternatives or None, outcome=chosen)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            add_request(account, asked, session=session, actor=self.actor)
            return f"Request from {account.name} logged."

    def add_goal(self, metric: str, target: str, *, scope: str, of: str, period: str) -> str:
        """Set a goal at team, tier or account scope."""
        aim = GoalCreate(
            metric=metric,
            target=goals.read_target(target),
            scope=validation.choice(scope, GoalScope, "scope") or GoalScope.TEAM,
            scope_ref=of.strip() or None,
            period=period.strip() or "12m",
        )
        with session_scope(self.engine) as session:
            goal = goals.add_goal(aim, session=session, actor=self.actor, now=self.now())
            return f"Goal set: {goal.metric} {goal.target:g}, {goal.period}."

    def account_plan(self, account_id: int) -> AccountPlan:
        """The account's plan, buying centre, last review and scorecard."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            return account_plan(account, session=session, now=self.now())

    def add_objective(self, account_id: int, metric: str, target: str, due: str) -> str:
        """Add an objective (a metric kam measures, its target, its due day) to the plan."""
        aim = PlanObjectiveCreate(
            metric=metric, target=goals.read_target(target), due_on=self._day(due)
        )
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            plans.add_objective(account, aim, session=session, actor=self.actor)
            return f"Objective added to {account.name}'s plan."

    def add_action(self, account_id: int, what: str, due: str, *, owner: str = "") -> str:
        """Add an action (what, who, by when) to the plan."""
        step = PlanActionCreate(what=what, due_on=self._day(due))
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            plans.add_action(
                account, step, session=session, actor=self.actor, owner_email=owner.strip() or None
            )
            return f"Action added to {account.name}'s plan."

    def add_risk(self, account_id: int, what: str, *, mitigation: str = "") -> str:
        """Add a risk, and what is done about it, to the plan."""
        danger = PlanRiskCreate(what=what, mitigation=mitigation or None)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            plans.add_risk(account, danger, session=session, actor=self.actor)
            return f"Risk added to {account.name}'s plan."

    def record_review(
        self,
        account_id: int,
        participants: str,
        *,
        held_on: str = "",
        progress: str = "",
        notes: str = "",
        next_actions: str = "",
    ) -> str:
        """Record the quarterly review; it clears the review reminder."""
        given: dict[str, Any] = {"held_on": When(self.now(), self.timezone).day("today")}
        if held_on.strip():
            given["held_on"] = When(self.now(), self.timezone).day(held_on, prefer="past")
        review = ReviewCreate(
            participants=participants,
            progress=progress or None,
            notes=notes or None,
            next_actions=next_actions or None,
            **given,
        )
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
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

    def make_contact(self, address: str, account: str, name: str = "") -> str:
        """Make someone from the review queue a contact of the account named ``account``."""
        with session_scope(self.engine) as session:
            target = find_account(account, session=session)
            made = make_contact(
                address, target, session=session, actor=self.actor, name=name or None
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

    def set_working_hours(self, hours: str, days: str, zone: str) -> str:
        """Set the person's working day through the core's one rule; returns the confirmation."""
        person = self._person()
        with session_scope(self.engine) as session:
            self.user = set_working_hours(
                person.email,
                hours,
                days=days.strip() or None,
                timezone=zone.strip() or None,
                session=session,
                actor=self.actor,
            )
            label = WorkingHours.of(self.user).label
        return f"You work {label}; your digest comes at the start of the day."

    def _person(self) -> User:
        if self.user is None:
            raise KamError(who_first("set your own working hours"))
        return self.user

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
            scored = rescore(
                session=session,
                now=self.now(),
                config=self.config,
                actor=self.actor,
                progress=progress,
            )
        return f"Scored {len(scored):,} accounts."

    def figures(self) -> PortfolioFigures:
        """Concentration, tiers, quadrants, capacity warnings, value and goals for the overview."""
        with session_scope(self.engine) as session:
            return portfolio_figures(session=session, now=self.now(), config=self.config)
