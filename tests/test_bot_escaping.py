"""Names and notes people type never act in Slack: no mention, no link, no formatting.

A portfolio whose account, contacts, notes, promises, news, orders and people
are named with everything Slack's mrkdwn acts on goes through every payload the
bot builds (command replies, the shared card, reminder DMs and their redraws,
the digest, the App Home tab, the log form, the weekly summary). Every piece of
text Slack reads as mrkdwn, the notification ``text`` included, is searched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.checkins import due_items
from core.clock import utcnow
from core.models import (
    Account,
    CommitmentCreate,
    ContactCreate,
    InteractionCreate,
    NoticeCreate,
    OrderCreate,
    User,
)
from core.services.commitments import add_commitment
from core.services.contacts import add_contact
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from core.services.orders import record_order
from kambot import ids
from kambot.notifier import SlackNotifier
from kambot.summary import post_team_summary
from tests import factories
from tests.checkin_notifiers import ANY_HOUR
from tests.slack_harness import Call, SlackBot, running_bot, text_input
from tests.test_bot_reminders import click_on, event_body, sweep

NAME = "<!channel> *x*"
SYSTEM = factories.SYSTEM
HOSTILE = "<!here> <@U123> <https://evil.example|x> _y_ ~z~ &lt; *b*"
ACTING = ("<!channel", "<!here", "<!everyone", "<@U123", "<https://evil", "<#C")
FORMATTING = ("*x*", "*b*", "_y_", "~z~")


@pytest.fixture
def hostile(engine: Engine) -> Iterator[SlackBot]:
    now = utcnow()
    with Session(engine, expire_on_commit=False) as s:
        anna = factories.user(
            s, "anna@example.com", name=f"Anna {HOSTILE}", slack_user_id="UANNA", **ANY_HOUR
        )
        account = factories.account(
            s, NAME, owner_id=anna.id, tier_override="key", tier_override_reason=HOSTILE
        )
        contact = ContactCreate(
            name=f"Ana {HOSTILE}",
            hometown=HOSTILE,
            interests=HOSTILE,
            is_decision_maker=True,
        )
        add_contact(account, contact, session=s, actor=SYSTEM)
        call = InteractionCreate(summary=HOSTILE, occurred_at=now - timedelta(days=50))
        log_interaction(account, call, session=s, actor=SYSTEM)
        promise = CommitmentCreate(
            what=HOSTILE, due_on=date.today() - timedelta(days=2), owner_id=anna.id
        )
        add_commitment(account, promise, session=s, actor=SYSTEM)
        news = NoticeCreate(what=HOSTILE, must_tell_by=date.today() + timedelta(days=2))
        add_notice(account, news, session=s, actor=SYSTEM)
        record_order(account, OrderCreate(what=HOSTILE, amount=100), session=s, actor=SYSTEM)
        s.commit()
    with running_bot(engine) as bot:
        yield bot


def mrkdwn_of(value: Any, *, top: bool = True) -> Iterator[str]:
    """Every string Slack reads as mrkdwn in a payload: the top-level ``text``, and the
    text of every mrkdwn text object, however deep."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, dict):
        if top and isinstance(value.get("text"), str):
            yield value["text"]
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for key, inner in value.items():
            if key in ("blocks", "view", "fields", "elements", "text", "accessory", "attachments"):
                yield from mrkdwn_of(inner, top=False)
    elif isinstance(value, list):
        for inner in value:
            yield from mrkdwn_of(inner, top=False)


def offences(calls: list[Call]) -> list[tuple[str, str]]:
    found = []
    for call in calls:
        for text in mrkdwn_of(call.body):
            found += [(call.method, text) for bad in (*ACTING, *FORMATTING) if bad in text]
    return found


def test_every_payload_shows_hostile_names_and_never_acts_on_them(
    hostile: SlackBot, engine: Engine
) -> None:
    bot = hostile
    quoted = json.dumps(NAME)
    # reminders, one redrawn after Done; the digest; the Home tab; the weekly summary
    notifier = SlackNotifier(bot.app.client)
    sweep(engine, notifier, now=utcnow())
    dms = [c for c in bot.api.of("chat.postMessage") if c.body.get("metadata")]
    assert len(dms) >= 3
    click_on(bot, dms[0], ids.REMINDER_DONE)
    bot.api.wait_for("chat.update")
    notifier.deliver_digest(_anna(engine), _items(engine), date.today())
    home = {"type": "app_home_opened", "user": "UANNA", "tab": "home", "event_ts": "1.1"}
    assert bot.post(event_body(home), content_type="application/json")[0] == 200
    bot.api.wait_for("views.publish")
    post_team_summary(engine, bot.app.client, "C0TEAM", now=utcnow())
    # every command that shows or writes something of the account
    for text in (
        f"show {quoted}",
        "list",
        "list all",
        "due",
        "score",
        f"score {quoted}",
        "portfolio",
        f"thanks {quoted}",
        f"log {quoted}: {HOSTILE}",
        f"promise {quoted}: {HOSTILE} by next friday",
        f"notice {quoted}: {HOSTILE}",
        f"order {quoted}: {HOSTILE} --amount 10",
        f"feedback {quoted} --csat 4: {HOSTILE}",
        f"snooze {quoted} tomorrow",
        'show "<!channel> *nope*"',
    ):
        bot.command(text)
    # share the card in the channel
    with Session(engine) as s:
        account_id = s.exec(select(Account.id)).one()
    status, n = bot.click(ids.SHARE_CARD, str(account_id))
    assert status == 200
    (shared,) = bot.api.wait_for(f"response/{n}")
    assert shared.body["response_type"] == "in_channel"
    assert "&lt;!channel&gt; ∗x∗" in shared.body["text"]
    # a submitted log form, back with what was logged
    form = bot.command_opening_modal(f"log {quoted}").view()
    bot.submit_form(form, text_input(*ids.LOG_SUMMARY, HOSTILE), view_id="VHOSTILE")

    methods = {c.method.partition("/")[0] for c in bot.api.calls}
    assert {"response", "chat.postMessage", "chat.update", "views.publish", "views.open"} <= (
        methods
    ), methods
    assert "views.update" in methods
    assert offences(bot.api.calls) == []
    # shown, not dropped
    everything = "\n".join(t for c in bot.api.calls for t in mrkdwn_of(c.body))
    assert "&lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|x&gt;" in everything
    assert "ˍyˍ ∼z∼ &amp;lt; ∗b∗" in everything


def _anna(engine: Engine) -> User:
    with Session(engine, expire_on_commit=False) as s:
        return s.exec(select(User).where(User.email == "anna@example.com")).one()


def _items(engine: Engine) -> list[Any]:
    with Session(engine) as s:
        return due_items(session=s, now=utcnow(), user_id=_anna(engine).id)
