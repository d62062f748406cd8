"""Reminders, digests, App Home, scores and the team summary through the real HTTP app."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.checkins import LEASE, DueItem, SweepReport, TransientDeliveryError, due_items
from core.checkins import sweep as core_sweep
from core.clock import utcnow
from core.models import (
    Commitment,
    CommitmentCreate,
    ContactCreate,
    Interaction,
    InteractionCreate,
    NoticeCreate,
    OrderCreate,
    Quadrant,
    Reminder,
    Role,
    ScoreSnapshot,
    Tier,
    User,
)
from core.services.commitments import add_commitment, complete_commitment
from core.services.contacts import add_contact
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from core.services.orders import record_order
from kambot import ids
from kambot.notifier import SlackNotifier, build_notifier
from kambot.summary import post_team_summary
from tests import factories
from tests.checkin_notifiers import ANY_HOUR, EACH_ON_ITS_OWN
from tests.slack_harness import (
    SlackBot,
    running_bot,
    text_input,
    valid_blocks,
    valid_view,
)

SYSTEM = factories.SYSTEM


def sweep(engine: Engine, notifier: Any, **options: Any) -> SweepReport:
    """Every reminder as a DM of its own, at any hour: these tests are about how each kind
    reads in Slack; what goes alone, and when, is tests/test_working_hours.py."""
    return core_sweep(engine, notifier, config=EACH_ON_ITS_OWN, **options)


def rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as s:
        return list(s.exec(select(model)).all())


def anna_items(engine: Engine) -> list[DueItem]:
    with Session(engine) as s:
        anna = s.exec(select(User).where(User.email == "anna@example.com")).one()
        return due_items(session=s, now=utcnow(), user_id=anna.id)


@pytest.fixture
def portfolio(engine: Engine) -> dict[str, Any]:
    """Anna's key account has not been called in 50 days, a promise is overdue, an order
    awaits a thank-you, a notice is untold; Mark manages her."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as s:
        mark = factories.user(
            s, "mark@example.com", role=Role.MANAGER, slack_user_id="UMARK", **ANY_HOUR
        )
        anna = factories.user(
            s, "anna@example.com", manager_id=mark.id, slack_user_id="UANNA", **ANY_HOUR
        )
        acme = factories.account(
            s, "Acme Corp", owner_id=anna.id, tier_override="key", tier_override_reason="big"
        )
        kan = factories.account(s, "Kan-code", owner_id=anna.id)
        add_contact(acme, ContactCreate(name="Ana Lima", hometown="Porto"), session=s, actor=SYSTEM)
        call = InteractionCreate(summary="Quarterly call", occurred_at=now - timedelta(days=50))
        log_interaction(acme, call, session=s, actor=SYSTEM)
        promise = CommitmentCreate(
            what="Send the SLA <draft>", due_on=date.today() - timedelta(days=2), owner_id=anna.id
        )
        add_commitment(acme, promise, session=s, actor=SYSTEM)
        news = NoticeCreate(what="Prices rise 4%", must_tell_by=date.today() + timedelta(days=5))
        add_notice(kan, news, session=s, actor=SYSTEM)
        record_order(kan, OrderCreate(what="40 GTK 500", amount=19600), session=s, actor=SYSTEM)
        for days, health in ((10, 70.0), (1, 40.0)):
            s.add(
                ScoreSnapshot(
                    account_id=acme.id,
                    at=now - timedelta(days=days),
                    attractiveness=80,  # type: ignore[arg-type]
                    relationship=60,
                    health=health,
                    tier="key",
                    quadrant="strategic",
                )
            )
        s.commit()
        return {"anna": anna, "mark": mark, "acme": acme, "kan": kan}


@pytest.fixture
def bot(engine: Engine, portfolio: dict[str, Any]) -> Iterator[SlackBot]:
    with running_bot(engine) as b:
        yield b


def delivered(bot: SlackBot, engine: Engine) -> dict[str, Any]:
    """Run a real sweep through the Slack notifier; the DMs it posted, by reminder key."""
    report = sweep(engine, SlackNotifier(bot.app.client), now=utcnow())
    assert not report.failed, report
    return {key_of(call): call for call in bot.api.of("chat.postMessage")}


def key_of(call: Any) -> str:
    """The reminder key a posted DM carries in its metadata."""
    metadata = call.body.get("metadata")
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    return str(metadata["event_payload"]["key"])


