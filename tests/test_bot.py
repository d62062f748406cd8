"""The Slack bot end to end: signed requests in, recorded Web API calls out, the database read."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from slack_bolt.app import app as bolt_app
from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from core.models import (
    Account,
    AuditEvent,
    Commitment,
    CommitmentCreate,
    Contact,
    CustomerRequest,
    Feedback,
    Goal,
    Interaction,
    Notice,
    Order,
    PlanAction,
    PlanObjective,
    PlanRisk,
    Reminder,
    Review,
    Role,
    User,
)
from core.services.commitments import add_commitment
from core.services.users import set_working_hours
from kambot import blocks as kb
from kambot import ids, log_form, pickers
from kambot.listeners import actions as listen_actions
from kambot.listeners import commands as listen_commands
from kambot.listeners import events as listen_events
from kambot.listeners import views as listen_views
from tests import factories
from tests.slack_harness import (
    Call,
    SlackBot,
    running_bot,
    text_input,
    valid_blocks,
    valid_view,
)
from tests.slack_harness import (
    select as choose,
)
from tests.typed_numbers import NOT_NUMBERS

TABLES = (
    Interaction,
    Commitment,
    Notice,
    Order,
    Feedback,
    CustomerRequest,
    Contact,
    User,
    Goal,
    PlanObjective,
    PlanAction,
    PlanRisk,
    Review,
)


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table that a command could write to (plus the audit trail), read in one
    statement (the fuzz test reads them twice for each of its hundreds of commands)."""
    tallies = [
        *(
            select(func.count()).select_from(m).scalar_subquery().label(m.__tablename__)
            for m in TABLES
        ),
        select(func.count()).select_from(AuditEvent).scalar_subquery().label("audit"),
        select(func.count())
        .select_from(User)
        .where(User.slack_user_id.is_not(None))  # type: ignore[union-attr]
        .scalar_subquery()
        .label("links"),
    ]
    with Session(engine) as s:
        return dict(s.execute(sa_select(*tallies)).one()._mapping)


def rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as s:
        return list(s.exec(select(model)).all())


@pytest.fixture
def team(engine: Engine) -> dict[str, Any]:
    """Anna (account manager, linked) owns Acme and Kan-code; Mark manages; Bob is another AM."""
    with Session(engine, expire_on_commit=False) as s:
        mark = factories.user(s, "mark@example.com", role=Role.MANAGER, slack_user_id="UMARK")
        anna = factories.user(s, "anna@example.com", manager_id=mark.id, slack_user_id="UANNA")
        bob = factories.user(s, "bob@example.com")
        acme = factories.account(s, "Acme Corp", owner_id=anna.id, sector="retail")
        kan = factories.account(s, "Kan-code", owner_id=anna.id)
        factories.account(s, "Konex", owner_id=bob.id)
        s.add(
            Contact(
                account_id=acme.id,  # type: ignore[arg-type]
                name="Ana Lima",
                title="Head of buying",
                decision_maker=True,
                interests="sailing <!channel> & chess",
            )
        )
        s.commit()
        return {"mark": mark, "anna": anna, "bob": bob, "acme": acme, "kan": kan}


@pytest.fixture
def bot(engine: Engine, team: dict[str, Any]) -> Iterator[SlackBot]:
    with running_bot(engine, UBOB="Bob@Example.com", USTRANGER="stranger@elsewhere.com") as b:
        yield b


def reply_text(call: Any) -> str:
    assert call.body.get("response_type") == "ephemeral", call.body
    valid_blocks(call.blocks())
    return call.text_of_blocks()


# --- the door: signatures ---------------------------------------------------------


def test_unsigned_badly_signed_and_stale_requests_get_401_and_change_nothing(
    bot: SlackBot, engine: Engine
) -> None:
    before = counts(engine)
    body = bot.command_body("log Acme: called")
    assert bot.post(body, signed=False)[0] == 401
    assert bot.post(body, signature="v0=" + "0" * 64)[0] == 401
    stale = int(time.time()) - 6 * 60
    assert bot.post(body, timestamp=stale)[0] == 401
    tampered = bot.verifier.generate_signature(timestamp=str(int(time.time())), body=body)
    assert bot.post(body.replace("called", "hacked"), signature=tampered)[0] == 401
    # bolt answers 401 from its signature check, before any listener is started:
    # once the 401 is here, nothing of these requests is left to run.
    assert counts(engine) == before
    assert [c.method for c in bot.api.calls if c.method != "auth.test"] == []


