"""What each ``/kam`` subcommand does: read the parsed command, call the core, build a reply.

Each function takes a :class:`Request` (the session, who is asking, when) and
the :class:`~kambot.grammar.Parsed` text, and returns a :class:`Reply`. They
raise :class:`~core.errors.KamError` for anything the user can fix; the
listener turns that into an ephemeral message, and the session's rollback
guarantees nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from core import audit
from core.actors import Actor, ensure_can_change
from core.capture.channels import link_channel
from core.capture.review import make_contact
from core.checkins import due_items
from core.checkins.kinds import thank_you
from core.db import Session
from core.errors import KamError, NotFound
from core.hours import WorkingHours
from core.models import (
    Account,
    Commitment,
    CommitmentCreate,
    Contact,
    ContactCreate,
    ContactUpdate,
    CustomerRequest,
    CustomerRequestCreate,
    Expectation,
    Feedback,
    FeedbackCreate,
    Goal,
    GoalCreate,
    GoalScope,
    GoalUpdate,
    InteractionCreate,
    InteractionKind,
    Notice,
    NoticeCreate,
    NoticeKind,
    Order,
    OrderCreate,
    PlanAction,
    PlanActionCreate,
    PlanObjective,
    PlanObjectiveCreate,
    PlanRisk,
    PlanRiskCreate,
    RequestOutcome,
    Review,
    ReviewCreate,
    Role,
    Sentiment,
    Tier,
    User,
)
from core.scoring import portfolio_figures, score_accounts
from core.services import goals, plans
from core.services.accounts import find_account, get_account
from core.services.commitments import add_commitment
from core.services.contacts import (
    add_contact,
    add_fact,
    contacts_of,
    edit_contact,
    edit_fact,
    fact_kind,
    find_contact,
    read_contact,
    remove_fact,
    retire_contact,
)
from core.services.feedback import add_feedback
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from core.services.orders import record_order, set_order_status
from core.services.plans import PlanPart
from core.services.profile import PROFILE, by_option, read_profile, set_profile
from core.services.reminders import snooze
from core.services.requests import add_request, get_request, set_outcome
from core.services.reviews import record_review
from core.services.users import (
    deactivate_user,
    edit_user,
    get_user_by_email,
    read_user_changes,
    set_working_hours,
)
from core.validation import CSAT, NPS, Scale, amount, choice, whole
from core.views import (
    account_card,
    account_named_at_start,
    account_page,
    contact_list,
    latest_open_order,
    owned_account_ids,
)
from core.views.plan import account_plan
from core.views.requests import request_gaps, request_rows
from core.when import When
from kambot import blocks as kb
from kambot import ids, pickers, record_forms
from kambot import plan_blocks as pb
from kambot.grammar import SPECS, Parsed, parse, tokens

Typed = TypeVar("Typed", contravariant=True)
Written = TypeVar("Written", covariant=True)

PAGE = Scale("The page", 0)
"""Which page of a long due list (``--page``), counted from 0."""
LIST_SHOWN = 40
"""How many accounts `/kam list` shows; the rest are counted."""
REQUESTS_SHOWN = 20
"""How many requests `/kam request list` shows, newest first."""


@dataclass
class Request:
    """One person's command, inside one database session."""

    session: Session
    user: User
    actor: Actor
    slack_user_id: str
    now: datetime
    request_key: str
    """Unique per Slack request and the same on its retries (idempotency)."""
    response_url: str | None = None
    channel_id: str | None = None
    """Where the command was typed (``/kam channel link`` links that channel)."""

    @property
    def idempotency_key(self) -> str:
        """What a write made for this request is stored under, so Slack's retry of it
        (or a double click) writes nothing twice."""
        return f"slack:{self.request_key}"

    @property
    def when(self) -> When:
        """How this person's typed moments read: now, in their time zone."""
        return When(self.now, self.user.timezone)


