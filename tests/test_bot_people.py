"""Contacts, personal facts and the account profile through Slack: signed requests in, the
Web API stand-in recording the replies, Block Kit checked by slack_sdk.models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.models import Account, Contact, ProfileEntry
from kambot import ids
from tests.slack_harness import SlackBot, running_bot, text_input, valid_view
from tests.slack_harness import select as choose
from tests.test_bot import counts, reply_text, rows, team  # noqa: F401 - the fixture is used by name


@pytest.fixture
def bot(engine: Engine, team: dict[str, Any]) -> Iterator[SlackBot]:  # noqa: F811
    with running_bot(engine) as b:
        yield b


def _account(engine: Engine, name: str) -> Account:
    with Session(engine) as s:
        return s.exec(select(Account).where(Account.name == name)).one()


def test_contacts_and_facts_by_slash_command(bot: SlackBot, engine: Engine) -> None:
    said = reply_text(
        bot.command('contact add Acme Corp: Ingrid <b>Berg</b> --role "decision maker" --title CFO')
    )
    assert "Added Ingrid &lt;b&gt;Berg&lt;/b&gt; to Acme Corp" in said
    said = reply_text(
        bot.command("contact add Acme Corp: Ola --role influencer --reports-to ingrid")
    )
    assert "Added Ola" in said
    assert "Noted" in reply_text(bot.command("fact add Acme Corp: hometown Bergen --contact ola"))
    assert "Noted" in reply_text(bot.command("fact add Acme Corp: interests chess --contact ola"))
    assert "Changed Ola" in reply_text(bot.command("contact edit Acme Corp: ola --title Buyer"))
    listed = reply_text(bot.command("contact list Acme Corp"))
    assert "Ola*, Buyer (influencer), reports to Ingrid &lt;b&gt;Berg&lt;/b&gt;" in listed
    assert "hometown: Bergen" in listed
    card = reply_text(bot.command("show acme"))
    assert "(decision maker)" in card and "hometown: Bergen" in card

    before = counts(engine)
    refused = [
        ("contact add Acme Corp:  --title X", "name is empty"),
        ("contact add Acme Corp: Per --role boss", "Unknown buying role 'boss'"),
        ("contact add Acme Corp: Per --reports-to Nobody", "no contact called 'Nobody'"),
        ("contact add Konex: Per", "only your own accounts"),
        ("contact sack Acme Corp: Ola", "takes add or edit or retire or list first"),
        ("fact add Acme Corp: hometown Oslo --contact ola", "already noted"),
        ("fact add Acme Corp: birthday someday --contact ola", "YYYY-MM-DD"),
        ("fact add Acme Corp: shoe 44 --contact ola", "Unknown personal fact"),
        ("fact add Acme Corp: hometown Oslo", "Name them with --contact"),
    ]
    for command, message in refused:
        assert message in reply_text(bot.command(command)), command
    assert counts(engine) == before
    assert "retired" in reply_text(bot.command("contact retire Acme Corp: ola"))
    assert [c.name for c in rows(engine, Contact) if c.retired_at] == ["Ola"]


def test_the_profile_by_slash_command_and_its_refusals(bot: SlackBot, engine: Engine) -> None:
    said = reply_text(bot.command("account set Acme Corp --stage 4 --margin 30% --plans Sweden"))
    assert "Set relationship stage, gross margin, their strategic plans for Acme Corp" in said
    acme = _account(engine, "Acme Corp")
    assert (acme.relationship_stage, acme.gross_margin, acme.strategic_plans) == (4, 30.0, "Sweden")
    stamps = rows(engine, ProfileEntry)
    assert {(e.field_name, e.set_by) for e in stamps} == {
        ("relationship_stage", "anna@example.com"),
        ("gross_margin", "anna@example.com"),
        ("strategic_plans", "anna@example.com"),
    }
    card = reply_text(bot.command("show acme"))
    assert "Relationship stage (1–5): 4 (interdependent) (anna@example.com" in card

    before = counts(engine), len(rows(engine, ProfileEntry))
    for command, message in [
        ("account set Acme Corp --stage 0", "not '0'"),
        ("account set Acme Corp --stage 6", "not '6'"),
        ("account set Acme Corp --spend nan", "not a number kam can read"),
        ("account set Acme Corp --tier key", "needs a reason"),
        ("account set Konex --stage 2", "only your own accounts"),
        ("account set Acme Corp --colour red", "no option --colour"),
    ]:
        assert message in reply_text(bot.command(command)), command
    assert (counts(engine), len(rows(engine, ProfileEntry))) == before


def _submit(bot: SlackBot, view: dict[str, Any], values: dict[str, Any], view_id: str) -> str:
    """What the form became once kam handled it (acked first, as saving), as its text."""
    acked, shown = bot.submit_form(view, values, view_id=view_id)
    assert acked["response_action"] == "update"
    return json.dumps(shown)


def test_the_contact_and_profile_forms(bot: SlackBot, engine: Engine) -> None:
    opened = bot.command_opening_modal("contact add Kan-code")
    view = opened.view()
    valid_view(view)
    assert view["callback_id"] == ids.CONTACT_MODAL
    blank = {
        **text_input("title", "title", None),
        **text_input("email", "email", None),
        **text_input("phone", "phone", None),
        **text_input("reports_to", "reports_to", None),
    }
    body = _submit(bot, view, {**text_input("name", "name", "  "), **blank}, "V1")
    assert "The contact's name is empty; give it some text." in body
    assert not rows(engine, Contact)[1:]
    values = {
        **blank,
        **text_input("name", "name", "Siri <!here>"),
        **choose("role", "role", "gatekeeper"),
        **text_input("email", "email", "siri@kan.example"),
    }
    assert "Added Siri &lt;!here&gt; to Kan-code" in _submit(bot, view, values, "V1")
    siri = [c for c in rows(engine, Contact) if c.name.startswith("Siri")]
    assert [(c.buying_role, c.email) for c in siri] == [("gatekeeper", "siri@kan.example")]

    opened = bot.command_opening_modal("account set Kan-code")
    view = opened.view()
    valid_view(view)
    assert view["callback_id"] == ids.PROFILE_MODAL
    shown = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert {"relationship_stage", "strategic_plans", "replacement_months"} <= shown
    typed = {name: text_input(name, name, None) for name in shown}
    typed["relationship_stage"] = text_input("relationship_stage", "relationship_stage", "6")
    values = {k: v for part in typed.values() for k, v in part.items()}
    assert "not '6'" in _submit(bot, view, values, "V2")
    typed["relationship_stage"] = text_input("relationship_stage", "relationship_stage", "2")
    typed["difficulties"] = text_input("difficulties", "difficulties", "Slow approvals")
    values = {k: v for part in typed.values() for k, v in part.items()}
    _submit(bot, view, values, "V2")
    kan = _account(engine, "Kan-code")
    assert (kan.relationship_stage, kan.difficulties) == (2, "Slow approvals")
    assert {e.field_name for e in rows(engine, ProfileEntry)} == {
        "relationship_stage",
        "difficulties",
    }
