"""Modal submissions: the log form, and the forms that record a contact, the profile, a
request, a part of the plan, a review or a goal.

A submission is acknowledged at once, with the form as it was filled in marked
as saving (``kambot.log_form``); looking the person up, checking the input and
the write (one short transaction) come after. Then the form becomes a
confirmation, or shows the problem under its field so the person can fix it and
submit again, and the conversation the form came from is told.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from core.actors import Actor
from core.capture.review import make_contact
from core.checkins import resolve_after_interaction
from core.db import Session, session_scope
from core.errors import KamError, NotFound
from core.models import (
    Account,
    Contact,
    ContactCreate,
    CustomerRequestCreate,
    GoalCreate,
    GoalScope,
    GoalUpdate,
    InteractionCreate,
    InteractionKind,
    PlanActionCreate,
    PlanObjectiveCreate,
    PlanRiskCreate,
    RequestOutcome,
    ReviewCreate,
    Sentiment,
    User,
)
from core.services import goals, plans
from core.services.accounts import get_account
from core.services.contacts import add_contact, contacts_of, find_contact, read_contact
from core.services.interactions import log_interaction
from core.services.profile import read_profile, set_profile
from core.services.reminders import reminder_by_key
from core.services.requests import add_request
from core.services.reviews import record_review
from core.services.users import get_user_by_slack_id
from core.validation import choice
from core.when import When
from kambot import blocks as kb
from kambot import ids, log_form, pickers, record_forms, reminders
from kambot import plan_blocks as pb
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.identity import resolve
from kambot.listeners import events
from kambot.subcommands import (
    Typed,
    Writer,
    Written,
    aimed,
    goal_sentence,
    logged_request,
    reviewed,
    risked,
    stepped,
)

log = logging.getLogger(__name__)


def register(app: App) -> None:
    """Listen for every form kam opens."""
    app.view(ids.LOG_MODAL)(after_ack(log_submitted))
    app.view(ids.PLACE_MODAL)(after_ack(place_submitted))
    forms: tuple[tuple[str, tuple[str, str], Callable[[Form], str]], ...] = (
        (ids.CONTACT_MODAL, ("name", "name"), Saving(_contact, add_contact, _added)),
        (ids.PROFILE_MODAL, ("relationship_stage", "relationship_stage"), _profile),
        (ids.REVIEW_MODAL, ids.REVIEW_WITH, _review),
        (ids.REQUEST_MODAL, ids.REQUEST_WHAT, Saving(_request, add_request, logged_request)),
        (ids.OBJECTIVE_MODAL, ids.OBJECTIVE_METRIC, Saving(_objective, plans.add_objective, aimed)),
        (ids.ACTION_MODAL, ids.ACTION_WHAT, Saving(_action, plans.add_action, stepped)),
        (ids.RISK_MODAL, ids.RISK_WHAT, Saving(_risk, plans.add_risk, risked)),
        (ids.GOAL_MODAL, ids.GOAL_METRIC, _goal),
    )
    for callback_id, first, save in forms:
        app.view(callback_id)(after_ack(_form(first, save)))


def _profile(form: Form) -> str:
    """Save the profile the form holds (only the fields that changed are stamped)."""
    account = form.account()
    typed = record_forms.submitted(form.view)[1]
    set_profile(account, read_profile(typed), session=form.session, actor=form.actor)
    return f"Saved the profile of {account.name}."


def place_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Make the address a contact of the picked account (the review queue's core rule),
    then redraw the Home tab without them. Acked first: a missing pick at once, anything
    else as saving, then the form shows what was done or core's refusal."""
    address, account_id = record_forms.place_submitted(view)
    if account_id is None:
        ack(response_action="errors", errors={"account": "Pick an account."})
        return
    ack(response_action="update", view=log_form.saving(view))
    identity = resolve(body["user"]["id"], kam=kam, client=client)
    try:
        if identity.user is None:
            raise KamError("kam does not know you yet.")
        with session_scope(kam.engine) as session:
            account = get_account(account_id, session=session)
            contact = make_contact(address, account, session=session, actor=identity.actor())
            said = f"{contact.name} ({contact.email}) is now a contact of {account.name}."
    except KamError as exc:
        problem = log_form.with_problem(view, "account", exc.message)
        client.views_update(view_id=view["id"], view=problem)
        return
    client.views_update(view_id=view["id"], view=pb.recorded_view(said))
    events.publish_home(identity, kam=kam, client=client)


