"""The forms and buttons behind requests, goals and account plans, as signed requests.

Each form is opened the way a person would (the subcommand with the account alone, a
button on the plan or the card), validated by slack_sdk.models, and submitted: a
refusal is core's sentence under the input it concerns and writes nothing; a form sent
twice is one record, also when the second reaches another kam app on the same database
(after a restart, or a second bot process).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from core.db import open_database
from core.models import Account, CustomerRequest, Goal, PlanAction, PlanObjective, PlanRisk
from core.services.users import get_user_by_slack_id
from core.views.plan import AccountPlan, ActionLine, RiskLine
from kambot import ids, record_forms
from kambot import plan_blocks as pb
from tests.slack_harness import Call, SlackBot, text_input, valid_blocks, valid_view
from tests.slack_harness import select as choose
from tests.test_bot import bot, counts, problems, reply_text, rows, team
from tests.test_bot_plans import AHEAD, key_acme
from tests.test_import import dump

__all__ = ["bot", "key_acme", "team"]  # the fixtures this module borrows


def _recorded(shown: dict[str, Any]) -> str:
    valid_view(shown)
    assert shown["title"]["text"] == "Recorded", shown
    return json.dumps(shown["blocks"])


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Every button and menu of a message: action id → its value (a menu: its options')."""
    found: dict[str, str] = {}
    for block in blocks:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if "action_id" in element:
                options = [o["value"] for o in element.get("options") or []]
                found[element["action_id"]] = element.get("value") or "|".join(options)
    return found


@contextmanager
def restarted(bot: SlackBot, engine: Engine) -> Iterator[SlackBot]:
    """A second kam app on the same database and the same Slack, with an engine of its own:
    what ``bot`` remembers in memory it does not (kam after a restart, or a second bot
    process behind a load balancer)."""
    own = open_database(engine.url.render_as_string(hide_password=False))
    second = SlackBot(own, bot.api)
    try:
        yield second
    finally:
        second.close()
        own.dispose()


def _sent_again(
    bot: SlackBot, engine: Engine, form: dict[str, Any], values: Any, view_id: str
) -> str:
    """Send a form already saved to a second app: what it shows (the record already saved),
    once it is known to have written nothing."""
    before = counts(engine)
    with restarted(bot, engine) as second:
        _, shown = second.submit_form(form, values, view_id=view_id)
    assert counts(engine) == before, view_id
    return _recorded(shown)


def _opened_by_click(bot: SlackBot, action_id: str, value: str, *, user: str = "UANNA") -> Call:
    before = len(bot.api.of("views.open"))
    status, _ = bot.click(action_id, value, user=user)
    assert status == 200
    return bot.api.wait_for("views.open", before + 1)[-1]


def _form(bot: SlackBot, command: str, callback_id: str) -> tuple[Call, dict[str, Any]]:
    """The form ``/kam command`` opens, checked by slack_sdk.models."""
    opened = bot.command_opening_modal(command)
    view = opened.view()
    valid_view(view)
    assert view["callback_id"] == callback_id
    return opened, view


def test_a_request_is_logged_from_its_form_once_and_a_refusal_writes_nothing(
    bot: SlackBot, engine: Engine
) -> None:
    opened, view = _form(bot, "request Acme Corp", ids.REQUEST_MODAL)
    values = {
        **text_input(*ids.REQUEST_WHAT, "   "),
        **text_input(*ids.REQUEST_ALTERNATIVES, "offered <!here> teal"),
        **choose(*ids.REQUEST_OUTCOME, "alternative"),
    }
    before = dump(str(engine.url))
    _, shown = bot.submit_form(view, values, view_id="V0REQ")
    valid_view(shown)
    assert "The request is empty" in problems(shown)[ids.REQUEST_WHAT[0]]
    assert dump(str(engine.url)) == before
    values.update(text_input(*ids.REQUEST_WHAT, "a blue model"))
    _, shown = bot.submit_form(shown, values, view_id="V0REQ")
    assert "Request from Acme Corp logged: a blue model (alternative)" in _recorded(shown)
    n = opened.body["trigger_id"].split(".")[1]
    assert "a blue model" in reply_text(bot.api.wait_for(f"response/{n}")[0])
    bot.submit_form(view, values, view_id="V0REQ")  # sent again: still one
    [asked] = rows(engine, CustomerRequest)
    assert (asked.what, asked.alternatives, asked.outcome) == (
        "a blue model",
        "offered <!here> teal",
        "alternative",
    )
    assert asked.idempotency_key == "slack:view:V0REQ"


