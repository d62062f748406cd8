"""``kam bot`` as people start it, and the manifest that creates the Slack app."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from kambot import ids
from tests import factories
from tests.slack_harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlackAPI,
    SlackClient,
    running_bot,
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        "im:history",
        "im:write",
        "users:read",
        "users:read.email",
        "channels:history",  # message.channels
        "groups:history",  # message.groups
    }
    assert {s for s in SCOPES.values() if s} <= scopes


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
            **text_input(*ids.LOG_ACCOUNT, "Acme"),
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


def test_kam_bot_http_answers_signed_slash_commands(db_url: str, engine: Engine) -> None:
    with Session(engine) as s:
        factories.user(s, "anna@example.com", slack_user_id="UANNA")
        factories.account(s, "Acme")
        s.commit()
    api = FakeSlackAPI()
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
        "SLACK_APP_TOKEN": "",
        "PYTHONFAULTHANDLER": "1",  # SIGABRT prints every thread's stack
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kam",
            "bot",
            "--http",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--db",
            db_url,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # the Ctrl-C below must reach it even when pytest was started as a background
        # job, which inherits SIGINT ignored (and Python then never installs its handler)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        client = SlackClient(f"http://127.0.0.1:{port}/slack/events", api)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    _, err = process.communicate(timeout=5)
                    pytest.fail(f"kam bot did not start: {err}")
                time.sleep(0.1)
        reply = client.command("show acme")
        assert "Acme" in reply.text_of_blocks()
        assert client.post(client.command_body("show acme"), signed=False)[0] == 401
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            out, err = process.communicate(timeout=30)
            pytest.fail(f"kam bot did not stop on Ctrl-C; its threads:\n{out}\n{err[-8000:]}")
        finally:
            api.close()
    assert BOT_TOKEN not in out + err and SIGNING_SECRET not in out + err
    assert "listening on http://127.0.0.1" in out
    assert "Scheduler started" in err  # the reminder sweep, digests and rescore run alongside