def test_a_rejected_request_is_logged_without_its_body(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = bot.command_body("log Acme: private note")
    assert bot.post(body, signature="v0=" + "0" * 64)[0] == 401
    # the rejection is logged by the signature check that answers the 401, before it answers
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Invalid request signature detected" in logged and "withheld" in logged
    assert "legacy-unused" not in logged and "response_url" not in logged
    assert "private note" not in logged and "/response/" not in logged


def test_a_fresh_signed_request_is_acknowledged(bot: SlackBot) -> None:
    status, body = bot.post(bot.command_body("help"))
    assert status == 200
    assert body == ""  # acked empty; the reply follows through response_url


# --- identity and rights -----------------------------------------------------------


def test_unknown_user_gets_one_message_on_how_to_be_linked_and_nothing_else(
    bot: SlackBot, engine: Engine
) -> None:
    before = counts(engine)
    reply = bot.command("log Acme: called them", user="USTRANGER")
    text = reply_text(reply)
    assert "kam users link stranger@elsewhere.com USTRANGER" in text
    assert "Acme" not in text
    assert counts(engine) == before
    reply = bot.command("show Acme", user="UNOPROFILE")
    assert "kam users link YOUR_EMAIL UNOPROFILE" in reply_text(reply)
    assert counts(engine) == before


def test_first_use_links_by_profile_email_and_audits_it(bot: SlackBot, engine: Engine) -> None:
    reply = bot.command("show Konex", user="UBOB")
    assert "Konex" in reply_text(reply)
    bob = next(u for u in rows(engine, User) if u.email == "bob@example.com")
    assert bob.slack_user_id == "UBOB"
    links = [e for e in rows(engine, AuditEvent) if e.action == "link_slack"]
    assert len(links) == 1 and "slack:UBOB" in links[0].actor
    bot.command("show Konex", user="UBOB")
    assert len(bot.api.of("users.info")) == 1  # linked now: no second profile lookup


def test_account_managers_change_only_their_own_accounts(bot: SlackBot, engine: Engine) -> None:
    before = counts(engine)
    reply = bot.command("log Acme Corp: dropped by", user="UBOB")
    assert "only your own accounts" in reply_text(reply)
    assert counts(engine)["interactions"] == before["interactions"]
    reply = bot.command("log Konex: dropped by", user="UBOB")
    assert "Logged call with *Konex*" in reply_text(reply)


def test_managers_change_their_teams_accounts_only_and_the_audit_names_the_slack_user(
    bot: SlackBot, engine: Engine
) -> None:
    reply = bot.command("promise Kan-code: send the SLA by next friday", user="UMARK")
    assert "Promise to Kan-code recorded" in reply_text(reply)
    created = [e for e in rows(engine, AuditEvent) if e.entity == "commitments"]
    assert created[-1].actor == "slack:UMARK mark@example.com"
    before = counts(engine)
    refused = reply_text(bot.command("promise Konex: send the SLA by next friday", user="UMARK"))
    assert "a manager: their team's" in refused and "Konex is not one of them" in refused
    assert counts(engine) == before


def test_the_audit_trail_of_an_account_for_anyone_and_of_everything_for_managers(
    bot: SlackBot, engine: Engine
) -> None:
    bot.command("promise Acme: send the SLA by next friday")
    mine = reply_text(bot.command("audit acme"))
    assert "Changes to Acme Corp" in mine and "slack:UANNA anna@example.com" in mine
    assert "create commitments" in mine and "created_at" not in mine
    before = counts(engine)
    refused = reply_text(bot.command("audit"))
    assert "The whole audit trail is for managers and admins" in refused
    everything = reply_text(bot.command("audit", user="UMARK"))
    assert "The newest changes" in everything and "commitments" in everything
    assert counts(engine) == before  # reading writes nothing


def test_people_are_changed_by_admins_and_by_a_manager_for_their_team_only(
    bot: SlackBot, engine: Engine
) -> None:
    before = counts(engine)
    refused = reply_text(bot.command("users deactivate bob@example.com"))  # Anna is an AM
    assert "Only an admin, or Bob" in refused
    not_his = reply_text(bot.command("users deactivate bob@example.com", user="UMARK"))
    assert "Only an admin" in not_his  # Bob is not on Mark's team
    no_admin = reply_text(bot.command("users edit anna@example.com --role admin", user="UMARK"))
    assert "only an admin makes someone an admin" in no_admin
    assert counts(engine) == before
    edited = reply_text(bot.command("users edit anna@example.com --team North", user="UMARK"))
    assert "Updated Anna" in edited
    gone = reply_text(bot.command("users deactivate anna@example.com", user="UMARK"))
    assert "Deactivated anna@example.com" in gone and "own 2 accounts" in gone
    with Session(engine) as s:
        anna = s.exec(select(User).where(User.email == "anna@example.com")).one()
        assert anna.team == "North" and not anna.active
    events = [e for e in rows(engine, AuditEvent) if e.entity == "user"]
    assert [e.action for e in events[-2:]] == ["update", "deactivate"]
    assert events[-1].actor == "slack:UMARK mark@example.com"


# --- subcommands -------------------------------------------------------------------


def test_help_lists_every_subcommand(bot: SlackBot) -> None:
    text = reply_text(bot.command("help"))
    for name in (
        "due",
        "list",
        "show",
        "log",
        "promise",
        "notice",
        "order",
        "thanks",
        "snooze",
        "score",
        "portfolio",
        "feedback",
    ):
        assert f"/kam {name}" in text
    assert "/kam log ACCOUNT" in reply_text(bot.command("help log"))
    assert "/kam help" in reply_text(bot.command(""))


def test_unknown_subcommand_suggests_the_nearest(bot: SlackBot) -> None:
    assert "Did you mean `/kam show`?" in reply_text(bot.command("shwo Acme"))


def test_list_shows_my_accounts_or_everyones(bot: SlackBot) -> None:
    mine = reply_text(bot.command("list"))
    assert "Acme Corp" in mine and "Kan-code" in mine and "Konex" not in mine
    everyone = reply_text(bot.command("list all"))
    assert "Konex" in everyone
    assert "Unknown tier" in reply_text(bot.command("list --tier gold"))


def test_show_gives_the_card_with_escaped_user_text_and_a_share_button(bot: SlackBot) -> None:
    reply = bot.command("show acme")
    text = reply_text(reply)
    assert "Acme Corp" in text and "Ana Lima" in text
    assert "&lt;!channel&gt; &amp; chess" in text
    assert "<!channel>" not in text
    share = [
        e
        for b in reply.blocks()
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.SHARE_CARD
    ]
    assert share
    status, n = bot.click(ids.SHARE_CARD, share[0]["value"])
    assert status == 200
    shared = bot.api.wait_for(f"response/{n}")[0]
    assert shared.body["response_type"] == "in_channel"
    assert "Shared by <@UANNA>" in shared.text_of_blocks()
    valid_blocks(shared.blocks())


def test_a_misspelt_account_offers_did_you_mean_buttons_that_rerun_the_command(
    bot: SlackBot, engine: Engine
) -> None:
    reply = bot.command('log "Acme Crop": talked pricing --kind meeting')
    buttons = [e for b in reply.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["text"]["text"] == "Acme Corp"
    assert counts(engine)["interactions"] == 0
    status, n = bot.click(buttons[0]["action_id"], buttons[0]["value"])
    assert status == 200
    rerun = bot.api.wait_for(f"response/{n}")[0]
    assert rerun.body["replace_original"] is True
    assert "Logged meeting with *Acme Corp*" in reply_text(rerun)
    # a double click re-sends the same message ts: still one interaction
    bot.click(buttons[0]["action_id"], buttons[0]["value"], message={"ts": f"1700000999.{n:06d}"})
    bot.api.wait_for(f"response/{n + 1}")
    logged = rows(engine, Interaction)
    assert (
        len(logged) == 1 and logged[0].kind == "meeting" and logged[0].summary == "talked pricing"
    )


@pytest.mark.parametrize(
    ("command", "model"),
    [
        ('promise "Acme Crop": send the price list --by "in 3 days"', Commitment),
        ('notice "Acme Crop": list prices rise 4% --by "in 10 days" --kind price_change', Notice),
        ('order "Acme Crop": 40 licences --amount 12000', Order),
        ('feedback "Acme Crop": quick delivery --csat 5', Feedback),
    ],
)
def test_a_double_click_on_did_you_mean_records_once(
    bot: SlackBot, engine: Engine, command: str, model: Any
) -> None:
    reply = bot.command(command)
    buttons = [e for b in reply.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["text"]["text"] == "Acme Corp"
    message = {"ts": "1700000123.000001", "blocks": []}
    for _ in range(2):
        status, n = bot.click(buttons[0]["action_id"], buttons[0]["value"], message=message)
        assert status == 200
        bot.api.wait_for(f"response/{n}")
    assert len(rows(engine, model)) == 1


def test_log_with_text_writes_one_interaction_even_when_slack_retries(
    bot: SlackBot, engine: Engine
) -> None:
    body = bot.command_body('log Kan code called Ana about the renewal --at "yesterday 3pm"', n=900)
    assert bot.post(body)[0] == 200
    first = bot.api.wait_for("response/900")[0]
    assert "Logged call with *Kan-code*" in reply_text(first)
    assert (
        bot.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[
            0
        ]
        == 200
    )
    bot.api.wait_for("response/900", 2)
    logged = rows(engine, Interaction)
    assert len(logged) == 1
    assert logged[0].summary == "called Ana about the renewal"
    assert logged[0].source == "slack"
    assert logged[0].occurred_at.hour == 15


def test_a_command_that_mentions_payload_is_read_as_the_command_it_is(
    bot: SlackBot, engine: Engine
) -> None:
    """bolt reads a form body with the word "payload" in it as an empty interactive
    payload; the person would get no reply and nothing logged."""
    reply = bot.command("log Kan code: the payload of the pilot order slipped a week")
    assert "Logged call with *Kan-code*" in reply_text(reply)
    (logged,) = rows(engine, Interaction)
    assert logged.summary == "the payload of the pilot order slipped a week"
    assert "payload" in reply_text(bot.command("payload"))  # unknown: named back, with help


def test_log_rejects_bad_input_without_writing(bot: SlackBot, engine: Engine) -> None:
    before = counts(engine)
    assert "Unknown kind" in reply_text(bot.command("log Acme Corp: hi --kind carrier-pigeon"))
    assert "Cannot read" in reply_text(bot.command('log Acme Corp: hi --at "the twelfth of never"'))
    assert "future" in reply_text(bot.command('log Acme Corp: hi --at "next year"'))
    assert "no option --colour" in reply_text(bot.command("log Acme Corp: hi --colour red"))
    assert counts(engine) == before


def entered(view: dict[str, Any], field: tuple[str, str]) -> Any:
    """What the form shows in one input: its initial text, or its chosen option's value."""
    block = next(b for b in view["blocks"] if b.get("block_id") == field[0])
    element = block["element"]
    return element.get("initial_value") or (element.get("initial_option") or {}).get("value")


def problems(view: dict[str, Any]) -> dict[str, str]:
    """The problems the form shows, by the input each one is shown under."""
    shown = {}
    for above, block in zip(view["blocks"], view["blocks"][1:], strict=False):
        if block.get("block_id") == log_form.PROBLEM_BLOCK:
            shown[above.get("block_id")] = block["elements"][0]["text"]
    return shown


def picked(engine: Engine, name: str | None) -> dict[str, Any]:
    """The log form's account picker with the account called ``name`` picked (None: an
    account that does not exist)."""
    with Session(engine) as s:
        found = s.exec(select(Account).where(Account.name == name)).first() if name else None
        value = str(found.id) if found else "999999"
    return choose(*ids.LOG_ACCOUNT, value, kind="external_select")


def test_log_without_text_opens_the_modal_and_one_submission_logs_once(
    bot: SlackBot, engine: Engine
) -> None:
    opened = bot.command_opening_modal("log")
    view = opened.view()
    valid_view(view)
    assert view["callback_id"] == ids.LOG_MODAL
    inputs = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if "element" in b}
    assert inputs[ids.LOG_ACCOUNT[0]] == inputs[ids.LOG_CONTACT[0]] == "external_select"
    values = {
        **picked(engine, "Acme Corp"),
        **choose(*ids.LOG_KIND, "visit"),
        **choose(*ids.LOG_CONTACT, "1", kind="external_select"),
        **text_input(*ids.LOG_SUMMARY, "Visited the <@U999> warehouse"),
        **choose(*ids.LOG_SENTIMENT, "positive", kind="radio_buttons"),
        **text_input(*ids.LOG_WHEN, None),
    }
    answer, shown = bot.submit_form(view, values, view_id="V0ONE")
    # acked at once: the form as filled in, saving
    assert answer["response_action"] == "update"
    saving = answer["view"]
    valid_view(saving)
    assert "Saving" in json.dumps(saving["blocks"])
    assert entered(saving, ids.LOG_SUMMARY) == "Visited the <@U999> warehouse"
    assert (entered(saving, ids.LOG_KIND), entered(saving, ids.LOG_SENTIMENT)) == (
        "visit",
        "positive",
    )
    # then the modal says what was logged, and so does the conversation it came from
    valid_view(shown)
    assert shown["title"]["text"] == "Logged" and "submit" not in shown
    assert "Logged visit with *Acme Corp*" in json.dumps(shown)
    confirmation = bot.api.wait_for(f"response/{opened.body['trigger_id'].split('.')[1]}")[0]
    assert "&lt;@U999&gt;" in reply_text(confirmation)
    # double submit of the same view, and a Slack retry: still one
    bot.submit_form(view, values, view_id="V0ONE")
    bot.submit_form(view, values, view_id="V0ONE", headers={"X-Slack-Retry-Num": "1"})
    logged = rows(engine, Interaction)
    assert len(logged) == 1
    assert (logged[0].kind, logged[0].sentiment, logged[0].contact_id) == ("visit", "positive", 1)


def test_log_to_kam_records_a_slack_message_as_an_interaction_on_the_account_chosen(
    bot: SlackBot, engine: Engine
) -> None:
    said = "Kari: we want the <https://evil.example|renewal> quote by Friday"
    opened, n = bot.message_shortcut(ids.LOG_MESSAGE_SHORTCUT, said)
    view = opened.view()
    valid_view(view)
    assert (entered(view, ids.LOG_SUMMARY), entered(view, ids.LOG_KIND)) == (said, "message")
    account_input = next(b for b in view["blocks"] if b.get("block_id") == ids.LOG_ACCOUNT[0])
    assert account_input["element"]["action_id"] == ids.PICK_ACCOUNT
    assert not account_input.get("optional")  # the account is required
    values = {
        **choose(*ids.LOG_ACCOUNT, None, kind="external_select"),
        **choose(*ids.LOG_KIND, "message"),
        **text_input(*ids.LOG_SUMMARY, said),
    }
    _, shown = bot.submit_form(view, values, view_id="V0MSG")
    assert "Pick the account this is about." in problems(shown)[ids.LOG_ACCOUNT[0]]
    values.update(picked(engine, None))
    _, shown = bot.submit_form(shown, values, view_id="V0MSG")
    assert "There is no account with id 999999" in problems(shown)[ids.LOG_ACCOUNT[0]]
    assert counts(engine)["interactions"] == 0
    values.update(picked(engine, "Acme Corp"))
    _, shown = bot.submit_form(shown, values, view_id="V0MSG")
    valid_view(shown)
    assert "Logged message with *Acme Corp*" in json.dumps(shown)
    assert "Logged message with" in reply_text(bot.api.wait_for(f"response/{n}")[0])
    logged = rows(engine, Interaction)
    assert [(i.kind, i.summary, i.source) for i in logged] == [("message", said, "slack")]


def test_log_to_kam_in_a_channel_linked_to_an_account_logs_on_that_account(
    bot: SlackBot, engine: Engine
) -> None:
    bot.command("channel link Kan-code")  # typed in C0SALES
    opened, _ = bot.message_shortcut(ids.LOG_MESSAGE_SHORTCUT, "Can we move the demo?")
    view = opened.view()
    valid_view(view)
    assert "*Account:* Kan-code" in json.dumps(view)
    assert ids.LOG_ACCOUNT[0] not in {b.get("block_id") for b in view["blocks"]}
    values = {**choose(*ids.LOG_KIND, "message"), **text_input(*ids.LOG_SUMMARY, "Demo moved")}
    _, shown = bot.submit_form(view, values, view_id="V0LINKED")
    assert "Logged message with *Kan-code*" in json.dumps(shown)
    # elsewhere the form asks which account
    opened, _ = bot.message_shortcut(ids.LOG_MESSAGE_SHORTCUT, "hi", channel="C0OTHER")
    assert ids.LOG_ACCOUNT[0] in {b.get("block_id") for b in opened.view()["blocks"]}
    [logged] = [i for i in rows(engine, Interaction) if i.summary == "Demo moved"]
    assert logged.account_id == next(a.id for a in rows(engine, Account) if a.name == "Kan-code")


def test_log_modal_shows_problems_under_the_field_keeps_the_input_and_can_be_sent_again(
    bot: SlackBot, engine: Engine
) -> None:
    view = bot.command_opening_modal("log").view()
    values = {
        **picked(engine, "Acme Corp"),
        **choose(*ids.LOG_KIND, "meeting"),
        **text_input(*ids.LOG_SUMMARY, "called"),
        **text_input(*ids.LOG_WHEN, "blue moon"),
    }
    answer, shown = bot.submit_form(view, values, view_id="V0FIX")
    assert answer["response_action"] == "update"
    valid_view(shown)
    assert list(problems(shown)) == [ids.LOG_WHEN[0]]
    assert "Cannot read" in problems(shown)[ids.LOG_WHEN[0]]
    assert (entered(shown, ids.LOG_WHEN), entered(shown, ids.LOG_SUMMARY)) == (
        "blue moon",
        "called",
    )
    assert entered(shown, ids.LOG_KIND) == "meeting" and shown["submit"]["text"] == "Log it"
    # fixed the date, left the account out: the new problem replaces the old one
    values.update(choose(*ids.LOG_ACCOUNT, None, kind="external_select"))
    values.update(text_input(*ids.LOG_WHEN, None))
    _, shown = bot.submit_form(shown, values, view_id="V0FIX")
    valid_view(shown)
    assert list(problems(shown)) == [ids.LOG_ACCOUNT[0]]
    assert "Pick the account" in problems(shown)[ids.LOG_ACCOUNT[0]]
    assert entered(shown, ids.LOG_WHEN) is None
    assert counts(engine)["interactions"] == 0
    # fixed again: logged, once
    values.update(picked(engine, "Acme Corp"))
    _, shown = bot.submit_form(shown, values, view_id="V0FIX")
    assert shown["title"]["text"] == "Logged"
    (logged,) = rows(engine, Interaction)
    assert (logged.kind, logged.summary) == ("meeting", "called")


def test_a_stranger_submitting_the_log_form_is_told_how_to_be_linked(
    bot: SlackBot, engine: Engine
) -> None:
    view = bot.command_opening_modal("log").view()
    values = {**picked(engine, "Acme Corp"), **text_input(*ids.LOG_SUMMARY, "called")}
    before = counts(engine)
    _, shown = bot.submit_form(view, values, view_id="V0WHO", user="UNOPROFILE")
    valid_view(shown)
    assert "kam users link YOUR_EMAIL UNOPROFILE" in problems(shown)[ids.LOG_SUMMARY[0]]
    assert entered(shown, ids.LOG_SUMMARY) == "called"
    assert counts(engine) == before


def test_log_with_an_account_but_no_text_opens_a_prefilled_modal(bot: SlackBot) -> None:
    view = bot.command_opening_modal("log Acme Corp").view()
    valid_view(view)
    assert "Acme Corp" in json.dumps(view["blocks"])
    assert json.loads(view["private_metadata"])["account_id"]


def test_card_log_button_opens_the_modal_for_that_account(
    bot: SlackBot, team: dict[str, Any]
) -> None:
    status, _ = bot.click(ids.CARD_LOG, str(team["acme"].id))
    assert status == 200
    view = bot.api.wait_for("views.open")[0].view()
    valid_view(view)
    assert json.loads(view["private_metadata"])["account_id"] == team["acme"].id


def test_promise_and_notice_take_dates_in_plain_words(bot: SlackBot, engine: Engine) -> None:
    reply = bot.command("promise Acme Corp: send the new price list by next friday --to Ana")
    assert "Promise to Acme Corp recorded" in reply_text(reply)
    (commitment,) = rows(engine, Commitment)
    assert commitment.what == "send the new price list" and commitment.to_whom == "Ana"
    assert commitment.due_on.weekday() == 4
    reply = bot.command("notice Kan-code: prices rise 4% --by 2099-03-01 --kind price_change")
    assert "Tell them by" in reply_text(reply)
    (notice,) = rows(engine, Notice)
    assert (notice.kind, str(notice.must_tell_by)) == ("price_change", "2099-03-01")
    assert "By when?" in reply_text(bot.command("promise Acme Corp: call back sometime"))
    assert "in the past" in reply_text(bot.command("promise Acme Corp: x by 2001-01-01"))
    assert len(rows(engine, Commitment)) == 1


def test_order_records_and_completes(bot: SlackBot, engine: Engine) -> None:
    assert "recorded" in reply_text(bot.command("order Acme Corp: 40 GTK 500 --amount 19,600"))
    (order,) = rows(engine, Order)
    assert (order.what, order.amount) == ("40 GTK 500", 19600.0)
    assert "marked completed" in reply_text(bot.command("order Acme Corp --completed"))
    assert rows(engine, Order)[0].status == "completed"
    assert "no open order" in reply_text(bot.command("order Acme Corp --problem late"))
    assert "'lots' is not a number" in reply_text(bot.command("order Acme Corp: x --amount lots"))


def test_text_with_a_nul_character_is_refused_and_nothing_is_written(
    bot: SlackBot, engine: Engine
) -> None:
    before = counts(engine)
    reply = bot.command("order Acme Corp: 40\x00licences")
    assert "Invalid order: what holds a NUL character" in reply_text(reply)
    assert counts(engine) == before


@pytest.mark.parametrize(("field", "typed", "sentence"), NOT_NUMBERS)
def test_an_amount_or_rating_that_is_no_number_is_refused_and_nothing_is_written(
    bot: SlackBot, engine: Engine, field: str, typed: str, sentence: str
) -> None:
    """1e400 would be stored as infinity and nan as NaN, which no report can show."""
    before = counts(engine)
    if field == "amount":
        reply = bot.command(f"order Acme Corp: 40 licences --amount {typed}")
    else:
        reply = bot.command(f"feedback Acme Corp --{field} {typed}: fine")
    assert sentence in reply_text(reply)
    assert counts(engine) == before


def test_feedback_and_thanks(bot: SlackBot, engine: Engine) -> None:
    reply = bot.command("feedback Acme Corp --csat 4 --expectation exceeded: loved onboarding")
    assert "CSAT 4" in reply_text(reply)
    (fb,) = rows(engine, Feedback)
    assert (fb.csat, fb.expectation, fb.comment) == (4, "exceeded", "loved onboarding")
    assert "needs a CSAT" in reply_text(bot.command("feedback Acme Corp: nice"))
    assert "CSAT is a whole number from 1 to 5" in reply_text(
        bot.command("feedback Acme Corp --csat 9")
    )
    assert len(rows(engine, Feedback)) == 1
    reply = bot.command("thanks Acme Corp: thanked Ana for the quick sign-off")
    assert "Logged thank-you" in reply_text(reply)
    assert rows(engine, Interaction)[0].kind == "thank_you"


# --- robustness --------------------------------------------------------------------


def test_an_unexpected_failure_is_logged_with_its_trace_and_the_user_gets_an_apology(
    bot: SlackBot, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kambot import subcommands

    def broken(*_: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setitem(subcommands.HANDLERS, "list", broken)
    with caplog.at_level(logging.ERROR, logger="kambot.app"):
        reply = bot.command("list")
    text = reply_text(reply)
    assert "Sorry" in text and "database on fire" not in text and "Traceback" not in text
    record = next(r for r in caplog.records if r.name == "kambot.app")
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "xoxb" not in caplog.text and "signing" not in caplog.text


class RunToTheEnd(Executor):
    """Runs each listener bolt hands over to its end, in the request's own thread, before
    bolt goes on to read the listener's ack."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # as a pool would: kept in the future
            future.set_exception(exc)
        return future


def _fail_right_after_every_ack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every listener's first step after its ack (finding out who the person is) fails."""

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("database on fire")

    for module in (listen_commands, listen_actions, listen_views, listen_events):
        monkeypatch.setattr(module, "resolve", broken)


def _command(bot: SlackBot) -> tuple[int, Call]:
    n = next(bot._n)
    status, body = bot.post(bot.command_body("list", n=n))
    assert body == ""
    return status, bot.api.wait_for(f"response/{n}")[0]


BUTTONS = [
    f"{ids.DID_YOU_MEAN}:0",
    ids.SHARE_CARD,
    ids.CARD_LOG,
    ids.SHARE_PORTFOLIO,
    ids.REMINDER_LOG,
    f"{ids.REMINDER_SNOOZE}:1d",
    ids.REMINDER_DONE,
    ids.REMINDER_OPEN,
    ids.REMINDER_MENU,
    f"{ids.DUE_PAGE}:next",
    f"{ids.HOME_PAGE}:next",
    ids.HOME_REFRESH,
]
"""Every action the bot listens for, clicked on a message (which carries a response_url)."""


def _button(action_id: str) -> Callable[[SlackBot], tuple[int, Call]]:
    def click(bot: SlackBot) -> tuple[int, Call]:
        status, n = bot.click(action_id, "1")
        return status, bot.api.wait_for(f"response/{n}")[0]

    return click


def _modal(bot: SlackBot) -> tuple[int, Call]:
    form = kb.log_modal(
        metadata={}, account_input=pickers.account_picker(ids.LOG_ACCOUNT[0])
    ).to_dict()
    values = {
        **choose(*ids.LOG_ACCOUNT, "1", kind="external_select"),
        **choose(*ids.LOG_KIND, "call"),
        **text_input(*ids.LOG_SUMMARY, "called"),
    }
    status, body = bot.submit(form, values, view_id="V0FAIL")
    assert json.loads(body)["response_action"] == "update"  # the saving form, at once
    update = bot.api.wait_for("views.update", where=lambda c: c.body["view_id"] == "V0FAIL")[0]
    valid_view(update.view())
    return status, update


def _home_click(bot: SlackBot) -> tuple[int, Call]:
    status, _ = bot.click_home(ids.HOME_REFRESH, "0")  # an App Home click carries no response_url
    return status, bot.api.wait_for("chat.postMessage", where=_to("UANNA"))[0]


def _home_opened(bot: SlackBot) -> tuple[int, Call]:
    event = {"type": "app_home_opened", "user": "UANNA", "tab": "home", "event_ts": "1.1"}
    body = json.dumps(
        {"team_id": "T0KAM", "api_app_id": "AKAM", "type": "event_callback", "event": event}
    )
    status, _ = bot.post(body, content_type="application/json")
    return status, bot.api.wait_for("chat.postMessage", where=_to("UANNA"))[0]


def _to(user: str) -> Callable[[Call], bool]:
    return lambda call: call.body.get("channel") == user


@pytest.mark.parametrize(
    "surface",
    [_command, *map(_button, BUTTONS), _modal, _home_click, _home_opened],
    ids=["command", *BUTTONS, "modal", "home click", "home opened"],
)
def test_a_failure_right_after_the_ack_still_answers_200_and_apologises_where_the_person_is(
    engine: Engine,
    team: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    surface: Callable[[SlackBot], tuple[int, Call]],
) -> None:
    """A listener that raised after its ack let bolt reset the ack, and Slack got 404
    "unhandled request" whenever that beat bolt's read of the ack (1 CI run in 10). Here
    every listener fails at its first step after the ack and runs to its end before bolt
    reads the ack, the losing order of that race: the answer must still be 200."""
    _fail_right_after_every_ack(monkeypatch)
    monkeypatch.setattr(bolt_app, "ThreadPoolExecutor", lambda **_: RunToTheEnd())
    with running_bot(engine) as bot, caplog.at_level(logging.ERROR, logger="kambot.app"):
        status, apology = surface(bot)
    assert status == 200
    text = apology.text_of_blocks()
    assert "Sorry, something went wrong on kam's side" in text
    assert "database on fire" not in text and "Traceback" not in text
    record = next(r for r in caplog.records if r.name == "kambot.app")
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "xoxb" not in caplog.text


def test_rate_limited_web_api_calls_wait_out_retry_after_and_are_retried(bot: SlackBot) -> None:
    bot.api.retry_after = 2  # longer than the 1–2 s slack_sdk waits when it finds no Retry-After
    bot.api.rate_limited["views.open"] = 1
    bot.command_opening_modal("log")
    limited, retried = bot.api.wait_for("views.open", 2)
    assert limited.response["error"] == "ratelimited" and retried.response["ok"] is True
    assert retried.body["trigger_id"] == limited.body["trigger_id"]  # the same call again
    assert retried.arrived - limited.arrived >= bot.api.retry_after  # after Retry-After


# --- working hours ------------------------------------------------------------------


def test_hours_shows_and_sets_my_working_day_and_refuses_bad_input(
    bot: SlackBot, engine: Engine
) -> None:
    assert "You work 09:00-17:00 mon-fri (UTC)" in reply_text(bot.command("hours"))
    reply = bot.command("hours 08:30-16:30 --days sun-thu --zone Europe/Oslo")
    assert "You work 08:30-16:30 sun-thu (Europe/Oslo)" in reply_text(reply)
    anna = next(u for u in rows(engine, User) if u.email == "anna@example.com")
    assert (str(anna.work_start), str(anna.work_end), anna.work_days, anna.timezone) == (
        "08:30:00",
        "16:30:00",
        "12347",
        "Europe/Oslo",
    )
    assert "end before they start" in reply_text(bot.command("hours 17:00-08:00"))
    assert "working days" in reply_text(bot.command("hours 9-17 --days someday"))
    assert "Unknown time zone" in reply_text(bot.command("hours 9-17 --zone Mars/Base"))
    anna = next(u for u in rows(engine, User) if u.email == "anna@example.com")
    assert (anna.work_days, anna.timezone) == ("12347", "Europe/Oslo")  # nothing changed
    assert "/kam hours" in reply_text(bot.command("help"))


def test_snooze_next_monday_typed_late_on_sunday_lasts_until_mondays_working_day(
    bot: SlackBot, engine: Engine, team: dict[str, Any]
) -> None:
    with Session(engine) as s:
        set_working_hours(
            "anna@example.com",
            "08:30-16:30",
            timezone="Europe/Oslo",
            session=s,
            actor=factories.SYSTEM,
        )
        promise = CommitmentCreate(what="Send the quote", due_on=date(2026, 2, 20))
        add_commitment(team["kan"], promise, session=s, actor=factories.SYSTEM)
        s.commit()
    sunday_late = datetime(2026, 3, 1, 22, 54, tzinfo=UTC)  # 23:54 in Oslo
    with time_machine.travel(sunday_late, tick=True):
        reply = bot.command('snooze Kan-code "next monday"')
    assert "Snoozed 1 reminder on Kan-code" in reply_text(reply)
    (row,) = rows(engine, Reminder)
    assert row.snoozed_until == datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # Monday 08:30 Oslo