@dataclass
class Reply:
    """What the listener sends back: an ephemeral message, or a modal to open."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    modal: View | None = None


class AccountNotFound(KamError):
    """No account matched; ``choices`` are (name, command text that uses it)."""

    def __init__(self, message: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.choices = choices


def rerun_text(parsed: Parsed, account: str, text: str) -> str:
    """The command as it would read with ``account`` named explicitly."""
    quoted = account.replace('"', "'")
    out = f'{parsed.name} "{quoted}"'
    if text:
        out += f": {text}"
    for key, value in parsed.options.items():
        if value is True:
            out += f" --{key}"
        else:
            out += f' --{key} "{str(value).replace(chr(34), chr(39))}"'
    return out


def _not_found(exc: NotFound, parsed: Parsed, text: str) -> AccountNotFound:
    choices = [(name, rerun_text(parsed, name, text)) for name in exc.suggestions]
    return AccountNotFound(exc.message, choices)


def _find(query: str, parsed: Parsed, text: str, *, session: Session) -> Account:
    try:
        return find_account(query, session=session)
    except NotFound as exc:
        raise _not_found(exc, parsed, text) from exc


def whole_account(parsed: Parsed, *, session: Session) -> Account:
    """The account when the whole text names it (``show kan code``)."""
    query = parsed.account if parsed.marked else parsed.text
    if not (query or "").strip():
        raise KamError(f"Which account? Write it as `/kam {SPECS[parsed.name].usage}`.")
    return _find(query or "", parsed, "", session=session)


def account_and_text(parsed: Parsed, *, session: Session) -> tuple[Account, str]:
    """The account at the start of the text, and what follows it.

    A marked account (quoted, or ended by a colon) is found fuzzily. Otherwise
    the longest run of leading words that names an account wins (ignoring case
    and punctuation), then a unique name starting with the first word.
    """
    if parsed.marked:
        return _find(parsed.account or "", parsed, parsed.text, session=session), parsed.text
    toks = tokens(parsed.text)
    if not toks:
        raise KamError(f"Which account? Write it as `/kam {SPECS[parsed.name].usage}`.")

    def rest(n: int) -> str:
        return parsed.text[toks[n - 1].end :].strip().lstrip(":").strip()

    words = [t.value for t in toks]
    named = account_named_at_start(words, session=session)
    if named is not None:
        account, n = named
        return account, rest(n)
    return _find(words[0], parsed, rest(1), session=session), rest(1)


def _contact(account: Account, parsed: Parsed, *, session: Session) -> Contact | None:
    """The contact named by --contact, with a hint when the account has none by that name."""
    name = parsed.option("contact")
    if not name:
        return None
    try:
        return find_contact(account, name, session=session)
    except NotFound as exc:
        if exc.suggestions:
            raise
        raise KamError(
            f"{exc.message} Leave --contact out, or add the contact first (`kam import contacts`)."
        ) from exc


def _what_and_day(
    parsed: Parsed, text: str, req: Request, read: Callable[[str, Request], date] | None = None
) -> tuple[str, date]:
    """``send the list by next friday`` → ("send the list", that friday); or --by.

    ``read`` reads the day (by default a deadline: today or later, the core rule)."""

    def _day(typed: str) -> date:
        return read(typed, req) if read is not None else req.when.deadline(typed)

    if parsed.option("by"):
        return text, _day(parsed.option("by") or "")
    lowered = text.lower()
    start = len(lowered)
    while True:
        start = lowered.rfind(" by ", 0, start)
        if start == -1:
            break
        try:
            return text[:start].strip(), _day(text[start + 4 :])
        except KamError as exc:
            if "in the past" in str(exc):
                raise
    usage = SPECS[parsed.name].example
    raise KamError(f'By when? End with "by" and a day, e.g. `/kam {usage}`.')


def _local(moment: datetime, req: Request) -> str:
    from core.clock import zone

    return moment.astimezone(zone(req.user.timezone)).strftime("%a %d %b %H:%M")


def _confirmed(message: str, *, emoji: str) -> Reply:
    """What was recorded, in one sentence: the message and its notification text."""
    return Reply(message, kb.notice_blocks(message, emoji=emoji))


# --- the subcommands ----------------------------------------------------------


def do_help(req: Request, parsed: Parsed) -> Reply:
    """List the subcommands, or explain one."""
    words = parsed.text.split()
    return Reply("kam help", kb.help_blocks(words[0].lower() if words else None))


def do_list(req: Request, parsed: Parsed) -> Reply:
    """Your accounts by default; ``all`` or ``--owner`` for others'."""
    tier = choice(parsed.option("tier"), Tier, "tier")
    everyone = [w.lower() for w in parsed.text.split()] == ["all"]
    if parsed.text and not everyone:
        raise KamError(f"`/kam list` takes `all` or options: `/kam {SPECS['list'].usage}`.")
    owner: User | None = req.user
    if parsed.option("owner"):
        owner = get_user_by_email(parsed.option("owner") or "", session=req.session)
    elif everyone:
        owner = None
    page = account_page(session=req.session, limit=LIST_SHOWN, tier=tier, owner=owner, now=req.now)
    whose = (
        "All accounts"
        if owner is None
        else ("Your accounts" if owner.id == req.user.id else f"Accounts of {owner.name}")
    )
    title = f"{whose}{f' ({tier})' if tier else ''}: {page.total:,}"
    return Reply(title, kb.account_list_blocks(page, title))


def do_show(req: Request, parsed: Parsed) -> Reply:
    """The account card, with "share in channel"."""
    account = whole_account(parsed, session=req.session)
    card = account_card(account, session=req.session, now=req.now)
    return Reply(f"{account.name}", kb.card_blocks(card))


def log_modal_for(
    req: Request,
    account: Account | None,
    *,
    summary: str | None = None,
    kind: str = "call",
    extra: dict[str, Any] | None = None,
) -> View:
    """The log form, pre-filled with what is already known."""
    return log_form_on(
        req.session, account, response_url=req.response_url, summary=summary, kind=kind, extra=extra
    )


def log_form_on(
    session: Session,
    account: Account | None,
    *,
    response_url: str | None,
    summary: str | None = None,
    kind: str = "call",
    extra: dict[str, Any] | None = None,
) -> View:
    """The log form on ``account``; without one, it asks for the account with the type-ahead
    picker (and for the contact with one that finds the picked account's people)."""
    metadata: dict[str, Any] = dict(extra or {})
    if account is not None:
        metadata["account_id"] = account.id
    if response_url:
        metadata["response_url"] = response_url
    contacts = (
        [(c.id, c.name) for c in contacts_of(account, session=session) if c.id]
        if account is not None
        else []
    )
    typed_ahead = account is None or len(contacts) > kb.SELECT_OPTIONS_LIMIT
    return kb.log_modal(
        metadata=metadata,
        account_name=account.name if account is not None else None,
        contacts=contacts,
        summary=summary,
        kind=kind,
        contact_input=pickers.contact_picker(ids.LOG_CONTACT[0]) if typed_ahead else None,
        account_input=pickers.account_picker(ids.LOG_ACCOUNT[0]) if account is None else None,
    )