def buttons(call: Any) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e for b in call.blocks() if b["type"] == "actions" for e in b["elements"]
    }


def click_on(bot: SlackBot, call: Any, action_id: str, *, user: str = "UANNA") -> int:
    element = buttons(call)[action_id]
    channel = call.response["channel"]
    ts = bot.api.ts_of(call)
    status, n = bot.click(
        action_id,
        element["value"],
        user=user,
        channel=channel,
        message={"ts": ts, "blocks": call.blocks()},
    )
    assert status == 200
    return n


# --- delivery --------------------------------------------------------------------------


def test_the_sweep_sends_each_reminder_as_a_dm_with_buttons_once(
    bot: SlackBot, engine: Engine
) -> None:
    posted = delivered(bot, engine)
    assert posted, "nothing was delivered"
    digests = {k: c for k, c in posted.items() if k.startswith("digest:")}
    assert len(digests) <= 1
    for key, call in posted.items():
        assert call.body["channel"] == "UANNA"
        if key in digests:
            valid_blocks(call.blocks())
            continue
        valid_blocks(call.blocks())
        actions = buttons(call)
        assert {ids.REMINDER_DONE, ids.REMINDER_SNOOZE + ":1d", ids.REMINDER_SNOOZE + ":1w"} <= set(
            actions
        )
    check_in = next(c for k, c in posted.items() if k.startswith("check_in"))
    assert "_Urgent: key account past its red line" in check_in.text_of_blocks()
    assert "Porto" in check_in.text_of_blocks()  # know them: personal notes before the call
    thanks = next(c for k, c in posted.items() if k.startswith("thank_you"))
    assert "Drafted for you" in thanks.text_of_blocks()
    promise = next(c for k, c in posted.items() if k.startswith("commitment"))
    assert "&lt;draft&gt;" in promise.text_of_blocks()
    with Session(engine) as s:
        sent = {r.key: r for r in s.exec(select(Reminder)).all()}
    for key in posted:
        assert sent[key].state == "sent" and sent[key].slack_ts and sent[key].slack_channel
    before = len(bot.api.of("chat.postMessage"))
    sweep(engine, SlackNotifier(bot.app.client), now=utcnow())
    assert len(bot.api.of("chat.postMessage")) == before


def interrupted(engine: Engine, *keys: str) -> None:
    """As if a sweeper died in mid-send of these keys, longer ago than the lease."""
    with Session(engine) as s:
        for key in keys:
            row = s.exec(select(Reminder).where(Reminder.key == key)).one()
            row.state, row.slack_ts, row.slack_channel = "sending", None, None
            row.updated_at = utcnow() - LEASE - timedelta(minutes=1)
            s.add(row)
        s.commit()


def test_a_send_cut_by_a_crash_is_found_in_the_dm_or_sent_once(
    bot: SlackBot, engine: Engine
) -> None:
    posted = delivered(bot, engine)
    arrived, lost = sorted(k for k in posted if not k.startswith("digest:"))[:2]
    interrupted(engine, arrived, lost)
    bot.api.forget(posted[lost])  # this one never reached Slack
    before = len(bot.api.of("chat.postMessage"))
    report = sweep(engine, SlackNotifier(bot.app.client), now=utcnow())
    assert sorted(report.delivered) == [arrived, lost] and not report.failed
    sent = bot.api.of("chat.postMessage")[before:]
    assert [key_of(c) for c in sent] == [lost]
    with Session(engine) as s:
        rows_by_key = {r.key: r for r in s.exec(select(Reminder)).all()}
    assert rows_by_key[arrived].state == "sent"
    assert rows_by_key[arrived].slack_ts == bot.api.ts_of(posted[arrived])
    assert rows_by_key[lost].state == "sent"
    assert rows_by_key[lost].slack_ts == bot.api.ts_of(sent[0])


def cut_and_lost(bot: SlackBot, engine: Engine) -> str:
    """A reminder whose send a crash cut before it reached Slack; its key."""
    posted = delivered(bot, engine)
    key = sorted(k for k in posted if not k.startswith("digest:"))[0]
    interrupted(engine, key)
    bot.api.forget(posted[key])
    return key


