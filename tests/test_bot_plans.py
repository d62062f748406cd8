"""/kam request, goal, plan, objective, action, risk and review as signed requests.

The same core services and rules as the CLI: a refusal is the same sentence, shown
ephemerally, and nothing is written.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core.clock import utcnow
from core.models import (
    AccountUpdate,
    CustomerRequest,
    Goal,
    Interaction,
    PlanAction,
    PlanObjective,
    PlanRisk,
    Review,
    Tier,
)
from core.services.accounts import get_account, update_account
from kambot import ids
from tests import factories
from tests.slack_harness import SlackBot, text_input, valid_view
from tests.test_bot import bot, reply_text, rows, team
from tests.test_import import dump

__all__ = ["bot", "team"]  # the fixtures this module borrows from the bot's tests

AHEAD = (utcnow().date() + timedelta(days=90)).isoformat()


@pytest.fixture
def key_acme(engine: Engine, team: dict[str, Any]) -> None:
    """Acme Corp is a key account (by override); Kan-code stays standard."""
    with Session(engine) as s:
        acme = get_account(team["acme"].id, session=s)
        key = AccountUpdate(tier_override=Tier.KEY, tier_override_reason="Board decision")
        update_account(acme, key, session=s, actor=factories.SYSTEM)
        s.commit()


def test_a_day_of_planning_in_slack(bot: SlackBot, engine: Engine, key_acme: None) -> None:
    said = reply_text(bot.command('request Acme Corp: a blue model --alternatives "offered teal"'))
    assert "Request from Acme Corp logged: a blue model (open)" in said
    bot.command("request Kan-code: A blue model --outcome lost")
    gaps = reply_text(bot.command("request gaps"))
    assert "asked 2× by 2 account(s)" in gaps and "1 went elsewhere" in gaps
    said = reply_text(bot.command('goal csat 4.5 --scope account --of "acme corp" --period 2026'))
    assert "Goal set: csat 4.5 for account Acme Corp, 2026" in said
    assert "csat 4.5" in reply_text(bot.command("goal"))
    said = reply_text(bot.command(f"objective Acme Corp: contact coverage 3 by {AHEAD}"))
    assert "Objective for Acme Corp: contact_coverage 3" in said
    bot.command("action Acme Corp: meet the <!channel> CFO by next friday --owner mark@example.com")
    bot.command('risk Acme Corp: a rival\'s bid --mitigation "three-year terms"')
    said = reply_text(bot.command('review Acme Corp --with "Anna, Ana Lima" --progress "on track"'))
    assert "the review reminder is cleared" in said
    plan = reply_text(bot.command("plan acme corp"))
    assert "Contacts per account: *1* of 3 (behind)" in plan
    assert "&lt;!channel&gt;" in plan and "<!channel>" not in plan  # typed text is inert
    assert "Ana Lima: decision maker" in plan and "three-year terms" in plan
    assert "Last review" in plan and "Scorecard" in plan
    [goal] = rows(engine, Goal)
    assert goal.scope_ref == "Acme Corp"
    [action] = rows(engine, PlanAction)
    assert action.due_on.weekday() == 4
    [review] = rows(engine, Review)
    assert review.participants == "Anna, Ana Lima" and review.idempotency_key
    assert [i.kind for i in rows(engine, Interaction)] == ["review"]
    assert len(rows(engine, CustomerRequest)) == 2 and len(rows(engine, PlanRisk)) == 1


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("request Acme Corp: --outcome lost", "The request is empty"),
        ("request Acme Corp: x --outcome maybe", "Unknown outcome 'maybe'"),
        ("goal nps nan", "A target is a finite number"),
        ("goal nps 1e400", "A target is a finite number"),
        ("goal happiness 3", "kam does not measure 'happiness'"),
        ("goal nps 30 --scope tier --of key", "Only managers and admins set tier goals"),
        ("objective Acme Corp: csat 4 by 2001-01-01", "has passed; give today or later"),
        (f"objective Kan-code: csat 4 by {AHEAD}", "Kan-code is standard"),
        ("action Acme Corp: by tomorrow", "By when?"),
        ("risk Konex: x", "only your own accounts"),
        ("review Acme Corp --progress fine", "participants is empty"),
        ("review Acme Corp --with Ana --on 2099-01-01", "is still ahead"),
        ("plan Kan-code", "Kan-code is standard"),
    ],
)
def test_bad_input_gets_the_core_sentence_and_writes_nothing(
    bot: SlackBot, engine: Engine, key_acme: None, text: str, sentence: str
) -> None:
    before = dump(str(engine.url))
    assert sentence in reply_text(bot.command(text))
    assert dump(str(engine.url)) == before
    assert rows(engine, PlanObjective) == []


def test_review_without_participants_opens_a_form_that_records_it_once(
    bot: SlackBot, engine: Engine, key_acme: None
) -> None:
    opened = bot.command_opening_modal("review Acme Corp")
    view = opened.view()
    valid_view(view)
    assert view["callback_id"] == ids.REVIEW_MODAL
    values = {
        **text_input(*ids.REVIEW_WITH, None),
        **text_input(*ids.REVIEW_ON, "2099-01-01"),
        **text_input(*ids.REVIEW_PROGRESS, "Two of <three> done"),
    }
    _, shown = bot.submit_form(view, values, view_id="V0REVIEW")
    valid_view(shown)
    assert "is still ahead" in json.dumps(shown) and rows(engine, Review) == []
    values.update(text_input(*ids.REVIEW_ON, None))
    _, shown = bot.submit_form(shown, values, view_id="V0REVIEW")
    assert "participants is empty" in json.dumps(shown) and rows(engine, Review) == []
    values.update(text_input(*ids.REVIEW_WITH, "Anna; Ana Lima"))
    _, shown = bot.submit_form(shown, values, view_id="V0REVIEW")
    valid_view(shown)
    assert shown["title"]["text"] == "Recorded" and "review reminder is cleared" in json.dumps(
        shown
    )
    bot.submit_form(view, values, view_id="V0REVIEW")  # a double submit: still one
    [review] = rows(engine, Review)
    assert (review.participants, review.progress) == ("Anna; Ana Lima", "Two of <three> done")
    assert len(rows(engine, Interaction)) == 1
    assert "&lt;" not in review.progress  # stored as typed; escaped only where shown
    assert "Kan-code is standard" in reply_text(bot.command("review Kan-code"))