def do_log(req: Request, parsed: Parsed) -> Reply:
    """Log an interaction; with no summary, open the form instead."""
    if not parsed.marked and not parsed.text:
        return Reply("Log a check-in", modal=log_modal_for(req, None))
    account, text = account_and_text(parsed, session=req.session)
    kind = choice(parsed.option("kind"), InteractionKind, "kind") or InteractionKind.CALL
    sentiment = choice(parsed.option("sentiment"), Sentiment, "sentiment")
    if not text:
        return Reply("Log a check-in", modal=log_modal_for(req, account))
    occurred = (
        req.when.moment(parsed.option("at") or "", prefer="past") if parsed.option("at") else None
    )
    contact = _contact(account, parsed, session=req.session)
    interaction = InteractionCreate(
        summary=text,
        kind=kind,
        occurred_at=occurred,
        contact_id=contact.id if contact else None,
        sentiment=sentiment,
        source="slack",
        idempotency_key=req.idempotency_key,
    )
    logged = log_interaction(
        account, interaction, session=req.session, actor=req.actor, now=req.now
    )
    blocks = kb.logged_blocks(
        account.name, logged.kind, _local(logged.occurred_at, req), logged.summary
    )
    return Reply(f"Logged {logged.kind} with {account.name}", blocks)


class Writer(Protocol[Typed, Written]):
    """A core writer of one record of an account, from its typed input."""

    def __call__(
        self, account: Account, typed: Typed, /, *, session: Session, actor: Actor
    ) -> Written: ...


@dataclass(frozen=True)
class Recording(Generic[Typed, Written]):
    """A subcommand that records one thing about an account, in the same steps as every
    other: find the account at the start of the text, ``read`` the rest into the
    writer's typed input, ``write`` it, ``confirm`` it in one sentence."""

    read: Callable[[Request, Parsed, Account, str], Typed]
    write: Writer[Typed, Written]
    confirm: Callable[[Account, Written], str]
    emoji: str
    form: Callable[[Request, Account], View] | None = None
    """The form that records it, opened when the command names only the account."""

    def __call__(self, req: Request, parsed: Parsed) -> Reply:
        """The confirmation; a KamError for what the person can fix, and nothing written."""
        account, text = account_and_text(parsed, session=req.session)
        if self.form is not None and not text and not parsed.options:
            return Reply(account.name, modal=self.form(req, account))
        typed = self.read(req, parsed, account, text)
        record = self.write(account, typed, session=req.session, actor=req.actor)
        return _confirmed(self.confirm(account, record), emoji=self.emoji)


def _promise(req: Request, parsed: Parsed, account: Account, text: str) -> CommitmentCreate:
    what, due = _what_and_day(parsed, text, req)
    to_whom = parsed.option("to")
    return CommitmentCreate(
        what=what, due_on=due, to_whom=to_whom, idempotency_key=req.idempotency_key
    )


def _bad_news(req: Request, parsed: Parsed, account: Account, text: str) -> NoticeCreate:
    kind = choice(parsed.option("kind"), NoticeKind, "notice kind") or NoticeKind.OTHER
    what, due = _what_and_day(parsed, text, req)
    return NoticeCreate(
        what=what,
        must_tell_by=due,
        kind=kind,
        alternatives=parsed.option("alternatives"),
        idempotency_key=req.idempotency_key,
    )


def _order(req: Request, parsed: Parsed, account: Account, text: str) -> OrderCreate:
    placed = amount(parsed.option("amount"))
    return OrderCreate(what=text, amount=placed, idempotency_key=req.idempotency_key)


def _rating(req: Request, parsed: Parsed, account: Account, comment: str) -> FeedbackCreate:
    contact = _contact(account, parsed, session=req.session)
    return FeedbackCreate(
        csat=whole(parsed.option("csat"), CSAT),
        nps=whole(parsed.option("nps"), NPS),
        expectation=choice(parsed.option("expectation"), Expectation, "expectation"),
        comment=comment or None,
        contact_id=contact.id if contact else None,
        at=req.now,
        idempotency_key=req.idempotency_key,
    )


def _promised(account: Account, promise: Commitment) -> str:
    return (
        f"Promise to {account.name} recorded: {promise.what} (due {promise.due_on:%a %d %b %Y}). "
        "kam reminds you before it is due."
    )


def _told_by(account: Account, notice: Notice) -> str:
    return (
        f"Notice for {account.name} recorded: {notice.what}. "
        f"Tell them by {notice.must_tell_by:%a %d %b %Y}; kam nags until it is marked told."
    )


def _ordered(account: Account, order: Order) -> str:
    amount_text = f" ({kb.money(order.amount)})" if order.amount is not None else ""
    return f"Order from {account.name} recorded: {order.what}{amount_text}. A thank-you is due."


def _rated(account: Account, feedback: Feedback) -> str:
    parts = [
        f"CSAT {feedback.csat}" if feedback.csat is not None else "",
        f"NPS {feedback.nps}" if feedback.nps is not None else "",
        f"expectations {feedback.expectation}" if feedback.expectation else "",
    ]
    return f"Feedback from {account.name} recorded: {', '.join(p for p in parts if p)}."


