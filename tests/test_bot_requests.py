"""Requests of any shape at the door: 401 unless signed, 400 unless Slack could have sent
them, never a 500 or a traceback, and nothing written.

Every shape kam reads (a command, a click, a submitted form, a type-ahead, an
event) is sent whole, then with each field removed and with each field of the
wrong type, signed; and a few that no Slack sends at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from tests.slack_harness import TEAM, SlackBot, running_bot
from tests.test_bot import counts, team  # noqa: F401 - the fixture is used by name

WRONG_TYPES: list[Any] = [None, 7, "x", [], {"a": 1}]

COMMAND = {
    "command": "/kam",
    "text": "help",
    "user_id": "UANNA",
    "team_id": TEAM,
    "trigger_id": "trigger.1",
    "response_url": "RESPONSE_URL",
}


def submission(
    view_id: str, callback_id: str, metadata: str, values: dict[str, Any]
) -> dict[str, Any]:
    """A form Anna submits, as Slack sends it."""
    view = {"id": view_id, "type": "modal", "callback_id": callback_id}
    return {
        "type": "view_submission",
        "user": {"id": "UANNA"},
        "team": {"id": TEAM},
        "view": {**view, "private_metadata": metadata, "state": {"values": values}, "blocks": []},
    }


PAYLOADS: dict[str, dict[str, Any]] = {
    "block_actions": {
        "type": "block_actions",
        "user": {"id": "UANNA"},
        "team": {"id": TEAM},
        "trigger_id": "trigger.2",
        "response_url": "RESPONSE_URL",
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0SALES"},
        "actions": [{"action_id": "kam_due_page:next", "value": "1|", "type": "button"}],
    },
    "view_submission": submission("V0FUZZ", "kam_log_modal", "{}", {}),
    # Konex is Bob's: even whole, the request form writes nothing
    "request form": submission(
        "V0FUZZREQ",
        "kam_request_modal",
        '{"account_id": 3}',
        {"request_what": {"what": {"type": "plain_text_input", "value": "x"}}},
    ),
    "block_suggestion": {
        "type": "block_suggestion",
        "user": {"id": "UANNA"},
        "team": {"id": TEAM},
        "action_id": "kam_pick_account",
        "value": "ac",
    },
}
EVENT = {
    "type": "event_callback",
    "team_id": TEAM,
    "event": {"type": "app_home_opened", "user": "UANNA", "tab": "home"},
}


def variants(shape: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``shape`` with each field (and each field of a nested object) removed or retyped."""
    for key, value in shape.items():
        yield f"no {key}", {k: v for k, v in shape.items() if k != key}
        for wrong in WRONG_TYPES:
            if type(wrong) is not type(value):
                yield f"{key}={wrong!r}", {**shape, key: wrong}
        if isinstance(value, dict):
            for name, inner in variants(value):
                yield f"{key}.{name}", {**shape, key: inner}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for name, inner in variants(value[0]):
                yield f"{key}[0].{name}", {**shape, key: [inner]}


def every_malformed_body(bot: SlackBot) -> Iterator[tuple[str, str, str]]:
    """(what, body, content type) for every variant of every shape."""
    form = "application/x-www-form-urlencoded"
    url = bot.api.response_url(0)
    for name, command in [("whole", COMMAND), *variants(COMMAND)]:
        fields = {k: (json.dumps(v) if not isinstance(v, str) else v) for k, v in command.items()}
        if command.get("response_url") == "RESPONSE_URL":
            fields["response_url"] = url
        yield f"command {name}", urlencode(fields), form
    for kind, payload in PAYLOADS.items():
        for name, variant in [("whole", payload), *variants(payload)]:
            text = json.dumps(variant).replace("RESPONSE_URL", url)
            yield f"{kind} {name}", urlencode({"payload": text}), form
    for name, event in [("whole", EVENT), *variants(EVENT)]:
        yield f"event {name}", json.dumps(event), "application/json"
    yield from [
        ("payload not JSON", urlencode({"payload": "{not json"}), form),
        ("payload a list", urlencode({"payload": "[1, 2]"}), form),
        ("payload a string", urlencode({"payload": '"x"'}), form),
        ("payload of no known type", urlencode({"payload": '{"type": "nope"}'}), form),
        ("JSON body not JSON", "{bad", "application/json"),
        ("JSON body a list", "[1]", "application/json"),
        ("an empty form", "", form),
        ("a form of nothing kam knows", "a=1&b=2", form),
        ("bytes that are not UTF-8", "payload=%ff%fe", form),
    ]


@pytest.fixture
def bot(engine: Engine, team: dict[str, Any]) -> Iterator[SlackBot]:  # noqa: F811
    with running_bot(engine) as b:
        yield b


def test_unsigned_requests_of_any_shape_get_401(bot: SlackBot, engine: Engine) -> None:
    before = counts(engine)
    body = bot.command_body("log Acme: called")
    for timestamp in ("abc", "", "1e9", "-1", "¹²³", "99999999999999999999"):
        headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"}
        assert bot.post(body, signed=False, headers=headers)[0] == 401, timestamp
    assert bot.post("{bad", content_type="application/json", signed=False)[0] == 401
    assert bot.post("payload=%ff", signed=False)[0] == 401
    assert bot.post(body, signed=False, headers={"X-Slack-Signature": "nonsense"})[0] == 401
    assert counts(engine) == before
    assert [c.method for c in bot.api.calls if c.method != "auth.test"] == []


def test_signed_requests_of_every_malformed_shape_get_400_or_are_handled(
    bot: SlackBot, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    before = counts(engine)
    answers: dict[str, int] = {}
    for what, body, content_type in every_malformed_body(bot):
        status, text = bot.post(body, content_type=content_type)
        answers[what] = status
        assert status in (200, 400, 404), (what, status, text)
        assert "Traceback" not in text and "Error" not in text, (what, text)
    # what kam needs is refused at the door, with one line in the log and no traceback
    for refused in (
        "command no user_id",
        "command no response_url",
        "block_actions no actions",
        "block_actions actions='x'",
        "block_actions actions[0].no action_id",
        "block_actions user.id=7",
        "view_submission no view",
        "view_submission view.id=None",
        "block_suggestion value=[]",
        "event event='x'",
        "event event.type=7",
        "payload not JSON",
        "payload a list",
        "JSON body not JSON",
        "bytes that are not UTF-8",
        "an empty form",
    ):
        assert answers[refused] == 400, refused
    assert answers["command whole"] == answers["event whole"] == 200
    assert counts(engine) == before
    crashes = [r for r in caplog.records if r.exc_info]
    assert crashes == [], [r.getMessage() for r in crashes]
    assert not any("could not tell the user" in r.getMessage() for r in caplog.records)