def test_someone_elses_account_is_refused_in_core_words_by_command_and_by_form(
    bot: SlackBot, engine: Engine, team: dict[str, Any]
) -> None:
    assert "only your own accounts" in reply_text(bot.command("request Konex"))
    konex = next(a for a in rows(engine, Account) if a.name == "Konex")
    form = record_forms.request_modal((konex.id, konex.name), None).to_dict()
    values = {
        **text_input(*ids.REQUEST_WHAT, "a blue model"),
        **choose(*ids.REQUEST_OUTCOME, "open"),
    }
    before = dump(str(engine.url))
    _, shown = bot.submit_form(form, values, view_id="V0KONEX")
    assert "only your own accounts" in problems(shown)[ids.REQUEST_WHAT[0]]
    assert dump(str(engine.url)) == before


def test_the_plan_is_written_from_its_forms(bot: SlackBot, engine: Engine, key_acme: None) -> None:
    assert "Kan-code is standard" in reply_text(bot.command("objective Kan-code"))
    plan = bot.command("plan Acme Corp")
    buttons = _buttons(plan.blocks())
    assert buttons[f"{ids.RUN}:objective"] == 'objective "Acme Corp"'
    # an objective: the target and the day are core's to refuse, under their inputs
    view = _opened_by_click(bot, f"{ids.RUN}:objective", buttons[f"{ids.RUN}:objective"]).view()
    valid_view(view)
    assert view["callback_id"] == ids.OBJECTIVE_MODAL
    values = {
        **choose(*ids.OBJECTIVE_METRIC, "csat"),
        **text_input(*ids.OBJECTIVE_TARGET, "nan"),
        **text_input(*ids.OBJECTIVE_DUE, "2001-01-01"),
    }
    _, shown = bot.submit_form(view, values, view_id="V0OBJ")
    assert "A target is a finite number" in problems(shown)[ids.OBJECTIVE_TARGET[0]]
    values.update(text_input(*ids.OBJECTIVE_TARGET, "4.5"))
    _, shown = bot.submit_form(shown, values, view_id="V0OBJ")
    assert "has passed; give today or later" in problems(shown)[ids.OBJECTIVE_DUE[0]]
    assert rows(engine, PlanObjective) == []
    values.update(text_input(*ids.OBJECTIVE_DUE, AHEAD))
    _, shown = bot.submit_form(shown, values, view_id="V0OBJ")
    assert "Objective for Acme Corp: csat 4.5" in _recorded(shown)
    before = counts(engine)
    bot.submit_form(view, values, view_id="V0OBJ")  # a double click on Save: still one
    assert counts(engine) == before
    # Slack's retry reaching kam after a restart: the same objective, nothing written
    assert "Objective for Acme Corp: csat 4.5" in _sent_again(bot, engine, view, values, "V0OBJ")
    [objective] = rows(engine, PlanObjective)
    assert (objective.metric, objective.target) == ("csat", 4.5)
    assert objective.idempotency_key == "slack:view:V0OBJ"

    # an action: its owner is the person by default, any kam user by choice
    _, view = _form(bot, "action Acme Corp", ids.ACTION_MODAL)
    owner = next(b for b in view["blocks"] if b.get("block_id") == ids.ACTION_OWNER[0])
    assert owner["element"]["initial_user"] == "UANNA"
    values = {
        **text_input(*ids.ACTION_WHAT, "meet the new CFO"),
        **{ids.ACTION_OWNER[0]: {ids.ACTION_OWNER[1]: {"type": "users_select",
                                                       "selected_user": "UNOBODY"}}},
        **text_input(*ids.ACTION_DUE, "next friday"),
    }  # fmt: skip
    _, shown = bot.submit_form(view, values, view_id="V0ACT")
    assert "kam does not know that person" in problems(shown)[ids.ACTION_OWNER[0]]
    assert rows(engine, PlanAction) == []
    values[ids.ACTION_OWNER[0]][ids.ACTION_OWNER[1]]["selected_user"] = "UMARK"
    _, shown = bot.submit_form(shown, values, view_id="V0ACT")
    assert "Action for Acme Corp: meet the new CFO" in _recorded(shown)
    assert "meet the new CFO" in _sent_again(bot, engine, view, values, "V0ACT")
    [action] = rows(engine, PlanAction)
    assert action.due_on.weekday() == 4
    with Session(engine) as s:
        mark = get_user_by_slack_id("UMARK", session=s)
        assert mark is not None and action.owner_id == mark.id

    # a risk
    _, view = _form(bot, "risk Acme Corp", ids.RISK_MODAL)
    values = {
        **text_input(*ids.RISK_WHAT, "a rival's bid"),
        **text_input(*ids.RISK_MITIGATION, "three-year terms"),
    }
    _, shown = bot.submit_form(view, values, view_id="V0RISK")
    assert "Risk for Acme Corp noted" in _recorded(shown)
    assert "Risk for Acme Corp noted" in _sent_again(bot, engine, view, values, "V0RISK")
    assert [(r.what, r.mitigation) for r in rows(engine, PlanRisk)] == [
        ("a rival's bid", "three-year terms")
    ]