do_promise = Recording(read=_promise, write=add_commitment, confirm=_promised, emoji=":handshake:")
"""Record a promise made to the customer, due on a day."""

do_notice = Recording(read=_bad_news, write=add_notice, confirm=_told_by, emoji=":warning:")
"""Record bad news to tell the customer by a day ("don't postpone")."""

do_feedback = Recording(read=_rating, write=add_feedback, confirm=_rated, emoji=":speech_balloon:")
"""Record how the customer rates us."""

_record_order = Recording(read=_order, write=record_order, confirm=_ordered, emoji=":package:")


def do_order(req: Request, parsed: Parsed) -> Reply:
    """Record an order, or mark the latest one completed or in trouble."""
    completed = bool(parsed.options.get("completed"))
    problem = parsed.option("problem")
    if not (completed or problem):
        return _record_order(req, parsed)
    if completed and problem:
        raise KamError("An order is either --completed or has a --problem, not both.")
    account = whole_account(parsed, session=req.session)
    order = latest_open_order(account.id or 0, session=req.session)
    if order is None:
        raise KamError(f"{account.name} has no open order. Record one with `/kam order`.")
    status = "completed" if completed else "problem"
    set_order_status(order, status, session=req.session, actor=req.actor, problem=problem)
    return _confirmed(
        f"Order for {account.name} ({order.what}) marked {status}. "
        "Give them a personal call: kam will remind you.",
        emoji=":package:",
    )


def do_thanks(req: Request, parsed: Parsed) -> Reply:
    """Show the drafted thank-you that is due, or log the one you sent."""
    account, text = account_and_text(parsed, session=req.session)
    if not text:
        drafts = [
            i
            for i in due_items(session=req.session, now=req.now, user_id=req.user.id)
            if i.account_id == account.id and i.kind == thank_you.NAME
        ]
        if drafts:
            return Reply(drafts[0].title, kb.reminder_blocks(drafts[0]))
        raise KamError(
            f"No thank-you is due for {account.name}. To log one you sent: "
            f"`/kam {SPECS['thanks'].example}`"
        )
    thanks = InteractionCreate(
        summary=text,
        kind=InteractionKind.THANK_YOU,
        source="slack",
        idempotency_key=req.idempotency_key,
    )
    logged = log_interaction(account, thanks, session=req.session, actor=req.actor, now=req.now)
    blocks = kb.logged_blocks(
        account.name, logged.kind, _local(logged.occurred_at, req), logged.summary
    )
    return Reply(f"Thank-you to {account.name} logged", blocks)


def do_due(req: Request, parsed: Parsed) -> Reply:
    """What is due for me (or, for a manager, the team), most urgent first."""
    scope = parsed.text.strip().lower()
    if scope not in ("", "team", "mine", "me"):
        raise KamError(f"`/kam due` takes nothing or `team`: `/kam {SPECS['due'].usage}`.")
    page = whole(parsed.option("page"), PAGE) or 0
    if scope == "team":
        if req.user.role not in (Role.MANAGER, Role.ADMIN):
            raise KamError("`/kam due team` is for managers; `/kam due` shows yours.")
        items = due_items(session=req.session, now=req.now, team_of=req.user.id)
        title = f"Due for your team ({len(items)})"
    else:
        items = due_items(session=req.session, now=req.now, user_id=req.user.id)
        title = f"Due for you ({len(items)})"
    blocks = kb.due_blocks(items, title=title, page=page, scope=scope if scope == "team" else "")
    return Reply(title, blocks)


def do_snooze(req: Request, parsed: Parsed) -> Reply:
    """Put off everything due on an account until a moment in plain words."""
    until_text = parsed.option("until")
    if until_text:
        account = whole_account(parsed, session=req.session)
    else:
        account, until_text = account_and_text(parsed, session=req.session)
    if not until_text:
        raise KamError(f"Until when? `/kam {SPECS['snooze'].example}`")
    # "next monday" means the start of their working day then, not midnight
    until = When.of(req.user, req.now).moment(until_text)
    items = [
        i
        for i in due_items(session=req.session, now=req.now, user_id=req.user.id)
        if i.account_id == account.id
    ]
    if not items:
        raise KamError(f"Nothing is due for you on {account.name}; `/kam due` shows what is.")
    for item in items:
        snooze(item.key, until, session=req.session, actor=req.actor, now=req.now)
    when = _local(until, req)
    count = f"{len(items)} reminder{'s' if len(items) > 1 else ''}"
    return _confirmed(f"Snoozed {count} on {account.name} until {when}.", emoji=":zzz:")


def do_hours(req: Request, parsed: Parsed) -> Reply:
    """Show or set your own working hours, days and time zone."""
    days, zone = parsed.option("days"), parsed.option("zone")
    current = WorkingHours.of(req.user)
    if not parsed.text and days is None and zone is None:
        return _confirmed(
            f"You work {current.label}. Change it with `/kam {SPECS['hours'].example}`.",
            emoji=":clock9:",
        )
    span = parsed.text or f"{current.start:%H:%M}-{current.end:%H:%M}"
    user = set_working_hours(
        req.user.email, span, days=days, timezone=zone, session=req.session, actor=req.actor
    )
    return _confirmed(
        f"You work {WorkingHours.of(user).label}: your digest comes at the start of the day, "
        "and nothing reaches you outside these hours.",
        emoji=":clock9:",
    )