def test_a_send_cut_by_a_crash_is_never_resent_when_slack_cannot_be_asked(
    bot: SlackBot, engine: Engine
) -> None:
    key = cut_and_lost(bot, engine)
    bot.api.failing["conversations.history"] = "channel_not_found"
    before = len(bot.api.of("chat.postMessage"))
    report = sweep(engine, SlackNotifier(bot.app.client), now=utcnow())
    assert (
        report.failed == [key]
        and "could not check whether it arrived" in (report.failure_reasons[0])
    )
    assert len(bot.api.of("chat.postMessage")) == before
    with Session(engine) as s:
        row = s.exec(select(Reminder).where(Reminder.key == key)).one()
    assert row.state == "failed" and "channel_not_found" in (row.last_error or "")


def test_a_look_up_the_token_may_not_make_stops_the_sweep_until_the_scope_is_added(
    bot: SlackBot, engine: Engine
) -> None:
    key = cut_and_lost(bot, engine)
    bot.api.failing["conversations.history"] = "missing_scope"
    before = len(bot.api.of("chat.postMessage"))
    report = sweep(engine, build_notifier(bot.settings), now=utcnow())
    assert report.failed == [] and "SLACK_BOT_TOKEN lacks the scope" in (report.stopped or "")
    assert len(bot.api.of("chat.postMessage")) == before
    del bot.api.failing["conversations.history"]  # the scope added, the app reinstalled
    report = sweep(engine, build_notifier(bot.settings), now=utcnow())
    assert report.delivered == [key] and report.stopped is None
    assert [key_of(c) for c in bot.api.of("chat.postMessage")[before:]] == [key]


def test_a_rate_limited_post_is_not_waited_out_inside_the_call(
    bot: SlackBot, engine: Engine
) -> None:
    notifier = build_notifier(bot.settings)
    item = anna_items(engine)[0]
    with Session(engine) as s:
        anna = s.exec(select(User).where(User.email == "anna@example.com")).one()
    bot.api.retry_after = 7
    bot.api.rate_limited["chat.postMessage"] = 1
    with pytest.raises(TransientDeliveryError) as caught:
        notifier.deliver(item, anna)
    assert caught.value.retry_after == 7.0 and len(bot.api.of("chat.postMessage")) == 1
    delivery = notifier.deliver(item, anna)
    assert delivery.ts and delivery.channel == "DANNA"


def test_the_digest_fits_one_message_and_its_menu_updates_it_in_place(
    bot: SlackBot, engine: Engine
) -> None:
    items = anna_items(engine)
    with Session(engine) as s:
        anna = s.exec(select(User).where(User.email == "anna@example.com")).one()
    many = [
        DueItem(
            key=f"check_in_due:{900 + i}:2026-01-01",
            kind="check_in_due",
            account_id=None,
            account_name=f"Account {i}",
            user_id=anna.id,
            due_at=utcnow(),
            priority=1.0,
            severity="yellow",
            title=f"Call Account {i}",
            detail="Due.",
        )
        for i in range(120)
    ]
    notifier = SlackNotifier(bot.app.client)
    notifier.deliver_digest(anna, [*items, *many], date.today())
    digest = bot.api.of("chat.postMessage")[-1]
    blocks = digest.blocks()
    assert len(blocks) <= 50
    valid_blocks(blocks)
    due = len(items) + len(many)
    shown = [b for b in blocks if b["type"] == "section"]
    assert len(shown) == 20  # the most urgent twenty, then what is left out and where it is
    assert blocks[-1]["elements"][0]["text"] == f"…and {due - 20} more: `/kam due`."
    assert blocks[1]["elements"][0]["text"].startswith(f"{due} due")
    notifier.deliver_digest(anna, items, date.today())
    digest = bot.api.of("chat.postMessage")[-1]
    check_in = next(i for i in items if i.kind == "check_in_due")
    status, _ = bot.interact(
        menu_payload(f"done|{check_in.key}", channel="DANNA", ts=bot.api.ts_of(digest))
    )
    assert status == 200
    update = bot.api.wait_for("chat.update")[0]
    assert update.body["ts"] == bot.api.ts_of(digest)
    assert "Done by <@UANNA>" in update.text_of_blocks()
    assert check_in.key not in update.text_of_blocks()
    valid_blocks(update.blocks())