def test_an_action_is_marked_done_from_the_plan_by_its_owner_only(
    bot: SlackBot, engine: Engine, key_acme: None
) -> None:
    bot.command("action Acme Corp: call <!channel> back by next friday")
    [action] = rows(engine, PlanAction)
    plan = bot.command("plan Acme Corp")
    done_id = f"{ids.RUN}:done:{action.id}"
    command = _buttons(plan.blocks())[done_id]
    assert command == f'plan done "Acme Corp" {action.id}'
    # Bob may not change Anna's account: core's sentence, nothing done
    status, n = bot.click(done_id, command, user="UBOB")
    assert status == 200
    assert "only your own accounts" in reply_text(bot.api.wait_for(f"response/{n}")[0])
    assert rows(engine, PlanAction)[0].done_at is None
    status, n = bot.click(done_id, command)
    redrawn = bot.api.wait_for(f"response/{n}")[0]
    assert redrawn.body["replace_original"] is True
    said = reply_text(redrawn)
    assert "Done: call &lt;!channel&gt; back (Acme Corp)" in said
    assert done_id not in _buttons(redrawn.blocks())  # done: no button any more
    assert rows(engine, PlanAction)[0].done_at is not None
    assert "has no action 999" in reply_text(bot.command("plan done Acme Corp 999"))
    assert "plan done ACCOUNT ID" in reply_text(bot.command("plan done Acme Corp"))
    # taken out of the plan, as `kam plan remove` does
    assert "only your own accounts" in reply_text(
        bot.command(f"plan remove Acme Corp action {action.id}", user="UBOB")
    )
    assert "not 'step'" in reply_text(bot.command(f"plan remove Acme Corp step {action.id}"))
    said = reply_text(bot.command(f"plan remove Acme Corp action {action.id}"))
    assert f"Removed action {action.id} from Acme Corp's plan." in said
    assert rows(engine, PlanAction) == []