def do_score(req: Request, parsed: Parsed) -> Reply:
    """One account's scores with the breakdown, or your accounts' scores."""
    if parsed.text or parsed.marked:
        account = whole_account(parsed, session=req.session)
        scores = score_accounts(session=req.session, now=req.now, account_ids=[account.id or 0])
        if not scores:
            raise KamError(f"{account.name} cannot be scored yet.")
        summary = scores[0].summary()
        return Reply(f"Scores of {account.name}", kb.score_blocks(summary, scores[0].breakdown))
    owned = owned_account_ids(req.user.id or 0, session=req.session)
    scores = score_accounts(session=req.session, now=req.now, account_ids=owned)
    rows = sorted((s.summary() for s in scores), key=lambda r: -r.attractiveness)
    title = f"Your accounts by attractiveness ({len(rows)})"
    return Reply(title, kb.score_list_blocks(rows, title))


def _asked(req: Request, parsed: Parsed, account: Account, text: str) -> CustomerRequestCreate:
    outcome = choice(parsed.option("outcome"), RequestOutcome, "outcome") or RequestOutcome.OPEN
    return CustomerRequestCreate(
        what=text,
        alternatives=parsed.option("alternatives"),
        outcome=outcome,
        idempotency_key=req.idempotency_key,
    )


def _any_day(text: str, req: Request) -> date:
    """A day as typed; whether it may have passed is the record's own rule."""
    return req.when.day(text)


def _aim(req: Request, parsed: Parsed, account: Account, text: str) -> PlanObjectiveCreate:
    what, due = _what_and_day(parsed, text, req, _any_day)
    metric, _, target = what.rpartition(" ")
    if not metric.strip():
        raise KamError(f"Name the metric and its target: `/kam {SPECS['objective'].example}`.")
    return PlanObjectiveCreate(
        metric=metric,
        target=goals.read_target(target),
        due_on=due,
        idempotency_key=req.idempotency_key,
    )


def _step(req: Request, parsed: Parsed, account: Account, text: str) -> PlanActionCreate:
    what, due = _what_and_day(parsed, text, req, _any_day)
    owner = parsed.option("owner")
    owner_id = get_user_by_email(owner, session=req.session).id if owner else None
    return PlanActionCreate(
        what=what, due_on=due, owner_id=owner_id, idempotency_key=req.idempotency_key
    )


def _danger(req: Request, parsed: Parsed, account: Account, text: str) -> PlanRiskCreate:
    return PlanRiskCreate(
        what=text, mitigation=parsed.option("mitigation"), idempotency_key=req.idempotency_key
    )


def _held(req: Request, parsed: Parsed, account: Account, notes: str) -> ReviewCreate:
    held_on = parsed.option("on") or "today"
    return ReviewCreate(
        participants=parsed.option("with") or "",
        progress=parsed.option("progress"),
        next_actions=parsed.option("next"),
        notes=notes or None,
        idempotency_key=req.idempotency_key,
        held_on=req.when.day(held_on, prefer="past"),
    )


def logged_request(account: Account, request: CustomerRequest) -> str:
    return f"Request from {account.name} logged: {request.what} ({request.outcome})."


def aimed(account: Account, objective: PlanObjective) -> str:
    return (
        f"Objective for {account.name}: {objective.metric} {objective.target:g} "
        f"by {objective.due_on:%a %d %b %Y}."
    )


def stepped(account: Account, action: PlanAction) -> str:
    return f"Action for {account.name}: {action.what} (due {action.due_on:%a %d %b %Y})."


def risked(account: Account, risk: PlanRisk) -> str:
    return f"Risk for {account.name} noted: {risk.what}."


def reviewed(account: Account, review: Review) -> str:
    return (
        f"Review of {account.name} held {review.held_on:%a %d %b %Y} recorded; "
        "the review reminder is cleared."
    )


def _opened(
    req: Request, account: Account, *, planned: bool = True
) -> tuple[tuple[int, str], str | None]:
    """The account (id, name) a form opens on and where it confirms, once the person may
    change the account (and, for a part of the plan, once the account has a plan)."""
    if planned:
        plans.ensure_planned_tier(account, session=req.session, actor=req.actor)
    else:
        ensure_can_change(req.actor, account)
    return (account.id or 0, account.name), req.response_url


def _request_form(req: Request, account: Account) -> View:
    return record_forms.request_modal(*_opened(req, account, planned=False))


def _objective_form(req: Request, account: Account) -> View:
    return record_forms.objective_modal(*_opened(req, account))


def _action_form(req: Request, account: Account) -> View:
    return record_forms.action_modal(*_opened(req, account), owner=req.slack_user_id)


def _risk_form(req: Request, account: Account) -> View:
    return record_forms.risk_modal(*_opened(req, account))


_log_request = Recording(
    read=_asked, write=add_request, confirm=logged_request, emoji=":bulb:", form=_request_form
)
do_objective = Recording(
    read=_aim, write=plans.add_objective, confirm=aimed, emoji=":dart:", form=_objective_form
)
"""Add an objective to a strategic or key account's plan (the account alone: the form)."""
do_action = Recording(
    read=_step, write=plans.add_action, confirm=stepped, emoji=":runner:", form=_action_form
)
"""Add an action to the plan."""
do_risk = Recording(
    read=_danger, write=plans.add_risk, confirm=risked, emoji=":construction:", form=_risk_form
)
"""Add a risk to the plan."""
_record_review = Recording(read=_held, write=record_review, confirm=reviewed, emoji=":clipboard:")


