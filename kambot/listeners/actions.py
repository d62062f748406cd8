"""Buttons and menus: reminders (log, snooze, done, open), "did you mean", sharing, paging,
and the buttons that run a command (a plan's, a request's, a goal's)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from core.capture.review import ignore_address
from core.db import session_scope
from core.errors import KamError
from core.services.accounts import get_account
from core.views import account_card
from kambot import blocks as kb
from kambot import ids, record_forms, reminders
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.identity import Identity, resolve
from kambot.listeners import events
from kambot.listeners.commands import answer, send
from kambot.subcommands import Reply, Request, log_modal_for
from kambot.where import Responder, Where


@dataclass(frozen=True)
class Click:
    """One press of a button (or pick from a menu) with what answering it needs."""

    body: dict[str, Any]
    action: dict[str, Any]
    respond: Responder
    """bolt's respond, or for a click on the App Home tab (which carries no
    response_url) a stand-in that answers in a DM (:meth:`Where.responder`)."""
    client: WebClient
    kam: Kam

    @property
    def slack_user_id(self) -> str:
        """Who clicked."""
        return str(self.body["user"]["id"])

    @property
    def value(self) -> str:
        """The button's value ("" when it has none)."""
        return self.action.get("value") or ""

    @property
    def message_ts(self) -> str:
        """The message clicked on, the stable part of a click's idempotency key."""
        container = self.body.get("container") or {}
        message = self.body.get("message") or {}
        return str(container.get("message_ts") or message.get("ts") or "")

    def known(self) -> Identity | None:
        """The kam user who clicked, or None after telling them how to be linked (where
        they clicked: App Home clicks carry no response_url)."""
        identity = resolve(self.slack_user_id, kam=self.kam, client=self.client)
        if identity.user is None:
            Where.of(self.body).tell(
                self.client,
                "kam does not know you yet",
                kb.unknown_user_blocks(self.slack_user_id, identity.email),
            )
            return None
        return identity

    def rerun(
        self, text: str, *, request_key: str, trigger_id: str | None, replace: bool = True
    ) -> None:
        """Run ``text`` as a ``/kam`` command for whoever clicked, in place of the message
        (or, not to ``replace`` it, in a reply of its own)."""
        answer(
            self.kam,
            self.client,
            self.respond,
            slack_user_id=self.slack_user_id,
            text=text,
            request_key=request_key,
            trigger_id=trigger_id,
            response_url=self.body.get("response_url"),
            replace=replace,
        )

    def share(self, text: str, blocks: list[Block]) -> None:
        """Post ``blocks`` to the channel for everyone, leaving the private reply be."""
        self.respond(
            text=text, blocks=kb.dump(blocks), response_type="in_channel", replace_original=False
        )