def test_a_requests_outcome_is_set_from_its_menu_or_by_id(bot: SlackBot, engine: Engine) -> None:
    bot.command("request Acme Corp: a blue model")
    [asked] = rows(engine, CustomerRequest)
    listed = bot.command("request list Acme Corp")
    menu = f"{ids.RUN}:outcome:{asked.id}"
    assert f"request outcome {asked.id} lost" in _buttons(listed.blocks())[menu].split("|")
    _, n = bot.click(menu, f"request outcome {asked.id} lost", menu=True)
    redrawn = bot.api.wait_for(f"response/{n}")[0]
    assert f"Request {asked.id} from Acme Corp (a blue model) is now lost." in reply_text(redrawn)
    assert rows(engine, CustomerRequest)[0].outcome == "lost"
    said = reply_text(
        bot.command(f'request outcome {asked.id} alternative --alternatives "offered teal"')
    )
    assert "is now alternative" in said
    assert (rows(engine, CustomerRequest)[0].alternatives or "") == "offered teal"
    bot.command("help", user="UBOB")  # Bob is linked to kam by his e-mail first
    before = counts(engine)
    assert "Unknown outcome 'maybe'" in reply_text(bot.command(f"request outcome {asked.id} maybe"))
    assert "There is no request 999" in reply_text(bot.command("request outcome 999 lost"))
    assert "only your own accounts" in reply_text(
        bot.command(f"request outcome {asked.id} open", user="UBOB")
    )
    assert counts(engine) == before and rows(engine, CustomerRequest)[0].outcome == "alternative"


def test_a_goal_is_set_and_changed_from_its_form(bot: SlackBot, engine: Engine) -> None:
    listed = bot.command("goal")
    assert _buttons(listed.blocks())[f"{ids.RUN}:goal-add"] == "goal add"
    view = _opened_by_click(bot, f"{ids.RUN}:goal-add", "goal add").view()
    valid_view(view)
    assert view["callback_id"] == ids.GOAL_MODAL
    values = {
        **choose(*ids.GOAL_METRIC, "csat"),
        **text_input(*ids.GOAL_TARGET, "4.5"),
        **choose(*ids.GOAL_SCOPE, "team"),
        **text_input(*ids.GOAL_OF, None),
        **text_input(*ids.GOAL_PERIOD, "2026"),
    }
    _, shown = bot.submit_form(view, values, view_id="V0GOAL")
    assert "Only managers and admins set team goals" in problems(shown)[ids.GOAL_OF[0]]
    values.update({**choose(*ids.GOAL_SCOPE, "account"), **text_input(*ids.GOAL_OF, "acme")})
    _, shown = bot.submit_form(shown, values, view_id="V0GOAL")
    assert "Goal set: csat 4.5 for account Acme Corp, 2026." in _recorded(shown)
    before = counts(engine)
    bot.submit_form(view, values, view_id="V0GOAL")  # sent again: still one
    assert counts(engine) == before
    again = _sent_again(bot, engine, view, values, "V0GOAL")
    assert "Goal set: csat 4.5 for account Acme Corp, 2026." in again
    [goal] = rows(engine, Goal)
    assert goal.idempotency_key == "slack:view:V0GOAL"

    said = reply_text(bot.command(f"goal edit {goal.id} --target 4.6"))
    assert f"Goal {goal.id} is now csat 4.6 for account Acme Corp, 2026." in said
    # no options: the form, filled in with the goal as it stands
    _, view = _form(bot, f"goal edit {goal.id}", ids.GOAL_MODAL)
    filled = {b["block_id"]: b["element"] for b in view["blocks"] if "element" in b}
    assert filled[ids.GOAL_TARGET[0]]["initial_value"] == "4.6"
    assert filled[ids.GOAL_OF[0]]["initial_value"] == "Acme Corp"
    assert filled[ids.GOAL_SCOPE[0]]["initial_option"]["value"] == "account"
    values = {
        **choose(*ids.GOAL_METRIC, "nps"),
        **text_input(*ids.GOAL_TARGET, "30"),
        **choose(*ids.GOAL_SCOPE, "account"),
        **text_input(*ids.GOAL_OF, "Acme Corp"),
        **text_input(*ids.GOAL_PERIOD, "someday"),
    }
    _, shown = bot.submit_form(view, values, view_id="V0EDIT")
    assert "cannot read the period 'someday'" in problems(shown)[ids.GOAL_OF[0]]
    assert rows(engine, Goal)[0].target == 4.6
    values.update(text_input(*ids.GOAL_PERIOD, "2027"))
    _, shown = bot.submit_form(shown, values, view_id="V0EDIT")
    assert f"Goal {goal.id} is now nps 30 for account Acme Corp, 2027." in _recorded(shown)
    # the same change sent again, to a second app: the goal says so, no second audit event
    again = _sent_again(bot, engine, view, values, "V0EDIT")
    assert f"Goal {goal.id} is now nps 30 for account Acme Corp, 2027." in again
    [goal] = rows(engine, Goal)
    assert (goal.metric, goal.target, goal.period) == ("nps", 30, "2027")
    bot.command("help", user="UBOB")  # Bob is linked to kam by his e-mail first
    before = counts(engine)
    assert "only your own accounts" in reply_text(
        bot.command(f"goal edit {goal.id} --target 10", user="UBOB")
    )
    assert "goal edit ID" in reply_text(bot.command("goal edit csat"))
    assert counts(engine) == before
    said = reply_text(bot.command("goal add contact coverage 3 --scope account --of acme"))
    assert "Goal set: contact_coverage 3 for account Acme Corp, 12m." in said
    assert "only your own accounts" in reply_text(
        bot.command(f"goal remove {goal.id}", user="UBOB")
    )
    said = reply_text(bot.command(f"goal remove {goal.id}"))
    assert f"Removed goal {goal.id}: nps 30 for account Acme Corp, 2027." in said
    assert [g.metric for g in rows(engine, Goal)] == ["contact_coverage"]