class FieldError(Exception):
    """A problem with one input of the form, shown under that input."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


def _value(values: dict[str, Any], field: tuple[str, str]) -> str | None:
    """The text, selected option, radio choice or person of one input (None when empty)."""
    state = (values.get(field[0]) or {}).get(field[1]) or {}
    if state.get("type") == "users_select":
        return state.get("selected_user") or None
    if state.get("type") in ("static_select", "external_select", "radio_buttons"):
        selected = state.get("selected_option") or {}
        return selected.get("value")
    value = state.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _unknown(slack_user_id: str, view: dict[str, Any], block_id: str, client: WebClient) -> None:
    """Tell a person kam does not know, in the form they sent, how to be linked."""
    problem = (
        "kam does not know you yet; ask an admin to run "
        f"`kam users link YOUR_EMAIL {slack_user_id}`."
    )
    client.views_update(view_id=view["id"], view=log_form.with_problem(view, block_id, problem))


def log_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Log the interaction once per form (the view id is the idempotency key: Slack's
    retries and a double click on Log are one submission, a second form opened from
    the same reminder is another), then confirm."""
    ack(response_action="update", view=log_form.saving(view))
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        _unknown(slack_user_id, view, ids.LOG_SUMMARY[0], client)
        return
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    now = kam.now()
    reminder_key = metadata.get("reminder_key")
    key = f"slack:view:{view['id']}"  # one per form opened: its retries and double clicks
    try:
        with session_scope(kam.engine) as session:
            account_id = pickers.account_of(view)
            if account_id is None:
                raise FieldError(ids.LOG_ACCOUNT[0], "Pick the account this is about.")
            try:
                account = get_account(account_id, session=session)
            except KamError as exc:
                raise FieldError(ids.LOG_ACCOUNT[0], exc.message) from exc
            when_text = _value(values, ids.LOG_WHEN)
            try:
                occurred = (
                    When(now, identity.user.timezone).moment(when_text, prefer="past")
                    if when_text
                    else None
                )
            except KamError as exc:
                raise FieldError(ids.LOG_WHEN[0], exc.message) from exc
            contact = None
            contact_value = _value(values, ids.LOG_CONTACT)
            if contact_value:
                try:
                    if contact_value.isdigit():
                        contact = next(
                            (
                                c
                                for c in contacts_of(account, session=session)
                                if c.id == int(contact_value)
                            ),
                            None,
                        )
                    if contact is None:
                        contact = find_contact(account, contact_value, session=session)
                except NotFound as exc:
                    raise FieldError(ids.LOG_CONTACT[0], exc.message) from exc
            try:
                interaction = InteractionCreate(
                    summary=_value(values, ids.LOG_SUMMARY) or "",
                    kind=choice(_value(values, ids.LOG_KIND), InteractionKind, "kind")
                    or InteractionKind.CALL,
                    occurred_at=occurred,
                    contact_id=contact.id if contact else None,
                    sentiment=choice(_value(values, ids.LOG_SENTIMENT), Sentiment, "sentiment"),
                    source="slack",
                    idempotency_key=key,
                )
                logged = log_interaction(
                    account, interaction, session=session, actor=identity.actor(), now=now
                )
            except KamError as exc:
                raise FieldError(ids.LOG_SUMMARY[0], exc.message) from exc
            if reminder_key:
                resolve_after_interaction(account.id or 0, session=session, now=now)
            what = (
                account.name,
                logged.kind,
                f"{logged.occurred_at:%Y-%m-%d %H:%M} UTC",
                logged.summary,
            )
            fallback = f"Logged {logged.kind} with {account.name}"
    except FieldError as exc:
        client.views_update(
            view_id=view["id"], view=log_form.with_problem(view, exc.block_id, exc.message)
        )
        return
    client.views_update(view_id=view["id"], view=log_form.logged(*what))
    if reminder_key:
        _after_reminder_log(
            reminder_key, metadata, confirmation_text=fallback, body=body, kam=kam, client=client
        )
        return
    confirmation = kb.logged_blocks(*what)
    response_url = metadata.get("response_url")
    if response_url:
        WebhookClient(response_url).send(
            text=kb.fallback(fallback),
            blocks=kb.dump(confirmation),
            response_type="ephemeral",
            replace_original=False,
        )
    else:
        client.chat_postMessage(
            channel=slack_user_id, text=kb.fallback(fallback), blocks=kb.dump(confirmation)
        )


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    loaded = json.loads(view.get("private_metadata") or "{}")
    return loaded if isinstance(loaded, dict) else {}