def menu_payload(
    value: str,
    *,
    channel: str,
    ts: str,
    ephemeral: bool = False,
    home: bool = False,
    user: str = "UANNA",
) -> dict[str, Any]:
    container: dict[str, Any] = (
        {"type": "view", "view_id": "VHOME"}
        if home
        else {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral}
    )
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0KAM"},
        "user": {"id": user},
        "api_app_id": "AKAM",
        "trigger_id": f"trigger.menu.{time.time()}",
        "container": container,
        "actions": [
            {
                "type": "overflow",
                "action_id": ids.REMINDER_MENU,
                "block_id": "m",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if home:
        payload["view"] = {"id": "VHOME", "type": "home"}
    else:
        payload["channel"] = {"id": channel}
        payload["message"] = {"ts": ts, "blocks": []}
    return payload


# --- buttons on a reminder --------------------------------------------------------------


def test_done_updates_the_message_in_place_and_a_double_click_logs_once(
    bot: SlackBot, engine: Engine
) -> None:
    posted = delivered(bot, engine)
    key, call = next((k, c) for k, c in posted.items() if k.startswith("check_in"))
    before = len(rows(engine, Interaction))
    value = buttons(call)[ids.REMINDER_DONE]["value"]
    ts = bot.api.ts_of(call)
    threads = [
        threading.Thread(
            target=bot.click,
            args=(ids.REMINDER_DONE, value),
            kwargs={"channel": "DANNA", "message": {"ts": ts, "blocks": []}},
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    updates = bot.api.wait_for("chat.update", 3)
    assert all(u.body["ts"] == ts and u.body["channel"] == "DANNA" for u in updates)
    texts = [u.text_of_blocks() for u in updates]
    assert sum("Done by <@UANNA>" in t for t in texts) == 1
    assert sum("Already done by <@UANNA>, <!date^" in t for t in texts) == 2  # who and when
    for update in updates:
        valid_blocks(update.blocks())
        assert ids.REMINDER_DONE not in buttons(update)
    assert len(rows(engine, Interaction)) == before + 1
    (row,) = [r for r in rows(engine, Reminder) if r.key == key]
    assert row.state == "done"


def test_done_whose_message_cannot_be_redrawn_says_it_is_done(
    bot: SlackBot, engine: Engine
) -> None:
    posted = delivered(bot, engine)
    key, call = next((k, c) for k, c in posted.items() if k.startswith("commitment"))
    bot.api.failing["chat.update"] = "message_not_found"
    n = click_on(bot, call, ids.REMINDER_DONE)
    told = bot.api.wait_for(f"response/{n}")[-1].text_of_blocks()
    assert "Done by <@UANNA>" in told and "could not update the message" in told
    assert "nothing was changed" not in told.lower()
    (row,) = [r for r in rows(engine, Reminder) if r.key == key]
    assert row.state == "done"


def test_snooze_buttons_put_it_off_and_say_until_when(bot: SlackBot, engine: Engine) -> None:
    posted = delivered(bot, engine)
    key, call = next((k, c) for k, c in posted.items() if k.startswith("commitment"))
    click_on(bot, call, ids.REMINDER_SNOOZE + ":3d")
    update = bot.api.wait_for("chat.update")[0]
    assert "Snoozed by <@UANNA> until" in update.text_of_blocks()
    (row,) = [r for r in rows(engine, Reminder) if r.key == key]
    assert row.state == "snoozed"
    assert timedelta(days=2, hours=23) < row.snoozed_until - utcnow() <= timedelta(days=3)


def test_log_check_in_opens_the_modal_and_logs_once_then_updates_the_reminder(
    bot: SlackBot, engine: Engine
) -> None:
    posted = delivered(bot, engine)
    key, call = next((k, c) for k, c in posted.items() if k.startswith("check_in"))
    click_on(bot, call, ids.REMINDER_LOG)
    view = bot.api.wait_for("views.open")[0].view()
    valid_view(view)
    metadata = json.loads(view["private_metadata"])
    assert metadata["reminder_key"] == key
    contact = next(
        o["value"]
        for b in view["blocks"]
        if b.get("block_id") == ids.LOG_CONTACT[0]
        for o in b["element"]["options"]
    )
    values = {
        **{
            ids.LOG_KIND[0]: {
                ids.LOG_KIND[1]: {"type": "static_select", "selected_option": {"value": "call"}}
            }
        },
        **{
            ids.LOG_CONTACT[0]: {
                ids.LOG_CONTACT[1]: {"type": "static_select", "selected_option": {"value": contact}}
            }
        },
        **text_input(*ids.LOG_SUMMARY, "Talked renewal"),
        **{
            ids.LOG_SENTIMENT[0]: {
                ids.LOG_SENTIMENT[1]: {
                    "type": "radio_buttons",
                    "selected_option": {"value": "neutral"},
                }
            }
        },
    }
    before = len(rows(engine, Interaction))
    answer, shown = bot.submit_form(view, values, view_id="VLOG1")
    assert answer["response_action"] == "update"  # acked at once, saving
    assert shown["title"]["text"] == "Logged"
    update = bot.api.wait_for("chat.update")[0]
    assert "Logged call with Acme Corp" in update.text_of_blocks()
    valid_blocks(update.blocks())
    # Slack retrying the submission, and a double click on its button: still one
    bot.submit_form(view, values, view_id="VLOG1", headers={"X-Slack-Retry-Num": "1"})
    bot.submit_form(view, values, view_id="VLOG1")
    logged = rows(engine, Interaction)
    assert len(logged) == before + 1
    assert logged[-1].summary == "Talked renewal" and logged[-1].contact_id == int(contact)
    assert key not in {i.key for i in anna_items(engine)}


def test_two_check_ins_logged_from_one_reminder_are_two_interactions(
    bot: SlackBot, engine: Engine
) -> None:
    posted = delivered(bot, engine)
    key, call = next((k, c) for k, c in posted.items() if k.startswith("commitment"))
    before = len(rows(engine, Interaction))
    for n, summary in enumerate(["Called about the promise", "Called again: sent today"]):
        click_on(bot, call, ids.REMINDER_LOG)
        view = bot.api.wait_for("views.open", n + 1)[n].view()
        assert json.loads(view["private_metadata"])["reminder_key"] == key
        _, shown = bot.submit_form(
            view, text_input(*ids.LOG_SUMMARY, summary), view_id=f"VPROMISE{n}"
        )
        assert shown["title"]["text"] == "Logged"
    assert key in {i.key for i in anna_items(engine)}  # the promise is still due
    logged = rows(engine, Interaction)[before:]
    assert [i.summary for i in logged] == ["Called about the promise", "Called again: sent today"]


def test_open_account_shows_the_card_in_a_modal(bot: SlackBot, engine: Engine) -> None:
    posted = delivered(bot, engine)
    _, call = next((k, c) for k, c in posted.items() if k.startswith("check_in"))
    click_on(bot, call, ids.REMINDER_OPEN)
    view = bot.api.wait_for("views.open")[0].view()
    valid_view(view)
    assert "Acme Corp" in json.dumps(view)


def test_someone_elses_reminder_cannot_be_marked_done(bot: SlackBot, engine: Engine) -> None:
    with Session(engine) as s:
        factories.user(s, "zed@example.com", slack_user_id="UZED")
        s.commit()
    posted = delivered(bot, engine)
    key, call = next((k, c) for k, c in posted.items() if k.startswith("check_in"))
    n = click_on(bot, call, ids.REMINDER_DONE, user="UZED")
    reply = bot.api.wait_for(f"response/{n}")[0]
    assert "someone else" in reply.text_of_blocks()
    assert [r.state for r in rows(engine, Reminder) if r.key == key] == ["sent"]


def test_a_home_tab_action_that_cannot_be_taken_is_explained_in_a_dm(
    bot: SlackBot, engine: Engine
) -> None:
    with Session(engine) as s:
        factories.user(s, "zed@example.com", slack_user_id="UZED")
        s.commit()
    check_in = next(i for i in anna_items(engine) if i.kind == "check_in_due")
    payload = menu_payload(f"done|{check_in.key}", channel="", ts="", home=True, user="UZED")
    assert "response_url" not in payload  # App Home clicks carry none
    assert bot.interact(payload)[0] == 200
    (told,) = bot.api.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "UZED")
    valid_blocks(told.blocks())
    assert "someone else" in told.text_of_blocks() and "Sorry" not in told.text_of_blocks()
    assert check_in.key in {i.key for i in anna_items(engine)}


# --- commands that read the engine and the scores ------------------------------------------


def test_due_lists_what_is_due_with_a_menu_per_item(bot: SlackBot) -> None:
    reply = bot.command("due")
    valid_blocks(reply.blocks())
    text = reply.text_of_blocks()
    assert "Due for you" in text and "Acme Corp" in text
    assert ids.REMINDER_MENU in text
    # each item says why it stands where it does, in italics under its title
    assert re.search(r"\\n_(Urgent|Red|Soon|Routine): [^_]+_\\n", text)
    assert "for managers" in bot.command("due team").text_of_blocks()
    team = bot.command("due team", user="UMARK")
    assert "Due for your team" in team.text_of_blocks()


def test_menu_in_an_ephemeral_due_list_redraws_the_list(bot: SlackBot, engine: Engine) -> None:
    items = anna_items(engine)
    target = next(i for i in items if i.kind == "commitment_due")
    payload = menu_payload(f"1d|{target.key}", channel="C0SALES", ts="1.1", ephemeral=True)
    payload["response_url"] = bot.api.response_url(777)
    assert bot.interact(payload)[0] == 200
    redrawn = bot.api.wait_for("response/777")[0]
    assert redrawn.body["replace_original"] is True
    assert "Snoozed" in redrawn.text_of_blocks()
    assert target.key not in redrawn.text_of_blocks()


def test_snooze_command_puts_off_an_accounts_reminders(bot: SlackBot, engine: Engine) -> None:
    reply = bot.command('snooze Acme Corp "next monday 9am"')
    assert "Snoozed" in reply.text_of_blocks()
    assert not [i for i in anna_items(engine) if i.account_name == "Acme Corp"]
    assert "Nothing is due" in bot.command("snooze Acme Corp tomorrow").text_of_blocks()


def test_thanks_without_text_shows_the_draft_with_buttons(bot: SlackBot) -> None:
    reply = bot.command("thanks Kan-code")
    valid_blocks(reply.blocks())
    assert "Drafted for you" in reply.text_of_blocks()
    assert ids.REMINDER_LOG in reply.text_of_blocks()


def test_score_and_portfolio_and_sharing_it(bot: SlackBot) -> None:
    one = bot.command("score acme")
    valid_blocks(one.blocks())
    assert "Scores: Acme Corp" in one.text_of_blocks()
    mine = bot.command("score")
    assert "Acme Corp" in mine.text_of_blocks() and "Kan-code" in mine.text_of_blocks()
    figures = bot.command("portfolio")
    valid_blocks(figures.blocks())
    assert "CR1" in figures.text_of_blocks()
    forecast = figures.text_of_blocks().split("Forecast, next 12 months: ")[1]
    assert "complete month" in forecast or "so far)" in forecast  # how many months it stands on
    _, n = bot.click(ids.SHARE_PORTFOLIO, "")
    shared = bot.api.wait_for(f"response/{n}")[0]
    assert shared.body["response_type"] == "in_channel"
    valid_blocks(shared.blocks())


def texts_in(blocks: Any) -> list[str]:
    """Every text a person reads in some Block Kit (not the JSON around it)."""
    if isinstance(blocks, list):
        return [t for b in blocks for t in texts_in(b)]
    if isinstance(blocks, dict):
        own = [blocks["text"]] if isinstance(blocks.get("text"), str) else []
        return own + [t for v in blocks.values() for t in texts_in(v)]
    return []


def test_score_of_one_account_reads_as_sentences_never_as_python(
    bot: SlackBot, engine: Engine, portfolio: dict[str, Any]
) -> None:
    with Session(engine) as s:  # the last run's health points, so the trend names what moved
        s.add(
            ScoreSnapshot(
                account_id=portfolio["acme"].id,
                at=utcnow() - timedelta(hours=12),
                attractiveness=80.0,
                relationship=60.0,
                health=45.0,
                tier=Tier.KEY,
                quadrant=Quadrant.STRATEGIC,
                breakdown={"health": {"recency": 0.0, "overdue_commitments": 20.0}},
            )
        )
        s.commit()
    reply = bot.command("score acme")
    valid_blocks(reply.blocks())
    text = "\n".join(texts_in(reply.blocks()))
    assert "{'" not in text and "': " not in text and "[{" not in text  # no repr of a dict
    assert "*Attractiveness" in text and "*Relationship" in text and "*Health" in text
    assert "• Revenue from us, 12 months: " in text and " of 25 points" in text
    since = (utcnow() - timedelta(hours=12)).date().isoformat()
    assert f" since {since}: " in text and "recency +" in text
    assert "overdue commitments -" in text  # the promise is overdue: its points fell
    assert "key (set by hand: big; its scores earn" in text
    assert "check in every 30 days" in text and "*Share of wallet* unknown" in text


# --- App Home ----------------------------------------------------------------------------


def event_body(event: dict[str, Any]) -> str:
    return json.dumps(
        {
            "token": "unused",
            "team_id": "T0KAM",
            "api_app_id": "AKAM",
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "event": event,
        }
    )


def test_home_tab_shows_due_key_accounts_overdue_promises_and_untold_notices(
    bot: SlackBot,
) -> None:
    body = event_body(
        {
            "type": "app_home_opened",
            "user": "UANNA",
            "channel": "DANNA",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
    )
    assert bot.post(body, content_type="application/json")[0] == 200
    published = bot.api.wait_for("views.publish")[0]
    assert published.body["user_id"] == "UANNA"
    view = published.view()
    valid_view(view)
    text = json.dumps(view)
    assert "Due now" in text and ids.REMINDER_MENU in text
    assert ":red_circle: *Acme Corp*" in text and "health 40 (-30) :arrow_lower_right:" in text
    assert "Send the SLA &lt;draft&gt;" in text
    assert "Prices rise 4%" in text
    # Slack retrying the event draws the same tab again, nothing else
    assert (
        bot.post(body, content_type="application/json", headers={"X-Slack-Retry-Num": "1"})[0]
        == 200
    )
    again = bot.api.wait_for("views.publish", 2)[1]
    assert again.body["user_id"] == "UANNA"
    assert [c.method for c in bot.api.calls if c.method != "auth.test"] == ["views.publish"] * 2


def test_home_tab_pages_a_long_due_list_within_100_blocks(
    bot: SlackBot, engine: Engine, portfolio: dict[str, Any]
) -> None:
    with Session(engine) as s:
        for i in range(60):
            acct = factories.account(s, f"Client {i:02d}", owner_id=portfolio["anna"].id)
            promise = CommitmentCreate(
                what=f"Promise {i}",
                due_on=date.today() - timedelta(days=1),
                owner_id=portfolio["anna"].id,
            )
            add_commitment(acct, promise, session=s, actor=SYSTEM)
        s.commit()
    body = event_body(
        {
            "type": "app_home_opened",
            "user": "UANNA",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
    )
    bot.post(body, content_type="application/json")
    view = bot.api.wait_for("views.publish")[0].view()
    valid_view(view)
    assert len(view["blocks"]) <= 100
    next_button = next(
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(ids.HOME_PAGE)
    )
    status, _ = bot.click(
        next_button["action_id"],
        next_button["value"],
        container={"type": "view", "view_id": "VHOME"},
    )
    assert status == 200
    second = bot.api.wait_for("views.publish", 2)[1].view()
    valid_view(second)
    assert "Page 2 of" in json.dumps(second)


def test_unknown_user_opening_home_sees_how_to_be_linked(bot: SlackBot) -> None:
    bot.post(
        event_body(
            {"type": "app_home_opened", "user": "USTRANGER", "tab": "home", "event_ts": "1.1"}
        ),
        content_type="application/json",
    )
    view = bot.api.wait_for("views.publish")[0].view()
    valid_view(view)
    assert "kam users link YOUR_EMAIL USTRANGER" in json.dumps(view)


# --- weekly team summary --------------------------------------------------------------------


def test_weekly_team_summary_posts_concentration_slipping_accounts_and_promises_kept(
    bot: SlackBot, engine: Engine
) -> None:
    with Session(engine) as s:
        promise = s.exec(select(Commitment)).first()
        assert promise is not None
        complete_commitment(promise, session=s, actor=SYSTEM)
        s.commit()
    ts = post_team_summary(engine, bot.app.client, "C0TEAM", now=utcnow())
    assert ts
    (call,) = bot.api.of("chat.postMessage")
    assert call.body["channel"] == "C0TEAM"
    valid_blocks(call.blocks())
    text = call.text_of_blocks()
    assert "Concentration" in text and "CR1" in text
    assert "*Acme Corp* health 40 (was 70)" in text
    assert "*Promises kept* 1 this week, 0 on time" in text