def test_the_card_offers_a_request_form_and_for_a_key_account_its_plan(
    bot: SlackBot, key_acme: None
) -> None:
    card = _buttons(bot.command("show Acme Corp").blocks())
    assert card[f"{ids.RUN}:request"] == 'request "Acme Corp"'
    assert card[f"{ids.RUN_BESIDE}:plan"] == 'plan "Acme Corp"'
    assert f"{ids.RUN_BESIDE}:plan" not in _buttons(bot.command("show Kan-code").blocks())
    view = _opened_by_click(bot, f"{ids.RUN}:request", card[f"{ids.RUN}:request"]).view()
    assert view["callback_id"] == ids.REQUEST_MODAL and "Acme Corp" in json.dumps(view)
    _, n = bot.click(f"{ids.RUN_BESIDE}:plan", card[f"{ids.RUN_BESIDE}:plan"])
    shown = bot.api.wait_for(f"response/{n}")[0]
    assert shown.body["replace_original"] is False  # the card stays
    assert "Account plan: Acme Corp" in reply_text(shown)


def test_a_long_plan_keeps_its_risks_and_scorecard_in_one_message() -> None:
    day = date(2027, 1, 1)
    plan = AccountPlan(
        account='Big "Co"',
        tier="key",
        objectives=[],
        actions=[
            ActionLine(id=n, what=f"step {n}", owner=None, due_on=day, done_at=None, overdue=False)
            for n in range(1, 61)
        ],
        buying_centre=[],
        risks=[RiskLine(id=1, what="a rival's bid", mitigation=None)],
        last_review=None,
        scorecard=[],
    )
    blocks = [b.to_dict() for b in pb.plan_blocks(plan)]
    valid_blocks(blocks)
    assert len(blocks) <= 50
    done = {k: v for k, v in _buttons(blocks).items() if k.startswith(f"{ids.RUN}:done:")}
    assert len(done) == pb.DONE_BUTTONS and done[f"{ids.RUN}:done:1"] == "plan done \"Big 'Co'\" 1"
    text = json.dumps(blocks)
    assert "step 60" in text and "plan done Big" in text
    assert "a rival's bid" in text and "Scorecard" in text
