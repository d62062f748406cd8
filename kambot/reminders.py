"""Acting on a reminder from Slack: done, snooze, log a check-in, open the account.

The same verbs arrive from a reminder DM's buttons and from the menu beside
each item in a due list, a digest or the App Home tab. After the change the
surface it came from is redrawn (chat.update, the response_url, or
views.publish), so nobody is offered an action that was already taken.

A double click or a retried request must not act twice. Each action's
transaction starts by locking the reminder's row (``locked_reminder``), which
makes a second, concurrent click wait for the first to commit (row lock on
PostgreSQL, the write lock on SQLite) and then find the reminder closed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from core.checkins import DueItem, as_shown, due_items, kind_named
from core.clock import zone
from core.db import Session, session_scope
from core.errors import KamError
from core.models import Reminder, ReminderState, User
from core.services.accounts import get_account
from core.services.reminders import (
    SNOOZE_CHOICES,
    last_change,
    locked_reminder,
    mark_done,
    reminder_by_key,
    snooze,
)
from core.views import account_card
from kambot import blocks as kb
from kambot.context import Kam
from kambot.identity import Identity
from kambot.subcommands import Request, log_modal_for
from kambot.where import Responder, Where

log = logging.getLogger(__name__)

CLOSED = {ReminderState.DONE.value, ReminderState.DISMISSED.value}
DRAFT_KEPT = 1500
"""How much of a drafted thank-you the log form carries (in its private_metadata, at most
3,000 characters) so the reminder shows it again once the thank-you is logged."""


@dataclass(frozen=True)
class Surface:
    """Where the click came from, so the right thing is redrawn."""

    kind: str  # "dm", "ephemeral" or "home"
    channel: str | None
    ts: str | None
    list_view: bool  # a list (menu per item) rather than one reminder (buttons)
    response_url: str | None
    trigger_id: str | None


def surface_of(body: dict[str, Any], *, list_view: bool) -> Surface:
    container = body.get("container") or {}
    if container.get("type") == "view" or (body.get("view") or {}).get("type") == "home":
        kind = "home"
    elif container.get("is_ephemeral"):
        kind = "ephemeral"
    else:
        kind = "dm"
    return Surface(
        kind=kind,
        channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
        ts=container.get("message_ts"),
        list_view=list_view,
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
    )


def item_of(
    key: str, row: Reminder | None, user: User, *, session: Session, now: datetime
) -> DueItem | None:
    """The reminder as its person saw it (notes and draft included), to draw it again."""
    return as_shown(
        key,
        row.payload if row is not None else None,
        user_id=user.id or 0,
        session=session,
        now=now,
    )


def _stamp(moment: datetime) -> str:
    fallback = f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _who(actor: str) -> str:
    """The audit trail's name for someone as Slack shows it: a mention if it came from Slack."""
    via, _, rest = actor.partition(" ")
    if via.startswith("slack:"):
        return f"<@{kb.escape(via.removeprefix('slack:'))}>"
    return kb.escape(rest or actor)


def act(verb: str, key: str, identity: Identity, *, kam: Kam) -> tuple[DueItem | None, str]:
    """Apply done or a snooze to reminder ``key``; returns the item and the outcome line."""
    assert identity.user is not None
    now = kam.now()
    who = f"<@{kb.escape(identity.slack_user_id)}>"
    with session_scope(kam.engine) as session:
        row = locked_reminder(key, session=session)
        item = item_of(key, row, identity.user, session=session, now=now)
        if row is not None and row.state in CLOSED:
            change = last_change(row, session=session)
            by = f" by {_who(change.by)}" if change.by else ""
            return item, f":ballot_box_with_check: Already {change.state}{by}, {_stamp(change.at)}."
        if verb == "done":
            mark_done(key, session=session, actor=identity.actor(), now=now)
            return item, f":white_check_mark: Done by {who}, {_stamp(now)}."
        until = now + SNOOZE_CHOICES[verb]
        snooze(key, until, session=session, actor=identity.actor(), now=now)
        return item, f":zzz: Snoozed by {who} until {_stamp(until)}."


