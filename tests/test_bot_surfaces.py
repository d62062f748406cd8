"""Every action works where it can be clicked: a reminder DM, an ephemeral list, the App
Home tab (whose clicks carry no response_url); and a reminder drawn again after a
click still shows what it showed before (the notes and the draft)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine

from kambot import ids
from kambot.summary import Target, run_team_summary
from tests.slack_harness import SlackBot, select, text_input, valid_blocks, valid_view
from tests.test_bot_reminders import (  # noqa: F401 - the fixtures are used by name
    anna_items,
    bot,
    buttons,
    click_on,
    delivered,
    menu_payload,
    portfolio,
)


def _reminder(posted: dict[str, Any], kind: str) -> tuple[str, Any]:
    return next((k, c) for k, c in posted.items() if k.startswith(kind))


def test_done_and_snooze_redraw_the_reminder_with_its_notes(
    bot: SlackBot,  # noqa: F811
    engine: Engine,
) -> None:
    posted = delivered(bot, engine)
    _, check_in = _reminder(posted, "check_in")
    _, promise = _reminder(posted, "commitment")
    assert "Worth knowing" in check_in.text_of_blocks()
    assert "from Porto" in promise.text_of_blocks()
    click_on(bot, check_in, ids.REMINDER_DONE)
    click_on(bot, promise, ids.REMINDER_SNOOZE + ":1d")
    updates = {u.body["ts"]: u for u in bot.api.wait_for("chat.update", 2)}
    done, snoozed = updates[bot.api.ts_of(check_in)], updates[bot.api.ts_of(promise)]
    assert "Done by <@UANNA>" in done.text_of_blocks()
    assert "Snoozed by <@UANNA>" in snoozed.text_of_blocks()
    for update in (done, snoozed):
        valid_blocks(update.blocks())
        assert "Worth knowing" in update.text_of_blocks()
        assert "from Porto" in update.text_of_blocks()


def test_log_thank_you_from_a_dm_opens_the_form_filled_with_the_draft_and_keeps_it(
    bot: SlackBot,  # noqa: F811
    engine: Engine,
) -> None:
    posted = delivered(bot, engine)
    key, thanks = _reminder(posted, "thank_you")
    assert "Drafted for you" in thanks.text_of_blocks()
    click_on(bot, thanks, ids.REMINDER_LOG)
    view = bot.api.wait_for("views.open")[0].view()
    valid_view(view)
    (summary,) = [b for b in view["blocks"] if b.get("block_id") == ids.LOG_SUMMARY[0]]
    draft = summary["element"].get("initial_value") or ""
    assert "Kan-code" in draft and len(draft) > 40, draft
    (kind,) = [b for b in view["blocks"] if b.get("block_id") == ids.LOG_KIND[0]]
    assert kind["element"]["initial_option"]["value"] == "thank_you"
    values = {**text_input(*ids.LOG_SUMMARY, draft), **select(*ids.LOG_KIND, "thank_you")}
    _, shown = bot.submit_form(view, values, view_id="VTHANKS")
    assert shown["title"]["text"] == "Logged"
    update = bot.api.wait_for("chat.update")[0]
    assert update.body["ts"] == bot.api.ts_of(thanks)
    assert "Drafted for you" in update.text_of_blocks()
    assert ":memo: Logged" in update.text_of_blocks()
    assert key not in {i.key for i in anna_items(engine)}


def test_log_check_in_redraw_keeps_the_notes(bot: SlackBot, engine: Engine) -> None:  # noqa: F811
    posted = delivered(bot, engine)
    _, check_in = _reminder(posted, "check_in")
    click_on(bot, check_in, ids.REMINDER_LOG)
    view = bot.api.wait_for("views.open")[0].view()
    bot.submit_form(view, text_input(*ids.LOG_SUMMARY, "Called about renewal"), view_id="VL")
    update = bot.api.wait_for("chat.update")[0]
    assert "Logged call with Acme Corp" in update.text_of_blocks()
    assert "Worth knowing" in update.text_of_blocks()


def _home_click(bot: SlackBot, value: str) -> None:  # noqa: F811
    payload = menu_payload(value, channel="", ts="", home=True)
    assert "response_url" not in payload  # App Home clicks carry none
    assert bot.interact(payload)[0] == 200


def test_home_tab_actions_work_without_a_response_url(
    bot: SlackBot,  # noqa: F811
    engine: Engine,
) -> None:
    items = anna_items(engine)
    check_in = next(i for i in items if i.kind == "check_in_due")
    # log: the form opens, for a key that was never swept too
    _home_click(bot, f"log|{check_in.key}")
    view = bot.api.wait_for("views.open")[0].view()
    assert json.loads(view["private_metadata"])["surface"] == "home"
    # done: the Home tab is drawn again, without the item
    _home_click(bot, f"done|{check_in.key}")
    (home,) = bot.api.wait_for("views.publish")
    assert home.body["user_id"] == "UANNA"
    assert check_in.key not in home.text_of_blocks()
    # a stale item: told in a DM what happened, never an apology
    _home_click(bot, "log|check_in_due:999999:2020-01-01")
    (told,) = bot.api.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "UANNA")
    assert "no longer due" in told.text_of_blocks()
    assert "Sorry" not in told.text_of_blocks()


def test_a_page_button_without_a_response_url_answers_in_a_dm(
    bot: SlackBot,  # noqa: F811
) -> None:
    payload = menu_payload("x", channel="", ts="", home=True)
    payload["actions"] = [{"type": "button", "action_id": f"{ids.DUE_PAGE}:next", "value": "1|"}]
    assert bot.interact(payload)[0] == 200
    (told,) = bot.api.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "UANNA")
    valid_blocks(json.loads(told.body["blocks"]) if isinstance(told.body["blocks"], str) else [])
    assert "Due for you" in told.text_of_blocks() and "Sorry" not in told.text_of_blocks()


def test_a_summary_channel_kam_cannot_post_in_is_logged_with_the_fix(
    bot: SlackBot,  # noqa: F811
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = Target(engine=engine, client=bot.app.client, channel="G0PRIVATE", timezone="UTC")
    assert run_team_summary(target)  # a public channel: posted, nobody invited kam
    bot.api.failing["chat.postMessage"] = "not_in_channel"
    assert run_team_summary(target) is None
    assert "/invite @kam" in caplog.text and "G0PRIVATE" in caplog.text
