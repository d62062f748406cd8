"""The Slack side of the bot's tests: a stand-in Web API and a client that signs requests.

``FakeSlackAPI`` is a real HTTP server on localhost that answers the Web API
methods kam calls (as Slack documents them) and records every call, like
bolt-python's ``tests/mock_web_api_server``. Response URLs point at it too.
``SlackBot`` runs the real app through ``kambot.server`` on a free port and
sends it requests signed the way Slack signs them.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from core.settings import Settings

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token"
TEAM = "T0KAM"


@dataclass
class Call:
    """One request the bot made to the stand-in: a Web API method or a response_url post."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    response: Any = None
    arrived: float = field(default_factory=time.monotonic)
    """When the call reached the stand-in (``time.monotonic``)."""

    def blocks(self) -> list[dict[str, Any]]:
        raw = self.body.get("blocks") or []
        return json.loads(raw) if isinstance(raw, str) else raw

    def view(self) -> dict[str, Any]:
        raw = self.body.get("view")
        return json.loads(raw) if isinstance(raw, str) else raw

    def text_of_blocks(self) -> str:
        return json.dumps(self.blocks() or self.view(), ensure_ascii=False)


def valid_blocks(blocks: list[dict[str, Any]]) -> list[Block]:
    """Parse blocks back through slack_sdk and re-serialise them: invalid Block Kit raises."""
    parsed = Block.parse_all(blocks)
    assert all(b is not None for b in parsed), blocks
    assert [b.to_dict() for b in parsed] == blocks
    return parsed


def valid_view(view: dict[str, Any]) -> View:
    """Parse a view back through slack_sdk; its validators run on to_dict()."""
    parsed = View(**view)
    parsed.to_dict()
    valid_blocks(view["blocks"])
    return parsed