def redraw(
    surface: Surface,
    item: DueItem | None,
    outcome: str,
    identity: Identity,
    *,
    kam: Kam,
    client: WebClient,
    respond: Responder,
    extra: str | None = None,
) -> None:
    """Show the new state where the click happened."""
    assert identity.user is not None
    if not surface.list_view and item is not None:
        blocks = kb.reminder_blocks(item, outcome=outcome + (f"\n{extra}" if extra else ""))
        text = kb.fallback(f"{item.title}: ", outcome)
        if surface.kind == "dm" and surface.channel and surface.ts:
            client.chat_update(
                channel=surface.channel, ts=surface.ts, text=text, blocks=kb.dump(blocks)
            )
        else:
            respond(
                text=text, blocks=kb.dump(blocks), replace_original=True, response_type="ephemeral"
            )
        return
    now = kam.now()
    with session_scope(kam.engine) as session:
        if surface.kind == "home":
            from kambot.home import home_view

            client.views_publish(
                user_id=identity.slack_user_id,
                view=home_view(identity.user, session=session, now=now),
            )
            return
        items = due_items(session=session, now=now, user_id=identity.user.id)
    if surface.kind == "dm" and surface.channel and surface.ts:
        day = now.astimezone(zone(identity.user.timezone)).date()
        blocks = [*kb.digest_blocks(items, day)]
        blocks.insert(1, kb.section(outcome))
        client.chat_update(
            channel=surface.channel,
            ts=surface.ts,
            text=kb.fallback("", outcome),
            blocks=kb.dump(kb.within_message_limit(blocks)),
        )
    else:
        blocks = [kb.section(outcome), *kb.due_blocks(items, title=f"Due for you ({len(items)})")]
        respond(
            text=kb.fallback("", outcome),
            blocks=kb.dump(kb.within_message_limit(blocks)),
            replace_original=True,
            response_type="ephemeral",
        )


def open_log(
    key: str, surface: Surface, identity: Identity, *, kam: Kam, client: WebClient
) -> None:
    """The log form for the reminder's account; submitting it resolves the reminder."""
    assert identity.user is not None
    now = kam.now()
    with session_scope(kam.engine) as session:
        row = reminder_by_key(key, session=session)
        item = item_of(key, row, identity.user, session=session, now=now)
        if item is None or item.account_id is None:
            raise KamError("That reminder is no longer due; `/kam due` shows what is.")
        account = get_account(item.account_id, session=session)
        request = Request(
            session=session,
            user=identity.user,
            actor=identity.actor(),
            slack_user_id=identity.slack_user_id,
            now=now,
            request_key=f"reminder:{key}",
            response_url=surface.response_url if surface.kind == "ephemeral" else None,
        )
        metadata = {
            "reminder_key": key,
            "draft": (item.draft or "")[:DRAFT_KEPT],
            "surface": surface.kind,
            "list": surface.list_view,
            "channel": surface.channel,
            "ts": surface.ts,
        }
        kind = kind_named(item.kind).logs_as.value
        modal = log_modal_for(
            request,
            account,
            summary=item.draft if kind == "thank_you" else None,
            kind=kind,
            extra=metadata,
        )
    client.views_open(trigger_id=surface.trigger_id, view=modal)


def open_account(account_id: int, surface: Surface, *, kam: Kam, client: WebClient) -> None:
    """The account card in a modal, without leaving the reminder."""
    with session_scope(kam.engine) as session:
        card = account_card(
            get_account(account_id, session=session), session=session, now=kam.now()
        )
    client.views_open(trigger_id=surface.trigger_id, view=kb.account_modal(card))


def reply_error(where: Where, error: KamError, *, client: WebClient) -> None:
    """A reminder action the person cannot take, told where they clicked."""
    where.tell(client, error.message, kb.notice_blocks(error.message, emoji=":thinking_face:"))


def tell_redraw_failed(where: Where, outcome: str, error: Exception, *, client: WebClient) -> None:
    """The change was made but the message could not be redrawn: say what did change."""
    log.warning("could not redraw a reminder after %s: %s", outcome, type(error).__name__)
    text = f"{outcome} (kam could not update the message itself; it may still show old buttons.)"
    try:
        where.tell(client, text, [kb.section(text)])
    except Exception as exc:  # best effort: the change itself is saved either way
        log.warning("could not tell about the redraw failure: %s", type(exc).__name__)