@dataclass(frozen=True)
class Form:
    """A submitted form, read inside the one session that saves it."""

    view: dict[str, Any]
    session: Session
    user: User
    actor: Actor
    now: datetime

    @property
    def metadata(self) -> dict[str, Any]:
        """What the form was opened with (its account, where to confirm)."""
        return _metadata(self.view)

    @property
    def key(self) -> str:
        """The idempotency key of what it records: one per form opened."""
        return f"slack:view:{self.view['id']}"

    @property
    def when(self) -> When:
        """How the person's typed days read: now, in their time zone."""
        return When(self.now, self.user.timezone)

    def value(self, field: tuple[str, str]) -> str | None:
        """The text, choice or person in one input (None when empty)."""
        return _value((self.view.get("state") or {}).get("values") or {}, field)

    def account(self) -> Account:
        """The account the form was opened on."""
        account_id = pickers.account_of(self.view)
        if account_id is None:
            raise KamError("This form names no account; open it again with `/kam`.")
        return get_account(account_id, session=self.session)

    @contextmanager
    def about(self, field: tuple[str, str]) -> Iterator[None]:
        """A refusal from core in this block is shown under the input ``field``."""
        try:
            yield
        except KamError as exc:
            raise FieldError(field[0], exc.message) from exc


def _form(first: tuple[str, str], save: Callable[[Form], str]) -> Callable[..., None]:
    """The listener for a form whose first input is ``first``, saved by ``save`` through its
    core service, once per form opened (``save`` passes :attr:`Form.key`, and the database
    keeps each key once, so Slack's retries and a double click on Save, to this process or
    another, are one record): acked at once as saving, then the form becomes what was
    recorded, or shows core's refusal under the input it concerns (under ``first`` when
    none is named) with nothing written; where it was opened from is told."""

    def submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
    ) -> None:
        ack(response_action="update", view=log_form.saving(view))
        identity = resolve(body["user"]["id"], kam=kam, client=client)
        user = identity.user
        if user is None:
            _unknown(identity.slack_user_id, view, first[0], client)
            return
        try:
            with session_scope(kam.engine) as session:
                form = Form(view, session, user, identity.actor(), kam.now())
                with form.about(first):
                    message = save(form)
        except FieldError as exc:
            problem = log_form.with_problem(view, exc.block_id, exc.message)
            client.views_update(view_id=view["id"], view=problem)
            return
        client.views_update(view_id=view["id"], view=pb.recorded_view(message))
        response_url = _metadata(view).get("response_url")
        if response_url:
            WebhookClient(response_url).send(
                text=kb.fallback(message),
                blocks=kb.dump(kb.notice_blocks(message, emoji=":clipboard:")),
                response_type="ephemeral",
                replace_original=False,
            )

    named = save.read if isinstance(save, Saving) else save
    submitted.__name__ = submitted.__qualname__ = f"{named.__name__.lstrip('_')}_submitted"
    submitted.__doc__ = named.__doc__
    return submitted


def _review(form: Form) -> str:
    """Record the quarterly review (it clears the review reminder)."""
    account = form.account()
    with form.about(ids.REVIEW_ON):
        held_on = form.when.day(form.value(ids.REVIEW_ON) or "today", prefer="past")
    review = ReviewCreate(
        participants=form.value(ids.REVIEW_WITH) or "",
        held_on=held_on,
        progress=form.value(ids.REVIEW_PROGRESS),
        notes=form.value(ids.REVIEW_NOTES),
        next_actions=form.value(ids.REVIEW_NEXT),
        idempotency_key=form.key,
    )
    stored = record_review(account, review, session=form.session, actor=form.actor, now=form.now)
    return reviewed(account, stored)


@dataclass(frozen=True)
class Saving(Generic[Typed, Written]):
    """A form that records one thing about the account it was opened on, in the same steps
    as every other (and as the slash command's :class:`~kambot.subcommands.Recording`):
    ``read`` its inputs into the writer's typed input, ``write`` it through core,
    ``confirm`` it in one sentence. ``read`` names the listener and gives it its doc."""

    read: Callable[[Form, Account], Typed]
    write: Writer[Typed, Written]
    confirm: Callable[[Account, Written], str]

    def __call__(self, form: Form) -> str:
        account = form.account()
        typed = self.read(form, account)
        written = self.write(account, typed, session=form.session, actor=form.actor)
        return self.confirm(account, written)


def _contact(form: Form, account: Account) -> ContactCreate:
    """Add the contact the form describes."""
    given = read_contact(account, record_forms.submitted(form.view)[1], session=form.session)
    assert isinstance(given, ContactCreate)
    return given


def _added(account: Account, person: Contact) -> str:
    return f"Added {person.name} to {account.name}."


def _request(form: Form, account: Account) -> CustomerRequestCreate:
    """Log a request for something we do not offer."""
    return CustomerRequestCreate(
        what=form.value(ids.REQUEST_WHAT) or "",
        alternatives=form.value(ids.REQUEST_ALTERNATIVES),
        outcome=choice(form.value(ids.REQUEST_OUTCOME), RequestOutcome, "outcome")
        or RequestOutcome.OPEN,
        idempotency_key=form.key,
    )


