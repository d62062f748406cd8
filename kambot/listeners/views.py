"""Modal submissions: the log form and the review form.

A submission is acknowledged at once, with the form as it was filled in marked
as saving (``kambot.log_form``); looking the person up, checking the input and
the write (one short transaction) come after. Then the form becomes a
confirmation, or shows the problem under its field so the person can fix it and
submit again, and the conversation the form came from is told.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

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
    ContactCreate,
    InteractionCreate,
    InteractionKind,
    ReviewCreate,
    Sentiment,
)
from core.services.accounts import find_account, get_account
from core.services.contacts import add_contact, contacts_of, find_contact, read_contact
from core.services.interactions import log_interaction
from core.services.profile import read_profile, set_profile
from core.services.reminders import reminder_by_key
from core.services.reviews import record_review
from core.validation import choice
from core.when import When
from kambot import blocks as kb
from kambot import ids, log_form, record_forms, reminders
from kambot import plan_blocks as pb
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.identity import resolve
from kambot.listeners import events

log = logging.getLogger(__name__)


def register(app: App) -> None:
    """Listen for the log form, the contact form and the profile form."""
    app.view(ids.LOG_MODAL)(after_ack(log_submitted))
    app.view(ids.CONTACT_MODAL)(contact_submitted)
    app.view(ids.PROFILE_MODAL)(profile_submitted)
    app.view(ids.PLACE_MODAL)(place_submitted)
    app.view(ids.REVIEW_MODAL)(after_ack(review_submitted))


def _record_form(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    kam: Kam,
    save: Callable[[Account, dict[str, str], Session, Actor], str],
    first_field: str,
) -> None:
    """Save a record form through its core rule: a refusal shows under the form and
    writes nothing; a saved one closes the form and says what was saved."""
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        ack(response_action="errors", errors={first_field: "kam does not know you yet."})
        return
    account_id, typed = record_forms.submitted(view)
    try:
        with session_scope(kam.engine) as session:
            account = get_account(account_id, session=session)
            said = save(account, typed, session, identity.actor())
    except KamError as exc:
        ack(response_action="errors", errors={first_field: exc.message[:150]})
        return
    ack()
    client.chat_postMessage(
        channel=slack_user_id, text=kb.fallback(said), blocks=kb.dump(kb.notice_blocks(said))
    )


def _save_contact(account: Account, typed: dict[str, str], session: Session, actor: Actor) -> str:
    given = read_contact(account, typed, session=session)
    assert isinstance(given, ContactCreate)
    person = add_contact(account, given, session=session, actor=actor)
    return f"Added {person.name} to {account.name}."


def _save_profile(account: Account, typed: dict[str, str], session: Session, actor: Actor) -> str:
    set_profile(account, read_profile(typed), session=session, actor=actor)
    return f"Saved the profile of {account.name}."


def contact_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Add the contact the form describes."""
    _record_form(ack, body, view, client, kam, _save_contact, "name")


def profile_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Save the profile the form holds (only the fields that changed are stamped)."""
    _record_form(ack, body, view, client, kam, _save_profile, "relationship_stage")


def place_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Make the address a contact of the picked account (the review queue's core rule),
    then redraw the Home tab without them."""
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    address, account_id = record_forms.place_submitted(view)
    if identity.user is None or account_id is None:
        problem = "Pick an account." if identity.user else "kam does not know you yet."
        ack(response_action="errors", errors={"account": problem})
        return
    try:
        with session_scope(kam.engine) as session:
            account = get_account(account_id, session=session)
            contact = make_contact(address, account, session=session, actor=identity.actor())
            said = f"{contact.name} ({contact.email}) is now a contact of {account.name}."
    except KamError as exc:
        ack(response_action="errors", errors={"account": exc.message[:150]})
        return
    ack()
    client.chat_postMessage(
        channel=slack_user_id, text=kb.fallback(said), blocks=kb.dump(kb.notice_blocks(said))
    )
    events.publish_home(identity, kam=kam, client=client)


class FieldError(Exception):
    """A problem with one input of the form, shown under that input."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


def _value(values: dict[str, Any], field: tuple[str, str]) -> str | None:
    """The text, selected option or radio choice of one input (None when empty)."""
    state = (values.get(field[0]) or {}).get(field[1]) or {}
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
            if metadata.get("account_id"):
                account: Account = get_account(int(metadata["account_id"]), session=session)
            else:
                try:
                    account = find_account(_value(values, ids.LOG_ACCOUNT) or "", session=session)
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
                    if contact_value.isdigit() and metadata.get("account_id"):
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


def review_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Record the review once (the view id is the idempotency key), then confirm."""
    ack(response_action="update", view=log_form.saving(view))
    identity = resolve(body["user"]["id"], kam=kam, client=client)
    if identity.user is None:
        _unknown(body["user"]["id"], view, ids.REVIEW_WITH[0], client)
        return
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    now = kam.now()
    try:
        with session_scope(kam.engine) as session:
            account = get_account(int(metadata["account_id"]), session=session)
            held = _value(values, ids.REVIEW_ON) or "today"
            try:
                held_on = When(now, identity.user.timezone).day(held, prefer="past")
            except KamError as exc:
                raise FieldError(ids.REVIEW_ON[0], exc.message) from exc
            try:
                review = ReviewCreate(
                    participants=_value(values, ids.REVIEW_WITH) or "",
                    held_on=held_on,
                    progress=_value(values, ids.REVIEW_PROGRESS),
                    notes=_value(values, ids.REVIEW_NOTES),
                    next_actions=_value(values, ids.REVIEW_NEXT),
                    idempotency_key=f"slack:view:{view['id']}",
                )
                stored = record_review(
                    account, review, session=session, actor=identity.actor(), now=now
                )
            except KamError as exc:
                raise FieldError(ids.REVIEW_WITH[0], exc.message) from exc
            message = (
                f"Review of {account.name} held {stored.held_on:%a %d %b %Y} recorded; "
                "the review reminder is cleared."
            )
    except FieldError as exc:
        client.views_update(
            view_id=view["id"], view=log_form.with_problem(view, exc.block_id, exc.message)
        )
        return
    client.views_update(view_id=view["id"], view=pb.recorded_view(message))
    response_url = metadata.get("response_url")
    if response_url:
        WebhookClient(response_url).send(
            text=kb.fallback(message),
            blocks=kb.dump(kb.notice_blocks(message, emoji=":clipboard:")),
            response_type="ephemeral",
            replace_original=False,
        )


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
