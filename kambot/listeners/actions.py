"""Buttons and menus: reminders (log, snooze, done, open), "did you mean", sharing, paging."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.db import session_scope
from core.errors import KamError
from core.services.accounts import get_account
from core.views import account_card
from kambot import blocks as kb
from kambot import ids, reminders
from kambot.context import Kam
from kambot.failures import after_ack
from kambot.identity import Identity, resolve
from kambot.listeners import events
from kambot.listeners.commands import answer, send
from kambot.subcommands import Reply, Request, log_modal_for
from kambot.where import Where


def register(app: App) -> None:
    """Listen for the buttons on command replies."""
    app.action(ids.DID_YOU_MEAN_ANY)(after_ack(did_you_mean))
    app.action(ids.SHARE_CARD)(after_ack(share_card))
    app.action(ids.CARD_LOG)(after_ack(card_log))
    app.action(ids.SHARE_PORTFOLIO)(after_ack(share_portfolio))
    app.action(ids.REMINDER_LOG)(after_ack(reminder_button))
    app.action(ids.REMINDER_SNOOZE_ANY)(after_ack(reminder_button))
    app.action(ids.REMINDER_DONE)(after_ack(reminder_button))
    app.action(ids.REMINDER_OPEN)(after_ack(reminder_button))
    app.action(ids.REMINDER_MENU)(after_ack(reminder_menu))
    app.action(ids.DUE_PAGE_ANY)(after_ack(due_page))
    app.action(ids.HOME_PAGE_ANY)(after_ack(home_page))
    app.action(ids.HOME_REFRESH)(after_ack(home_page))


def _known(body: dict[str, Any], client: WebClient, kam: Kam) -> Identity | None:
    """The kam user who clicked, or None after telling them how to be linked (where they
    clicked: App Home clicks carry no response_url)."""
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    if identity.user is None:
        Where.of(body).tell(
            client,
            "kam does not know you yet",
            kb.unknown_user_blocks(slack_user_id, identity.email),
        )
        return None
    return identity


def _reminder(
    verb: str,
    target: str,
    body: dict[str, Any],
    *,
    list_view: bool,
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    identity = _known(body, client, kam)
    if identity is None:
        return
    surface = reminders.surface_of(body, list_view=list_view)
    try:
        if verb == "open":
            reminders.open_account(int(target), surface, kam=kam, client=client)
        elif verb == "log":
            reminders.open_log(target, surface, identity, kam=kam, client=client)
        elif verb == "done" or verb in ids.SNOOZE_CHOICES:
            item, outcome = reminders.act(verb, target, identity, kam=kam)
            reminders.redraw(
                surface, item, outcome, identity, kam=kam, client=client, respond=respond
            )
        else:
            raise KamError(f"Unknown reminder action {verb!r}.")
    except KamError as exc:
        reminders.reply_error(Where.of(body), exc, client=client)


def reminder_button(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """A button on a reminder message: log, snooze 1d/3d/1w, done, open account."""
    ack()
    action_id = action["action_id"]
    verb = {
        ids.REMINDER_LOG: "log",
        ids.REMINDER_DONE: "done",
        ids.REMINDER_OPEN: "open",
    }.get(action_id) or action_id.partition(":")[2]
    _reminder(
        verb,
        action.get("value") or "",
        body,
        list_view=False,
        respond=respond,
        client=client,
        kam=kam,
    )


def reminder_menu(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """The menu beside an item in a due list, a digest or the App Home tab."""
    ack()
    verb, _, target = ((action.get("selected_option") or {}).get("value") or "").partition("|")
    _reminder(verb, target, body, list_view=True, respond=respond, client=client, kam=kam)


def due_page(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Another page of a ``/kam due`` reply, in place."""
    ack()
    page, _, scope = (action.get("value") or "0").partition("|")
    answer(
        kam,
        client,
        respond,
        slack_user_id=body["user"]["id"],
        text=f"due {scope} --page {page}".replace("  ", " "),
        request_key=f"due-page:{_message_ts(body)}",
        trigger_id=None,
        response_url=body.get("response_url"),
        replace=True,
    )


def home_page(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Page through (or refresh) the App Home due list."""
    ack()
    slack_user_id = body["user"]["id"]
    identity = resolve(slack_user_id, kam=kam, client=client)
    events.publish_home(identity, kam=kam, client=client, page=int(action.get("value") or 0))


def share_portfolio(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Post the portfolio figures to the channel, naming who shared them."""
    ack()
    identity = _known(body, client, kam)
    if identity is None:
        return
    from core.scoring import portfolio_figures

    with session_scope(kam.engine) as session:
        figures = portfolio_figures(session=session, now=kam.now())
    respond(
        text="kam portfolio",
        blocks=kb.dump(
            kb.portfolio_blocks(figures, shareable=False, shared_by=identity.slack_user_id)
        ),
        response_type="in_channel",
        replace_original=False,
    )


def _message_ts(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")


def did_you_mean(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Re-run the command with the name the person picked, replacing the question."""
    ack()
    answer(
        kam,
        client,
        respond,
        slack_user_id=body["user"]["id"],
        text=action.get("value") or "",
        request_key=f"dym:{_message_ts(body)}:{action.get('action_id')}",
        trigger_id=body.get("trigger_id"),
        response_url=body.get("response_url"),
        replace=True,
    )


def share_card(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    kam: Kam,
) -> None:
    """Post the account card to the channel, naming who shared it."""
    ack()
    identity = _known(body, client, kam)
    if identity is None:
        return
    slack_user_id = body["user"]["id"]
    try:
        with session_scope(kam.engine) as session:
            account = get_account(int(action["value"]), session=session)
            card = account_card(account, session=session, now=kam.now())
    except (KamError, ValueError):
        send(
            respond,
            Reply(
                "That account is gone",
                kb.notice_blocks("That account no longer exists.", emoji=":thinking_face:"),
            ),
        )
        return
    respond(
        text=kb.fallback(card.name),
        blocks=kb.dump(kb.card_blocks(card, shareable=False, shared_by=slack_user_id)),
        response_type="in_channel",
        replace_original=False,
    )


def card_log(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, kam: Kam
) -> None:
    """Open the log form for the account on the card."""
    ack()
    identity = _known(body, client, kam)
    if identity is None or identity.user is None:
        return
    slack_user_id = body["user"]["id"]
    with session_scope(kam.engine) as session:
        account = get_account(int(action["value"]), session=session)
        request = Request(
            session=session,
            user=identity.user,
            actor=identity.actor(),
            slack_user_id=slack_user_id,
            now=kam.now(),
            request_key=f"card:{_message_ts(body)}",
            response_url=body.get("response_url"),
        )
        modal = log_modal_for(request, account)
    client.views_open(trigger_id=body["trigger_id"], view=modal)