def _due(form: Form, field: tuple[str, str]) -> date:
    with form.about(field):
        return form.when.day(form.value(field) or "")


def _target(form: Form, field: tuple[str, str]) -> float:
    with form.about(field):
        return goals.read_target(form.value(field) or "")


def _objective(form: Form, account: Account) -> PlanObjectiveCreate:
    """Add an objective to the plan."""
    target = _target(form, ids.OBJECTIVE_TARGET)
    due = _due(form, ids.OBJECTIVE_DUE)
    with form.about(ids.OBJECTIVE_DUE):
        return PlanObjectiveCreate(
            metric=form.value(ids.OBJECTIVE_METRIC) or "",
            target=target,
            due_on=due,
            idempotency_key=form.key,
        )


def _action(form: Form, account: Account) -> PlanActionCreate:
    """Add an action to the plan, its owner the person picked (by default, whoever adds it)."""
    picked = form.value(ids.ACTION_OWNER)
    owner = get_user_by_slack_id(picked, session=form.session) if picked else None
    if picked and (owner is None or not owner.active):
        raise FieldError(
            ids.ACTION_OWNER[0],
            "kam does not know that person; pick someone on the team (an admin links them "
            "with `kam users link EMAIL SLACK_ID`).",
        )
    due = _due(form, ids.ACTION_DUE)
    with form.about(ids.ACTION_DUE):
        return PlanActionCreate(
            what=form.value(ids.ACTION_WHAT) or "",
            due_on=due,
            owner_id=owner.id if owner else None,
            idempotency_key=form.key,
        )


def _risk(form: Form, account: Account) -> PlanRiskCreate:
    """Add a risk, and its mitigation, to the plan."""
    return PlanRiskCreate(
        what=form.value(ids.RISK_WHAT) or "",
        mitigation=form.value(ids.RISK_MITIGATION),
        idempotency_key=form.key,
    )


def _goal(form: Form) -> str:
    """Set a goal, or change the one the form was opened on (the same change twice writes
    nothing the second time)."""
    target = _target(form, ids.GOAL_TARGET)
    given: dict[str, Any] = {
        "metric": form.value(ids.GOAL_METRIC) or "",
        "target": target,
        "scope": choice(form.value(ids.GOAL_SCOPE), GoalScope, "scope") or GoalScope.TEAM,
        "scope_ref": form.value(ids.GOAL_OF) or "",  # empty: the whole team (core's rule)
        "period": form.value(ids.GOAL_PERIOD) or "",
    }
    goal_id = form.metadata.get("goal_id")
    with form.about(ids.GOAL_OF):
        if isinstance(goal_id, int):
            found = goals.get_goal(goal_id, session=form.session)
            stored = goals.edit_goal(
                found, GoalUpdate(**given), session=form.session, actor=form.actor, now=form.now
            )
            return f"Goal {stored.id} is now {goal_sentence(stored)}."
        stored = goals.add_goal(
            GoalCreate(**given, idempotency_key=form.key),
            session=form.session,
            actor=form.actor,
            now=form.now,
        )
        return f"Goal set: {goal_sentence(stored)}."


def _after_reminder_log(
    key: str,
    metadata: dict[str, Any],
    *,
    confirmation_text: str,
    body: dict[str, Any],
    kam: Kam,
    client: WebClient,
) -> None:
    """Redraw the reminder (or list) the form was opened from, showing what was logged."""
    identity = resolve(body["user"]["id"], kam=kam, client=client)
    surface = reminders.Surface(
        kind=metadata.get("surface") or "dm",
        channel=metadata.get("channel"),
        ts=metadata.get("ts"),
        list_view=bool(metadata.get("list")),
        response_url=metadata.get("response_url"),
        trigger_id=None,
    )
    with session_scope(kam.engine) as session:
        assert identity.user is not None
        row = reminder_by_key(key, session=session)
        item = reminders.item_of(key, row, identity.user, session=session, now=kam.now())
    if item is not None and not item.draft and metadata.get("draft"):
        item = replace(item, draft=str(metadata["draft"]))  # as the form was opened with it
    outcome = f":memo: {kb.escape(confirmation_text)} by <@{kb.escape(identity.slack_user_id)}>."
    respond = (
        WebhookClient(surface.response_url).send if surface.response_url else (lambda **_: None)
    )
    reminders.redraw(
        surface,
        item,
        outcome,
        identity,
        kam=kam,
        client=client,
        respond=respond,
    )