def do_review(req: Request, parsed: Parsed) -> Reply:
    """Record the quarterly account review; with no --with, open the form instead."""
    if parsed.options or (parsed.marked and parsed.text):
        return _record_review(req, parsed)
    account = whole_account(parsed, session=req.session)
    plans.ensure_planned_tier(account, session=req.session, actor=req.actor)
    modal = pb.review_modal(
        account_id=account.id or 0, account_name=account.name, response_url=req.response_url
    )
    return Reply(f"Review of {account.name}", modal=modal)


def _verb(parsed: Parsed) -> tuple[str, str]:
    """The first word of an unmarked command's text (lower case) and the rest."""
    if parsed.marked:
        return "", parsed.text
    word, _, rest = parsed.text.strip().partition(" ")
    return word.lower(), rest.strip()


def do_request(req: Request, parsed: Parsed) -> Reply:
    """Log a request for something we do not offer (the account alone: the form);
    ``gaps`` ranks what is asked for most, ``list`` shows requests with their outcome,
    ``outcome ID OUTCOME`` records what became of one."""
    verb, rest = _verb(parsed)
    if verb == "gaps" and not rest:
        return Reply("Gaps", pb.gap_blocks(request_gaps(session=req.session)))
    if verb == "list":
        named = parse(f"request {rest}") if rest else None
        account = whole_account(named, session=req.session) if named else None
        return _requests_of(account, req)
    if verb == "outcome":
        return _request_outcome(req, parsed, rest)
    return _log_request(req, parsed)


def _requests_of(account: Account | None, req: Request, *, said: str | None = None) -> Reply:
    """The newest requests (of ``account``), each with a menu to set its outcome; ``said``
    first, when something was just recorded."""
    rows = request_rows(session=req.session, account=account, limit=REQUESTS_SHOWN)
    title = f"Requests from {account.name}" if account else "The newest requests"
    blocks = pb.request_blocks(rows, title)
    if said is None:
        return Reply(title, blocks)
    return Reply(said, kb.within_message_limit([*kb.notice_blocks(said, emoji=":bulb:"), *blocks]))


def _request_outcome(req: Request, parsed: Parsed, rest: str) -> Reply:
    words = rest.split()
    if len(words) != 2 or not words[0].isdigit():
        raise KamError(
            "Write it as `/kam request outcome ID OUTCOME [--alternatives TEXT]`, e.g. "
            "`/kam request outcome 12 alternative`; `/kam request list` shows the ids."
        )
    outcome = choice(words[1], RequestOutcome, "outcome") or RequestOutcome.OPEN
    found = get_request(int(words[0]), session=req.session)
    stored = set_outcome(
        found,
        outcome,
        session=req.session,
        actor=req.actor,
        alternatives=parsed.option("alternatives"),
    )
    account = get_account(stored.account_id, session=req.session)
    said = f"Request {stored.id} from {account.name} ({stored.what}) is now {stored.outcome}."
    return _requests_of(account, req, said=said)


def do_goal(req: Request, parsed: Parsed) -> Reply:
    """Set a goal from ``METRIC TARGET`` (``add`` alone: the form); ``edit ID`` changes one
    (no options: the form, filled in); with no words, list the goals."""
    verb, rest = _verb(parsed)
    words = parsed.text.split()
    if verb == "edit":
        return _goal_edit(req, parsed, rest)
    if verb == "remove":
        goal = goals.get_goal(_goal_id(rest), session=req.session)
        goals.remove_goal(goal, session=req.session, actor=req.actor)
        return _confirmed(f"Removed goal {rest}: {goal_sentence(goal)}.", emoji=":wastebasket:")
    if verb == "add":
        words = words[1:]
        if not words and not parsed.options:
            return Reply("Set a goal", modal=record_forms.goal_modal(req.response_url))
    elif not words:
        return Reply("Goals", pb.goal_blocks(goals.list_goals(session=req.session)))
    if len(words) < 2:
        raise KamError(f"Give the metric and its target: `/kam {SPECS['goal'].example}`.")
    aim = GoalCreate(
        metric=" ".join(words[:-1]),
        target=goals.read_target(words[-1]),
        scope=choice(parsed.option("scope"), GoalScope, "scope") or GoalScope.TEAM,
        scope_ref=parsed.option("of"),
        period=parsed.option("period") or "12m",
        idempotency_key=req.idempotency_key,
    )
    goal = goals.add_goal(aim, session=req.session, actor=req.actor, now=req.now)
    return _confirmed(f"Goal set: {goal_sentence(goal)}.", emoji=":dart:")


def goal_sentence(goal: Goal) -> str:
    """A goal in words: "csat 4.5 for tier key, 2026"."""
    whose = f"{goal.scope} {goal.scope_ref}" if goal.scope_ref else "everyone"
    return f"{goal.metric} {goal.target:g} for {whose}, {goal.period}"


def _goal_id(text: str) -> int:
    if not text.isdigit():
        raise KamError(
            "Write it as `/kam goal edit ID [--metric M] [--target T] [--scope S] [--of REF] "
            "[--period P]` or `/kam goal remove ID`; `/kam goal` lists the ids."
        )
    return int(text)


