"""Type-ahead pickers: every account and every contact of a 500-contact account can be
picked, by typing part of a name (a menu of Slack's holds 100 options at most)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.models import Account, Contact, Interaction
from core.views import PICK_LIMIT, account_choices, contact_choices
from kambot import ids
from tests import factories
from tests.slack_harness import TEAM, SlackBot, running_bot, text_input
from tests.slack_harness import select as picked

CONTACTS = 500
ACCOUNTS = 130


@pytest.fixture
def crowded(engine: Engine) -> None:
    """Anna; 132 accounts; "Big Corp" with 500 contacts (one of them a "Chief Buyer")."""
    with Session(engine) as s:
        anna = factories.user(s, "anna@example.com", slack_user_id="UANNA")
        s.add_all(
            Account(name=f"Account {n:03d}", name_key=f"account {n:03d}") for n in range(ACCOUNTS)
        )
        factories.account(s, "Corp Holdings", owner_id=anna.id)
        big = factories.account(s, "Big Corp", owner_id=anna.id)
        s.add_all(
            Contact(
                account_id=big.id or 0,
                name=f"Person {n:03d}",
                title="Chief Buyer" if n == 437 else None,
            )
            for n in range(CONTACTS)
        )
        s.commit()


@pytest.fixture
def bot(engine: Engine, crowded: None) -> Iterator[SlackBot]:
    with running_bot(engine) as b:
        yield b


def test_every_contact_and_account_is_found_by_its_name(engine: Engine, crowded: None) -> None:
    with Session(engine) as s:
        big = s.exec(select(Account).where(Account.name == "Big Corp")).one()
        people = {str(p.id) for p in s.exec(select(Contact)).all()}
        assert len(contact_choices(big, "", session=s)) == PICK_LIMIT
        # typing one more character reaches every one of them
        reached = {c.value for d in "01234" for c in contact_choices(big, f"person {d}", session=s)}
        assert reached == people
        assert contact_choices(big, "PERSON 437", session=s)[0].label == "Person 437 (Chief Buyer)"
        assert [c.label for c in contact_choices(big, "buyer", session=s)] == [
            "Person 437 (Chief Buyer)"
        ]
        accounts = {str(a.id) for a in s.exec(select(Account)).all()}
        assert len(account_choices("", session=s)) == PICK_LIMIT
        typed = ["account 0", "account 1", "big", "corp h"]
        assert {c.value for t in typed for c in account_choices(t, session=s)} == accounts
        # names starting with what was typed come first
        assert [c.label for c in account_choices("corp", session=s)] == [
            "Corp Holdings",
            "Big Corp",
        ]
        assert account_choices("100%_", session=s) == []  # LIKE's wildcards are literal


def suggestion(action_id: str, value: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "block_suggestion",
        "user": {"id": "UANNA"},
        "team": {"id": TEAM},
        "api_app_id": "AKAM",
        "action_id": action_id,
        "block_id": "b",
        "value": value,
        "view": view,
    }


def test_the_log_form_of_a_500_contact_account_picks_any_of_them_by_typing(
    bot: SlackBot, engine: Engine
) -> None:
    form = bot.command_opening_modal("log Big Corp").view()
    (contact_block,) = [b for b in form["blocks"] if b.get("block_id") == ids.LOG_CONTACT[0]]
    assert contact_block["element"]["type"] == "external_select"
    view = {**form, "id": "VPICK", "state": {"values": {}}}
    status, body = bot.interact(suggestion(ids.PICK_CONTACT, "", view))
    assert status == 200 and len(json.loads(body)["options"]) == PICK_LIMIT
    status, body = bot.interact(suggestion(ids.PICK_CONTACT, "person 499", view))
    (option,) = json.loads(body)["options"]
    assert option["text"]["text"] == "Person 499"
    values = {
        **text_input(*ids.LOG_SUMMARY, "Met the last one"),
        **picked(*ids.LOG_CONTACT, option["value"], kind="external_select"),
    }
    _, shown = bot.submit_form(form, values, view_id="VPICK")
    assert shown["title"]["text"] == "Logged"
    with Session(engine) as s:
        logged = s.exec(select(Interaction).where(Interaction.summary == "Met the last one")).one()
        assert logged.contact_id == int(option["value"])


def test_the_account_picker_answers_any_account_and_leads_a_contact_picker(
    bot: SlackBot,
) -> None:
    status, body = bot.interact(suggestion(ids.PICK_ACCOUNT, "", {"id": "V1", "type": "modal"}))
    assert status == 200 and len(json.loads(body)["options"]) == PICK_LIMIT
    status, body = bot.interact(suggestion(ids.PICK_ACCOUNT, "big", {"id": "V1", "type": "modal"}))
    (big,) = json.loads(body)["options"]
    assert big["text"]["text"] == "Big Corp"
    # a contact picker in a form where the account was picked finds that account's people
    state = {"values": {"acct": {ids.PICK_ACCOUNT: {"selected_option": big}}}}
    view = {"id": "V2", "type": "modal", "state": state}
    status, body = bot.interact(suggestion(ids.PICK_CONTACT, "437", view))
    assert [o["text"]["text"] for o in json.loads(body)["options"]] == ["Person 437 (Chief Buyer)"]
    # and before any account is picked, it has nothing to offer
    empty = {"id": "V3", "type": "modal", "state": {"values": {}}}
    assert json.loads(bot.interact(suggestion(ids.PICK_CONTACT, "", empty))[1]) == {"options": []}