def on_click(handler: Callable[[Click], None]) -> Callable[..., None]:
    """``handler`` as bolt's listener for a button or menu: ack first, then the click."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Responder,
        client: WebClient,
        kam: Kam,
    ) -> None:
        ack()
        handler(Click(body, action, Where.of(body).responder(client, respond), client, kam))

    listener.__name__ = listener.__qualname__ = handler.__name__
    listener.__doc__ = handler.__doc__
    return listener


def register(app: App) -> None:
    """Listen for the buttons on command replies, reminders and the App Home tab."""
    clicks: tuple[tuple[Callable[[Click], None], list[str | re.Pattern[str]]], ...] = (
        (did_you_mean, [ids.DID_YOU_MEAN_ANY]),
        (run_command, [ids.RUN_ANY, ids.RUN_BESIDE_ANY]),
        (share_card, [ids.SHARE_CARD]),
        (card_log, [ids.CARD_LOG]),
        (share_portfolio, [ids.SHARE_PORTFOLIO]),
        (
            reminder_button,
            [ids.REMINDER_LOG, ids.REMINDER_SNOOZE_ANY, ids.REMINDER_DONE, ids.REMINDER_OPEN],
        ),
        (reminder_menu, [ids.REMINDER_MENU]),
        (due_page, [ids.DUE_PAGE_ANY]),
        (home_page, [ids.HOME_PAGE_ANY, ids.HOME_REFRESH]),
        (capture_ignore, [ids.CAPTURE_IGNORE]),
        (capture_place, [ids.CAPTURE_PLACE]),
    )
    for handler, action_ids in clicks:
        for action_id in action_ids:
            app.action(action_id)(after_ack(on_click(handler)))


def _reminder(verb: str, target: str, click: Click, *, list_view: bool) -> None:
    identity = click.known()
    if identity is None:
        return
    kam, client = click.kam, click.client
    surface = reminders.surface_of(click.body, list_view=list_view)
    try:
        if verb == "open":
            reminders.open_account(int(target), surface, kam=kam, client=client)
        elif verb == "log":
            reminders.open_log(target, surface, identity, kam=kam, client=client)
        elif verb == "done" or verb in ids.SNOOZE_CHOICES:
            item, outcome = reminders.act(verb, target, identity, kam=kam)
            try:
                reminders.redraw(
                    surface, item, outcome, identity, kam=kam, client=client, respond=click.respond
                )
            except Exception as exc:  # the change is made: say so, not "nothing was changed"
                reminders.tell_redraw_failed(Where.of(click.body), outcome, exc, client=client)
        else:
            raise KamError(f"Unknown reminder action {verb!r}.")
    except KamError as exc:
        reminders.reply_error(Where.of(click.body), exc, client=client)


def reminder_button(click: Click) -> None:
    """A button on a reminder message: log, snooze 1d/3d/1w, done, open account."""
    action_id = click.action["action_id"]
    verb = {
        ids.REMINDER_LOG: "log",
        ids.REMINDER_DONE: "done",
        ids.REMINDER_OPEN: "open",
    }.get(action_id) or action_id.partition(":")[2]
    _reminder(verb, click.value, click, list_view=False)


def reminder_menu(click: Click) -> None:
    """The menu beside an item in a due list, a digest or the App Home tab."""
    chosen = (click.action.get("selected_option") or {}).get("value") or ""
    verb, _, target = chosen.partition("|")
    _reminder(verb, target, click, list_view=True)


def due_page(click: Click) -> None:
    """Another page of a ``/kam due`` reply, in place."""
    page, _, scope = (click.value or "0").partition("|")
    click.rerun(
        f"due {scope} --page {page}".replace("  ", " "),
        request_key=f"due-page:{click.message_ts}",
        trigger_id=None,
    )


def home_page(click: Click) -> None:
    """Page through (or refresh) the App Home due list."""
    identity = resolve(click.slack_user_id, kam=click.kam, client=click.client)
    events.publish_home(identity, kam=click.kam, client=click.client, page=int(click.value or 0))


def capture_ignore(click: Click) -> None:
    """Leave someone kam could not place out of the review queue, and redraw the Home tab."""
    identity = click.known()
    if identity is None:
        return
    try:
        with session_scope(click.kam.engine) as session:
            ignore_address(click.value, session=session, actor=identity.actor())
    except KamError as exc:
        Where.of(click.body).tell(click.client, exc.message, kb.notice_blocks(exc.message))
    events.publish_home(identity, kam=click.kam, client=click.client)


def capture_place(click: Click) -> None:
    """Open the form that makes someone kam could not place a contact of an account."""
    if click.known() is None:
        return
    trigger = click.body.get("trigger_id")
    click.client.views_open(trigger_id=trigger, view=record_forms.place_modal(click.value))


def share_portfolio(click: Click) -> None:
    """Post the portfolio figures to the channel, naming who shared them."""
    identity = click.known()
    if identity is None:
        return
    from core.scoring import portfolio_figures

    with session_scope(click.kam.engine) as session:
        figures = portfolio_figures(session=session, now=click.kam.now())
    click.share(
        "kam portfolio",
        kb.portfolio_blocks(figures, shareable=False, shared_by=identity.slack_user_id),
    )


def did_you_mean(click: Click) -> None:
    """Re-run the command with the name the person picked, replacing the question."""
    click.rerun(
        click.value,
        request_key=f"dym:{click.message_ts}:{click.action.get('action_id')}",
        trigger_id=click.body.get("trigger_id"),
        replace=not ids.RUN_BESIDE_ANY.match(str(click.action.get("action_id") or "")),
    )


def run_command(click: Click) -> None:
    """Run the ``/kam`` command a button (or the option picked in a menu) carries, for
    whoever clicked: the form it opens appears ("Add an action" on a plan), or the reply
    takes the message's place ("Done" on an action redraws the plan), or for a button
    marked ``beside`` (the card's "Account plan") comes as a reply of its own."""
    picked = (click.action.get("selected_option") or {}).get("value") or ""
    text = click.value or picked
    click.rerun(
        text,
        request_key=f"run:{click.message_ts}:{click.action.get('action_id')}:{text}"[:200],
        trigger_id=click.body.get("trigger_id"),
        replace=not ids.RUN_BESIDE_ANY.match(str(click.action.get("action_id") or "")),
    )


def share_card(click: Click) -> None:
    """Post the account card to the channel, naming who shared it."""
    if click.known() is None:
        return
    try:
        with session_scope(click.kam.engine) as session:
            account = get_account(int(click.value), session=session)
            card = account_card(account, session=session, now=click.kam.now())
    except (KamError, ValueError):
        send(
            click.respond,
            Reply(
                "That account is gone",
                kb.notice_blocks("That account no longer exists.", emoji=":thinking_face:"),
            ),
        )
        return
    click.share(
        kb.fallback(card.name),
        kb.card_blocks(card, shareable=False, shared_by=click.slack_user_id),
    )


def card_log(click: Click) -> None:
    """Open the log form for the account on the card."""
    identity = click.known()
    if identity is None or identity.user is None:
        return
    with session_scope(click.kam.engine) as session:
        account = get_account(int(click.value), session=session)
        request = Request(
            session=session,
            user=identity.user,
            actor=identity.actor(),
            slack_user_id=click.slack_user_id,
            now=click.kam.now(),
            request_key=f"card:{click.message_ts}",
            response_url=click.body.get("response_url"),
        )
        modal = log_modal_for(request, account)
    click.client.views_open(trigger_id=click.body["trigger_id"], view=modal)