@dataclass
class FakeSlackAPI:
    """A localhost Web API that records calls and answers like Slack."""

    profiles: dict[str, str] = field(default_factory=dict)
    """Slack user id → profile e-mail, for users.info."""
    calls: list[Call] = field(default_factory=list)
    rate_limited: dict[str, int] = field(default_factory=dict)
    """Method → how many of its next calls get HTTP 429."""
    retry_after: int = 0
    """The Retry-After (seconds) that comes with a 429."""
    failing: dict[str, str] = field(default_factory=dict)
    """Method → Slack error code to answer with (ok: false)."""

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.strip("/").removeprefix("api/")
                arrived = time.monotonic()
                status, payload, extra = api._answer(method, body)
                with api._lock:
                    api.calls.append(Call(method, body, dict(self.headers), payload, arrived))
                    api._lock.notify_all()
                api._reply(self, method, status, payload, extra)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # close() waits for serve_forever to look up from its poll: a twentieth of a second
        # rather than the default half, which every test with a fake Slack paid at its end
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/"

    def response_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/response/{n}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        status: int,
        payload: Any,
        extra: dict[str, str],
    ) -> None:
        """Send the answer to a call already done and recorded (a fault stand-in may not)."""
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        handler.send_response(status)
        for key, value in extra.items():
            handler.send_header(key, value)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            return (
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(self.retry_after)},
            )
        if method in self.failing:
            return 200, {"ok": False, "error": self.failing[method]}, {}
        if method.startswith("response/"):
            return 200, "ok", {}
        if method == "auth.test":
            return 200, {"ok": True, "team_id": TEAM, "user_id": "UKAMBOT", "bot_id": "BKAM"}, {}
        if method == "users.info":
            user = body.get("user", "")
            if user not in self.profiles:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            profile = {"email": self.profiles[user], "real_name": user}
            return 200, {"ok": True, "user": {"id": user, "profile": profile}}, {}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = str(body.get("channel", ""))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            ts = body.get("ts") or f"1700000000.{next(self._ts):06d}"
            return 200, {"ok": True, "channel": channel, "ts": ts, "message_ts": ts}, {}
        if method.startswith("views."):
            view = body.get("view")
            view = json.loads(view) if isinstance(view, str) else view or {}
            view_id = body.get("view_id") or f"V{next(self._views):05d}"
            return 200, {"ok": True, "view": {**view, "id": view_id}}, {}
        if method == "conversations.history":
            return 200, self._history(body), {}
        if method == "conversations.open":
            user = str(body.get("users", "U0")).split(",")[0]
            return 200, {"ok": True, "channel": {"id": "D" + user[1:]}}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        """A DM's messages, newest first, a page at a time (the cursor is an offset)."""
        channel = str(body.get("channel", ""))
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            posted = [
                c
                for c in self.calls
                if c.method == "chat.postMessage" and c.response.get("channel") == channel
            ]
        messages = []
        for call in reversed(posted):
            message: dict[str, Any] = {"type": "message", "ts": call.response["ts"]}
            metadata = call.body.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            if with_metadata and metadata:
                message["metadata"] = metadata
            messages.append(message)
        start, limit = int(body.get("cursor") or 0), int(body.get("limit") or 100)
        more = start + limit < len(messages)
        return {
            "ok": True,
            "messages": messages[start : start + limit],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def forget(self, call: Call) -> None:
        """As if ``call`` never reached Slack."""
        with self._lock:
            self.calls.remove(call)

    def ts_of(self, call: Call) -> str:
        """The ts Slack gave the message ``call`` posted."""
        return str(call.response["ts"])

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def of_prefix(self, prefix: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method.startswith(prefix)]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 15.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` calls of ``method`` (matching ``where``) have arrived; a
        ``method`` ending in "/" matches every call under it ("response/": every reply)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    c
                    for c in self.calls
                    if (
                        c.method == method or (method.endswith("/") and c.method.startswith(method))
                    )
                    and (where is None or where(c))
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"no {count}× {method} within {timeout}s; saw {seen}")
                self._lock.wait(left)


class SlackClient:
    """Slack's side of the conversation: requests signed the way Slack signs them."""

    def __init__(self, url: str, api: FakeSlackAPI) -> None:
        self.url = url
        self.api = api
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self._n = itertools.count(1)

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST ``body`` to /slack/events as Slack would; returns (status, body)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent["X-Slack-Request-Timestamp"] = ts
            sent["X-Slack-Signature"] = signature or self.verifier.generate_signature(
                timestamp=ts, body=body
            )
        request = Request(self.url, data=body.encode(), headers=sent, method="POST")
        try:
            with urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except HTTPError as exc:
            return exc.code, exc.read().decode()

    def command_body(self, text: str, *, user: str = "UANNA", n: int | None = None) -> str:
        n = next(self._n) if n is None else n
        return urlencode(
            {
                "token": "legacy-unused",
                "team_id": TEAM,
                "channel_id": "C0SALES",
                "channel_name": "sales",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/kam",
                "text": text,
                "api_app_id": "AKAM",
                "response_url": self.api.response_url(n),
                "trigger_id": f"trigger.{n}",
            }
        )

    def command(self, text: str, *, user: str = "UANNA") -> Call:
        """Run ``/kam text`` and return the reply posted to its response_url."""
        n = next(self._n)
        status, body = self.post(self.command_body(text, user=user, n=n))
        assert status == 200, (status, body)
        return self.api.wait_for(f"response/{n}")[-1]

    def command_opening_modal(self, text: str, *, user: str = "UANNA") -> Call:
        """Run ``/kam text`` that should open a modal; returns the views.open call."""
        n = next(self._n)
        before = len(self.api.of("views.open"))
        status, _ = self.post(self.command_body(text, user=user, n=n))
        assert status == 200
        calls = self.api.wait_for("views.open", before + 1)
        assert calls[-1].body["trigger_id"] == f"trigger.{n}"
        return calls[-1]

    def interact(
        self, payload: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Send an interactivity payload (block_actions, view_submission)."""
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, headers=headers)

    def click_home(self, action_id: str, value: str, *, user: str = "UANNA") -> tuple[int, str]:
        """Click a button on the App Home tab: Slack sends the view, with no message and no
        response_url."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user},
            "api_app_id": "AKAM",
            "trigger_id": "trigger.home",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home"},
            "actions": [
                {"type": "button", "action_id": action_id, "block_id": "h", "value": value}
            ],
        }
        return self.interact(payload)

    def message_shortcut(
        self, callback_id: str, text: str, *, user: str = "UANNA", channel: str = "C0SALES"
    ) -> tuple[Call, int]:
        """Use a message shortcut on a message saying ``text``; returns the views.open call
        it made and the response_url number the payload carried."""
        n = next(self._n)
        before = len(self.api.of("views.open"))
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": TEAM},
            "user": {"id": user},
            "channel": {"id": channel},
            "api_app_id": "AKAM",
            "trigger_id": f"trigger.{n}",
            "message_ts": f"1700000888.{n:06d}",
            "message": {
                "type": "message",
                "user": "UKARI",
                "text": text,
                "ts": f"1700000888.{n:06d}",
            },
            "response_url": self.api.response_url(n),
        }
        status, _ = self.interact(payload)
        assert status == 200
        return self.api.wait_for("views.open", before + 1)[-1], n

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "UANNA",
        message: dict[str, Any] | None = None,
        channel: str = "C0SALES",
        response_n: int | None = None,
        container: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        menu: bool = False,
    ) -> tuple[int, int]:
        """Click a button (or, with ``menu``, pick the option ``value`` in a menu); returns
        (HTTP status, the response_url number used)."""
        n = next(self._n) if response_n is None else response_n
        message = message or {"ts": f"1700000999.{n:06d}", "blocks": []}
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user},
            "api_app_id": "AKAM",
            "trigger_id": f"trigger.{n}",
            "container": container
            or {"type": "message", "message_ts": message["ts"], "channel_id": channel},
            "channel": {"id": channel},
            "message": message,
            "response_url": self.api.response_url(n),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "action_ts": f"{time.time():.6f}",
                    **(
                        {"type": "static_select", "selected_option": _option(value)}
                        if menu
                        else {"type": "button", "value": value}
                    ),
                }
            ],
        }
        status, _ = self.interact(payload, headers=headers)
        return status, n

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user: str = "UANNA",
        view_id: str = "V0SUBMIT",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """Submit a modal the bot opened, with ``values`` as Slack's view.state.values."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user},
            "api_app_id": "AKAM",
            "trigger_id": "trigger.submit",
            "view": {
                **view,
                "id": view_id,
                "state": {"values": values},
            },
            "response_urls": [],
        }
        return self.interact(payload, headers=headers)

    def submit_form(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        view_id: str,
        user: str = "UANNA",
        headers: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Submit a modal and wait until kam has handled it: returns the answer it acked
        with, and the view it then put in the modal's place (views.update)."""

        def this_modal(call: Call) -> bool:
            return call.body.get("view_id") == view_id

        before = len([c for c in self.api.of("views.update") if this_modal(c)])
        status, body = self.submit(view, values, user=user, view_id=view_id, headers=headers)
        assert status == 200, (status, body)
        shown = self.api.wait_for("views.update", before + 1, where=this_modal)[-1]
        return json.loads(body), shown.view()


def bot_settings(db_url: str, api_url: str) -> Settings:
    """kam's settings for a bot (or a sweep) on ``db_url`` calling the Web API at ``api_url``."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        kam_database_url=db_url,
        slack_bot_token=BOT_TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        slack_api_url=api_url,
    )


class SlackBot(SlackClient):
    """The real app served over HTTP on a free port, and a Slack that talks to it."""

    def __init__(
        self, engine: Engine, api: FakeSlackAPI, *, clock: Callable[[], Any] | None = None
    ):
        from kambot.app import create_app
        from kambot.context import Kam
        from kambot.server import http_server

        self.settings = bot_settings(str(engine.url), api.url)
        kam = (
            Kam(engine=engine, settings=self.settings)
            if clock is None
            else Kam(engine=engine, settings=self.settings, clock=clock)
        )
        self.app = create_app(self.settings, engine, kam=kam)
        self.server = http_server(self.app, signing_secret=SIGNING_SECRET, host="127.0.0.1", port=0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        super().__init__(f"http://127.0.0.1:{self.server.server_port}/slack/events", api)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def text_input(block_id: str, action_id: str, value: str | None) -> dict[str, Any]:
    return {block_id: {action_id: {"type": "plain_text_input", "value": value}}}


def _option(value: str) -> dict[str, Any]:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def select(
    block_id: str, action_id: str, value: str | None, kind: str = "static_select"
) -> dict[str, Any]:
    option = _option(value) if value else None
    return {block_id: {action_id: {"type": kind, "selected_option": option}}}


@dataclass(frozen=True)
class Ack:
    """One request of a burst: the HTTP status (0 when the connection failed) and how
    long the ack took."""

    status: int
    seconds: float


def burst(client: SlackClient, texts: list[str], *, user: str = "UANNA") -> list[Ack]:
    """Send one signed ``/kam`` command per text, all at the same moment (one thread
    each, released together); returns every ack in the order sent."""
    bodies = [client.command_body(t, user=user) for t in texts]
    start = threading.Barrier(len(bodies))
    acks: list[Ack | None] = [None] * len(bodies)

    def send(i: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            status, _ = client.post(bodies[i])
        except OSError:
            status = 0
        acks[i] = Ack(status, time.perf_counter() - began)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [a for a in acks if a is not None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BotProcess:
    """A running ``kam bot --http`` and a Slack that talks to it."""

    process: subprocess.Popen[bytes]
    client: SlackClient
    logs: Path
    port: int

    def get(self, path: str) -> tuple[int, str]:
        """GET ``path`` on the bot (the health check)."""
        try:
            with urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except HTTPError as exc:
            return exc.code, exc.read().decode()

    def stop(self, signum: int = signal.SIGTERM, *, timeout: float = 30) -> tuple[int, str, str]:
        """Send ``signum`` and wait for the exit: (exit code, stdout, stderr)."""
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # faulthandler prints every thread
            self.process.wait(timeout=30)
            threads = self.output()[1]
            raise AssertionError(f"kam bot did not stop; its threads:\n{threads}") from None
        return (code, *self.output())

    def output(self) -> tuple[str, str]:
        return (
            (self.logs / "out").read_text(errors="replace"),
            (self.logs / "err").read_text(errors="replace"),
        )


@contextmanager
def kam_bot_http(db_url: str, api: FakeSlackAPI, logs: Path, *extra: str) -> Iterator[BotProcess]:
    """``kam bot --http`` as people start it, in its own process on a free port, from
    when its health check answers; stopped with SIGTERM if still running at the end.
    Its output goes to files in ``logs`` (a pipe that fills would block it)."""
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
        "SLACK_APP_TOKEN": "",
        "PYTHONFAULTHANDLER": "1",
    }
    root = Path(__file__).resolve().parent.parent
    with (logs / "out").open("wb") as out, (logs / "err").open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "kam", "bot", "--http", "--port", str(port), *extra],
            cwd=root,
            env={**env, "KAM_DATABASE_URL": db_url},
            stdout=out,
            stderr=err,
            # the Ctrl-C a test sends must reach it even when pytest was started as a
            # background job, which inherits SIGINT ignored
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    bot = BotProcess(process, SlackClient(f"http://127.0.0.1:{port}/slack/events", api), logs, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if bot.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                raise AssertionError(f"kam bot did not start: {bot.output()[1]}")
            time.sleep(0.1)
        yield bot
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_bot(engine: Engine, **profiles: str) -> Iterator[SlackBot]:
    api = FakeSlackAPI(profiles=dict(profiles))
    bot = SlackBot(engine, api)
    try:
        yield bot
    finally:
        bot.close()
        api.close()
