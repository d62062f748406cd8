"""Shared Slack channels: /kam channel link, then each person's messages a touch a day."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.capture.store import queue_unmatched
from core.capture.touches import Person, Touch
from core.clock import utcnow
from core.models import Account, Contact, Interaction, InteractionKind
from kambot import ids
from tests import factories
from tests.slack_harness import SlackBot, running_bot, valid_view


@pytest.fixture
def bot(engine: Engine) -> Iterator[SlackBot]:
    with Session(engine) as s:
        anna = factories.user(s, "anna@example.com", slack_user_id="UANNA")
        factories.account(s, "Acme Corp", owner_id=anna.id)
        factories.user(s, "bob@example.com", slack_user_id="UBOB")
        s.commit()
    with running_bot(engine) as b:
        yield b


def post_message(bot: SlackBot, user: str | None, ts: float, **extra: Any) -> None:
    event = {"type": "message", "channel": "C0SALES", "channel_type": "channel", "ts": f"{ts:.6f}"}
    if user:
        event["user"] = user
    body = {
        "team_id": "T0KAM",
        "api_app_id": "AKAM",
        "type": "event_callback",
        "event": {**event, **extra},
    }
    status, _ = bot.post(json.dumps(body), content_type="application/json")
    assert status == 200


def touches(engine: Engine, expected: int) -> list[Interaction]:
    """The channel's touches once ``expected`` are stored (events are handled after the ack)."""
    deadline = time.monotonic() + 30  # a loaded machine handles events slowly
    while True:
        with Session(engine) as s:
            rows = list(s.exec(select(Interaction).where(Interaction.source == "slack")))
        if len(rows) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    time.sleep(0.5)  # and nothing more arrives
    with Session(engine) as s:
        return list(s.exec(select(Interaction).where(Interaction.source == "slack")))


def test_a_linked_channel_counts_one_touch_per_person_per_day(
    engine: Engine, bot: SlackBot
) -> None:
    day = datetime(2026, 11, 2, 9, tzinfo=UTC).timestamp()
    post_message(bot, "UANNA", day)  # not linked yet: nothing
    reply = bot.command("channel link acme corp")
    assert "This channel is linked to Acme Corp" in json.dumps(reply.body)

    post_message(bot, "UANNA", day + 60)
    post_message(bot, "UANNA", day + 120)  # the same person, the same day
    post_message(bot, "UEXT1", day + 180)  # someone at the customer
    post_message(bot, "UBOB", day + 240, subtype="channel_join")
    post_message(bot, None, day + 300, bot_id="B1", subtype="bot_message")
    post_message(bot, "UANNA", day + 86400)  # the next day
    rows = touches(engine, 3)
    assert sorted((r.summary, r.occurred_at.date().isoformat()) for r in rows) == [
        ("Message in the shared Slack channel, by Anna", "2026-11-02"),
        ("Message in the shared Slack channel, by Anna", "2026-11-03"),
        ("Message in the shared Slack channel, by the customer", "2026-11-02"),
    ]
    assert {r.kind for r in rows} == {"message"}


def test_a_channel_link_needs_a_channel_and_an_account(bot: SlackBot) -> None:
    assert "Write it as `/kam channel link ACCOUNT`" in json.dumps(bot.command("channel").body)
    unknown = json.dumps(bot.command("channel link Nonesuch").body)
    assert "Nonesuch" in unknown and "linked" not in unknown


def test_app_home_shows_who_is_not_placed_and_ignores_or_places_them(
    engine: Engine, bot: SlackBot
) -> None:
    with Session(engine) as s:
        for who in ("carol@globex.example", "news@letters.example"):
            touch = Touch(
                "mail", who, InteractionKind.EMAIL, utcnow(), "Hello <b>", (Person(who, "C"),)
            )
            queue_unmatched(touch.people[0], touch, session=s, now=utcnow())
        s.commit()
    event = {"type": "app_home_opened", "user": "UANNA", "tab": "home", "event_ts": "1.1"}
    body = {"team_id": "T0KAM", "api_app_id": "AKAM", "type": "event_callback", "event": event}
    assert bot.post(json.dumps(body), content_type="application/json")[0] == 200
    home = bot.api.wait_for("views.publish")[0]
    valid_view(home.view())
    shown = json.dumps(home.view())
    assert "Not placed yet (2)" in shown and "Hello &lt;b&gt;" in shown
    assert "/kam place ADDRESS ACCOUNT" in shown

    assert bot.click_home(ids.CAPTURE_IGNORE, "news@letters.example")[0] == 200
    redrawn = json.dumps(bot.api.wait_for("views.publish", 2)[1].view())
    assert "Not placed yet (1)" in redrawn and "news@letters.example" not in redrawn

    # "Make a contact" opens a form with the type-ahead account picker
    bot.click_home(ids.CAPTURE_PLACE, "carol@globex.example")
    form = bot.api.wait_for("views.open")[0].view()
    valid_view(form)
    assert form["callback_id"] == ids.PLACE_MODAL and "carol@globex.example" in json.dumps(form)
    status, body = bot.submit(form, {"account": {ids.PICK_ACCOUNT: {"selected_option": None}}})
    assert status == 200 and "Pick an account" in body  # nothing picked: nothing written
    with Session(engine) as s:
        acme = s.exec(select(Account).where(Account.name == "Acme Corp")).one()
        assert s.exec(select(Contact)).all() == []
    picked = {"text": {"type": "plain_text", "text": "Acme Corp"}, "value": str(acme.id)}
    values = {"account": {ids.PICK_ACCOUNT: {"selected_option": picked}}}
    _, shown = bot.submit_form(form, values, view_id="V0PLACE")
    assert "is now a contact of Acme Corp" in json.dumps(shown)
    redrawn = json.dumps(bot.api.wait_for("views.publish", 3)[2].view())
    assert "Not placed yet" not in redrawn and "carol@globex.example" not in redrawn
    with Session(engine) as s:
        assert s.exec(select(Contact.email)).all() == ["carol@globex.example"]
    # the command does the same for whoever is still waiting
    again = json.dumps(bot.command("place carol@globex.example acme corp").body)
    assert "carol@globex.example" in again
