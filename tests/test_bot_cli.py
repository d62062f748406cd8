"""``kam bot`` as people start it, and the manifest that creates the Slack app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from kambot import ids
from tests import factories
from tests.slack_harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Ack,
    Call,
    FakeSlackAPI,
    burst,
    kam_bot_http,
    running_bot,
    select,
    text_input,
)

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "kambot" / "manifest.json").read_text())

# The scope each Web API method kam calls needs (from Slack's method reference).
SCOPES = {
    "auth.test": None,
    "users.info": "users:read",
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.open": "im:write",
    "conversations.history": "im:history",
    "views.open": None,
    "views.publish": None,
    "views.update": None,
}


def test_manifest_asks_for_what_the_bot_uses() -> None:
    features = MANIFEST["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/kam"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    # Messages in channels linked to an account (public and private) are touches.
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.channels",
        "message.groups",
    ]
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "chat:write.public",  # the weekly summary posts to a public channel nobody invited kam to
        "im:history",
        "im:write",
        "users:read",
        "users:read.email",
        "channels:history",  # message.channels
        "groups:history",  # message.groups
    }
    assert {s for s in SCOPES.values() if s} <= scopes


def test_the_http_manifest_is_the_socket_mode_one_with_request_urls() -> None:
    http = json.loads((ROOT / "kambot" / "manifest.http.json").read_text())
    url = "https://YOUR-HOST/slack/events"
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["features"]["slash_commands"][0].pop("url") == url
    assert http["settings"]["event_subscriptions"].pop("request_url") == url
    interactivity = http["settings"]["interactivity"]
    # the type-ahead pickers ask for their options at the options load URL
    assert interactivity.pop("request_url") == interactivity.pop("message_menu_options_url") == url
    http["settings"]["socket_mode_enabled"] = True
    assert http == MANIFEST


def test_every_web_api_method_the_bot_called_is_covered_by_the_manifest(
    engine: Engine,
) -> None:
    with Session(engine) as s:
        factories.user(s, "anna@example.com")
        factories.account(s, "Acme")
        s.commit()
    with running_bot(engine, UANNA="anna@example.com") as bot:
        bot.command("show Acme")
        form = bot.command_opening_modal("log").view()
        filled = {
            **select(*ids.LOG_ACCOUNT, "1", kind="external_select"),
            **text_input(*ids.LOG_SUMMARY, "called"),
        }
        bot.submit_form(form, filled, view_id="V0FORM")
        methods = {c.method for c in bot.api.calls if not c.method.startswith("response/")}
    assert methods <= set(SCOPES), methods - set(SCOPES)


def test_socket_mode_without_an_app_token_says_what_to_set(db_url: str) -> None:
    env = {
        **os.environ,
        "SLACK_APP_TOKEN": "",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    result = subprocess.run(
        [sys.executable, "-m", "kam", "bot", "--db", db_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "SLACK_APP_TOKEN" in result.stderr and "--http" in result.stderr


def test_a_bot_token_slack_refuses_is_named_at_start_up_without_a_trace(db_url: str) -> None:
    from tests.slack_faults import Faults, FaultySlackAPI

    if not db_url.startswith("sqlite"):
        pytest.skip("the token check does not depend on the database")

    api = FaultySlackAPI(faults=Faults(refuse_token="invalid_auth"))
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kam", "bot", "--http", "--port", "0", "--db", db_url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
        )
    finally:
        api.close()
    assert result.returncode == 1
    assert "Slack does not accept SLACK_BOT_TOKEN (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr and BOT_TOKEN not in result.stdout + result.stderr
    assert [c.method for c in api.calls] == ["auth.test"]


def test_kam_bot_http_answers_a_burst_of_100_and_stops_gracefully_on_sigterm(
    db_url: str, acme: None, tmp_path: Path
) -> None:
    """One process (each start costs seconds): signed commands, the health check, 100
    commands at once, then SIGTERM in the middle of another burst."""
    api = FakeSlackAPI()
    try:
        with kam_bot_http(db_url, api, tmp_path) as bot:
            assert bot.get("/healthz") == (200, "ok\n")
            reply = bot.client.command("show acme")
            assert "Acme" in reply.text_of_blocks()
            assert bot.client.post(bot.client.command_body("show acme"), signed=False)[0] == 401
            # none lost, all acked, every reply sent
            acks = burst(bot.client, ["show acme"] * 100)
            assert [a.status for a in acks] == [200] * 100
            replies = api.wait_for("response/", 101, timeout=60)
            assert all("Acme" in r.text_of_blocks() for r in replies)
            # SIGTERM while 30 more arrive
            sent: list[list[Ack]] = []
            sender = threading.Thread(
                target=lambda: sent.append(burst(bot.client, ["show acme"] * 30))
            )
            sender.start()
            api.wait_for("response/", 102, timeout=30)  # the burst is arriving
            bot.process.send_signal(signal.SIGTERM)
            sender.join()
            code, out, err = bot.stop(signal.SIGTERM)
    finally:
        api.close()
    answered = [a for a in sent[0] if a.status == 200]
    # a request is either answered in full or never let in: no reset, no 5xx
    assert {a.status for a in sent[0]} <= {200, 0} and answered
    # and the work after each ack was finished before the process left
    assert len([c for c in api.calls if _is_reply(c)]) == 101 + len(answered)
    assert code == 0 and "kam bot stopped." in out
    assert BOT_TOKEN not in out + err and SIGNING_SECRET not in out + err
    # it listens on this machine only unless --host says otherwise
    assert f"listening on http://127.0.0.1:{bot.port}/slack/events" in out
    assert "Scheduler started" in err  # the reminder sweep, digests and rescore run alongside


@pytest.fixture
def acme(engine: Engine) -> None:
    """Anna, linked to Slack as UANNA, and her account Acme."""
    with Session(engine) as s:
        factories.user(s, "anna@example.com", slack_user_id="UANNA")
        factories.account(s, "Acme")
        s.commit()


def _is_reply(call: Call) -> bool:
    return call.method.startswith("response/")