def _goal_edit(req: Request, parsed: Parsed, rest: str) -> Reply:
    goal = goals.get_goal(_goal_id(rest), session=req.session)
    typed = parsed.option("target")
    given: dict[str, Any] = {
        "metric": parsed.option("metric"),
        "target": goals.read_target(typed) if typed is not None else None,
        "scope": choice(parsed.option("scope"), GoalScope, "scope"),
        "scope_ref": parsed.option("of"),
        "period": parsed.option("period"),
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        return Reply("Change a goal", modal=record_forms.goal_modal(req.response_url, goal))
    stored = goals.edit_goal(
        goal, GoalUpdate(**changes), session=req.session, actor=req.actor, now=req.now
    )
    return _confirmed(f"Goal {stored.id} is now {goal_sentence(stored)}.", emoji=":dart:")


def do_plan(req: Request, parsed: Parsed) -> Reply:
    """A strategic or key account's plan and scorecard; ``done ACCOUNT ID`` marks one of its
    actions done."""
    verb, rest = _verb(parsed)
    if verb == "done":
        return _plan_done(req, rest)
    if verb == "remove":
        return _plan_remove(req, rest)
    account = whole_account(parsed, session=req.session)
    plans.ensure_planned_tier(account, session=req.session)
    plan = account_plan(account, session=req.session, now=req.now)
    return Reply(f"Account plan: {account.name}", pb.plan_blocks(plan))


def _plan_part(
    req: Request, rest: str, usage: str, part: str | None = None
) -> tuple[Account, str, PlanPart]:
    """The account, and the part of its plan ``rest`` names: ``ACCOUNT ID`` for ``part``,
    else ``ACCOUNT PART ID``."""
    named, _, number = rest.rpartition(" ")
    if part is None:
        named, _, part = named.rpartition(" ")
    if not number.isdigit() or not named.strip():
        raise KamError(f"Write it as `/kam {usage}`; the plan shows each one's id.")
    account = whole_account(parse(f"plan {named}"), session=req.session)
    found = plans.get_part(part.lower(), int(number), account=account, session=req.session)
    return account, part.lower(), found


def _replanned(req: Request, account: Account, said: str, emoji: str) -> Reply:
    """``said``, above the plan as it now stands."""
    plan = account_plan(account, session=req.session, now=req.now)
    blocks = [*kb.notice_blocks(said, emoji=emoji), *pb.plan_blocks(plan)]
    return Reply(said, kb.within_message_limit(blocks))


def _plan_done(req: Request, rest: str) -> Reply:
    account, _, step = _plan_part(req, rest, "plan done ACCOUNT ID", "action")
    assert isinstance(step, PlanAction)
    plans.complete_action(step, session=req.session, actor=req.actor, now=req.now)
    return _replanned(req, account, f"Done: {step.what} ({account.name}).", ":white_check_mark:")


def _plan_remove(req: Request, rest: str) -> Reply:
    usage = "plan remove ACCOUNT objective|action|risk ID"
    account, part, row = _plan_part(req, rest, usage)
    plans.remove_part(row, session=req.session, actor=req.actor)
    said = f"Removed {part} {row.id} from {account.name}'s plan."
    return _replanned(req, account, said, ":wastebasket:")


def do_users(req: Request, parsed: Parsed) -> Reply:
    """Change or deactivate a person on the team (core decides who may)."""
    email = parsed.text.strip()
    if not email or " " in email:
        raise KamError(f"Name the person by e-mail, e.g. `/kam {SPECS['users'].example}`.")
    if parsed.verb == "deactivate":
        user, owned = deactivate_user(email, session=req.session, actor=req.actor)
        still = f" They still own {owned:,} account{'s' if owned != 1 else ''}." if owned else ""
        return _confirmed(
            f"Deactivated {user.email}: no more reminders for them.{still}", emoji=":wave:"
        )
    typed = {k: v for k, v in parsed.options.items() if isinstance(v, str)}
    if not typed:
        raise KamError(f"Say what changes, e.g. `/kam {SPECS['users'].example}`.")
    changes = read_user_changes(typed, session=req.session)
    user = edit_user(email, changes, session=req.session, actor=req.actor)
    return _confirmed(f"Updated {user.name} <{user.email}> ({user.role}).", emoji=":pencil2:")


def do_audit(req: Request, parsed: Parsed) -> Reply:
    """Who changed what on an account (or, for managers and admins, anywhere)."""
    account = whole_account(parsed, session=req.session) if parsed.text or parsed.marked else None
    lines = audit.trail_for(
        req.actor, session=req.session, account_id=account.id if account else None, limit=20
    )
    title = f"Changes to {account.name}" if account else "The newest changes"
    return Reply(title, kb.audit_blocks(lines, title))


def do_portfolio(req: Request, parsed: Parsed) -> Reply:
    """Concentration, tiers, matrix, health and capacity for the whole portfolio."""
    if parsed.text:
        raise KamError("`/kam portfolio` takes no arguments.")
    figures = portfolio_figures(session=req.session, now=req.now)
    return Reply("kam portfolio", kb.portfolio_blocks(figures))


def do_contact(req: Request, parsed: Parsed) -> Reply:
    """Add, edit, retire or list the people at a customer (``contact add ACCOUNT`` alone
    opens the form)."""
    if parsed.verb == "list":
        account = whole_account(parsed, session=req.session)
        people = contact_list(account, session=req.session)
        return Reply(f"Contacts at {account.name}", kb.contact_list_blocks(account.name, people))
    account, text = account_and_text(parsed, session=req.session)
    typed = {
        option.replace("-", "_"): value
        for option, value in parsed.options.items()
        if isinstance(value, str)
    }
    if parsed.verb == "add":
        if not text and not typed:
            assert account.id is not None
            return Reply(
                "Add a contact", modal=record_forms.contact_modal(account.id, account.name)
            )
        given = read_contact(account, {"name": text, **typed}, session=req.session)
        assert isinstance(given, ContactCreate)
        person = add_contact(account, given, session=req.session, actor=req.actor)
        return _confirmed(f"Added {person.name} to {account.name}.", emoji=":bust_in_silhouette:")
    person = find_contact(account, text, session=req.session)
    if parsed.verb == "retire":
        retire_contact(person, session=req.session, actor=req.actor, now=req.now)
        return _confirmed(
            f"{person.name} is retired: off the card and the reminders, kept in the history.",
            emoji=":wave:",
        )
    changes = read_contact(account, typed, session=req.session, editing=True)
    assert isinstance(changes, ContactUpdate)
    edit_contact(person, changes, session=req.session, actor=req.actor)
    return _confirmed(f"Changed {person.name} at {account.name}.", emoji=":pencil2:")


def do_fact(req: Request, parsed: Parsed) -> Reply:
    """Add, edit or remove a personal fact about a contact ("know them")."""
    account, text = account_and_text(parsed, session=req.session)
    name = parsed.option("contact")
    if not name:
        raise KamError(
            f"Whose fact? Name them with --contact, e.g. `/kam {SPECS['fact'].example}`."
        )
    person = find_contact(account, name, session=req.session)
    kind_text, _, fact = text.partition(" ")
    kind = fact_kind(kind_text)
    if parsed.verb == "remove":
        remove_fact(person, kind, session=req.session, actor=req.actor)
        return _confirmed(f"Removed {person.name}'s {kind.value}.", emoji=":wastebasket:")
    write = add_fact if parsed.verb == "add" else edit_fact
    write(person, kind, fact, session=req.session, actor=req.actor)
    return _confirmed(f"Noted {person.name}'s {kind.value}: {fact.strip()}.", emoji=":memo:")


def do_account(req: Request, parsed: Parsed) -> Reply:
    """Set the account profile; with no options, open it as a form."""
    account, text = account_and_text(parsed, session=req.session)
    if text:
        raise KamError(f"Give the profile as options, e.g. `/kam {SPECS['account'].example}`.")
    typed = by_option({k: v for k, v in parsed.options.items() if isinstance(v, str)})
    if not typed:
        card = account_card(account, session=req.session, now=req.now)
        return Reply("Account profile", modal=record_forms.profile_modal(card))
    set_profile(account, read_profile(typed), session=req.session, actor=req.actor, now=req.now)
    said = ", ".join(PROFILE[name].label.split(" (")[0].lower() for name in typed)
    return _confirmed(f"Set {said} for {account.name}.", emoji=":card_index:")


def do_channel(req: Request, parsed: Parsed) -> Reply:
    """Link the channel the command was typed in to an account: its messages become touches."""
    verb, _, rest = parsed.text.partition(" ")
    if verb.lower() != "link" or not (rest.strip() or parsed.account):
        raise KamError(f"Write it as `/kam {SPECS['channel'].usage}`, in the channel to link.")
    named = Parsed(parsed.name, parsed.account, rest.strip(), (), parsed.options)
    account = whole_account(named, session=req.session)
    link_channel(req.channel_id or "", account, session=req.session, actor=req.actor)
    return _confirmed(
        f"This channel is linked to {account.name}: a message here counts as a touch, "
        "one per person per day (kam stores that it was written, not what).",
        emoji=":link:",
    )


def do_place(req: Request, parsed: Parsed) -> Reply:
    """Make someone from the review queue a contact of an account."""
    address, _, rest = parsed.text.partition(" ")
    if "@" not in address or not (rest.strip() or parsed.account):
        raise KamError(f"Write it as `/kam {SPECS['place'].usage}`.")
    named = Parsed(parsed.name, parsed.account, rest.strip(), (), parsed.options)
    account = whole_account(named, session=req.session)
    contact = make_contact(address, account, session=req.session, actor=req.actor)
    return _confirmed(
        f"{contact.name} ({contact.email}) is now a contact of {account.name}; "
        "their mail and meetings count from the next capture on.",
        emoji=":bust_in_silhouette:",
    )


Handler = Callable[[Request, Parsed], Reply]

HANDLERS: dict[str, Handler] = {
    "help": do_help,
    "list": do_list,
    "show": do_show,
    "log": do_log,
    "promise": do_promise,
    "notice": do_notice,
    "order": do_order,
    "feedback": do_feedback,
    "thanks": do_thanks,
    "due": do_due,
    "snooze": do_snooze,
    "hours": do_hours,
    "score": do_score,
    "portfolio": do_portfolio,
    "audit": do_audit,
    "users": do_users,
    "contact": do_contact,
    "fact": do_fact,
    "account": do_account,
    "channel": do_channel,
    "place": do_place,
    "request": do_request,
    "goal": do_goal,
    "plan": do_plan,
    "objective": do_objective,
    "action": do_action,
    "risk": do_risk,
    "review": do_review,
}


def run(req: Request, parsed: Parsed) -> Reply:
    """The reply to one parsed command."""
    return HANDLERS[parsed.name](req, parsed)
