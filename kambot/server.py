"""Serving the app over HTTP (``kam bot --http``): ``POST /slack/events`` on waitress.

waitress (a production WSGI server: a listen backlog of 1,024, a pool of worker
threads, ``poll`` instead of ``select``) runs bolt's WSGI adapter. Each request
is checked before bolt sees it (:mod:`kambot.shapes`): unsigned, stale or
wrongly signed requests get 401, signed ones Slack could never send get 400.
``GET /healthz`` answers 200 while the server takes requests and 503 once it
is stopping, for a load balancer.

:meth:`HttpServer.stop` (SIGTERM, Ctrl-C) stops accepting connections, lets the
requests already received be answered, and waits for the work they started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from kambot.shapes import refusal

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DEFAULT_THREADS = 8
"""Threads that read requests and answer them (each ack takes milliseconds)."""
CONNECTION_LIMIT = 1000
GRACE_SECONDS = 20.0
"""How long a stopping server waits for requests in flight and the work they started."""

log = logging.getLogger(__name__)


class FormRequest(BoltRequest):
    """A request whose form body is read by its fields.

    bolt (1.30) takes any form body in which the word "payload" appears for an
    interactive payload and, finding no ``payload`` field, reads it as empty: a
    person typing ``/kam log Acme: the payload slipped`` got a 404 and no reply.
    Here such a body is read as the form it is; a real ``payload`` field still wins.
    """

    def __init__(self, *, body: str | dict[str, Any], **rest: Any) -> None:
        super().__init__(body=body, **rest)
        if isinstance(body, str) and not self.body and "payload" in body:
            fields = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" not in fields and not body.lstrip().startswith("{"):
                self.body = fields
                self.context = build_context(BoltContext(rest.get("context") or {}), fields)

    def to_copyable(self) -> BoltRequest:
        """A copy read the same way (bolt copies a request for lazy listeners)."""
        copy = super().to_copyable()
        return FormRequest(
            body=self.raw_body if self.mode == "http" else self.body,
            query=copy.query,
            headers=copy.headers,
            context=copy.context,
            mode=copy.mode,
        )


class EventsHandler(SlackRequestHandler):
    """bolt's WSGI adapter, with the health check, and each request's shape checked
    before it is built as a :class:`FormRequest`."""

    def __init__(self, app: App, *, signing_secret: str, healthy: threading.Event) -> None:
        super().__init__(app, path=EVENTS_PATH)
        self.signing_secret = signing_secret
        self.healthy = healthy

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer the health check here; everything else as bolt's adapter does."""
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            up = self.healthy.is_set()
            body = b"ok\n" if up else b"stopping\n"
            start_response(
                "200 OK" if up else "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return super().__call__(environ, start_response)

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        """Refuse what is unsigned or malformed; verify and dispatch the rest to the app."""
        raw = _read_body(request.environ)
        headers = request.get_headers()
        refused = refusal(raw, headers, signing_secret=self.signing_secret)
        if refused is not None:
            if refused.status == 401:
                log.warning(
                    "Invalid request signature detected; answered 401 "
                    "(request body withheld from the log)"
                )
            else:
                log.warning("Answered %s to a signed request: %s", refused.status, refused.body)
            return refused
        assert raw is not None  # refusal() refuses a body that is not UTF-8
        return self.app.dispatch(
            FormRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        )


def _read_body(environ: WSGIEnvironment) -> bytes | None:
    """The request body, or None when its Content-Length is not a number."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""


class HttpServer:
    """The app on waitress at ``host:port``: :meth:`serve_forever` until :meth:`stop`."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        host: str = "127.0.0.1",
        port: int = 3000,
        threads: int = DEFAULT_THREADS,
        grace: float = GRACE_SECONDS,
    ) -> None:
        self.app = app
        self.grace = grace
        self.healthy = threading.Event()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._map: dict[int, Any] = {}
        self._server: Any = create_server(
            EventsHandler(app, signing_secret=signing_secret, healthy=self.healthy),
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            connection_limit=CONNECTION_LIMIT,
            asyncore_use_poll=True,
            ident="kam",
        )
        self.healthy.set()

    @property
    def server_port(self) -> int:
        """The port it listens on (the one picked when it was asked for port 0)."""
        return int(self._server.effective_port)

    def serve_forever(self) -> None:
        """Answer requests until :meth:`stop`, then finish the ones in flight."""
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._map, use_poll=True, count=1)
            self._drain()
        finally:
            self._stopped.set()

    def stop(self) -> None:
        """Begin a graceful stop (safe from a signal handler): refuse new connections,
        answer what has arrived. Returns at once."""
        self.healthy.clear()
        self._stopping.set()
        self._server.pull_trigger()

    def shutdown(self) -> None:
        """:meth:`stop`, and wait until the server has finished (from another thread)."""
        self.stop()
        self._stopped.wait(self.grace + 5)

    def server_close(self) -> None:
        """Release the socket and threads (after :meth:`serve_forever` has returned)."""
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(self._map)

    def _drain(self) -> None:
        """Close the listening socket, answer every request already received, then wait
        for the work after their acks (bolt's listener threads)."""
        wasyncore.dispatcher.close(self._server)  # the listener only; the trigger stays
        deadline = time.monotonic() + self.grace
        while _in_flight(self._map) and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.1, map=self._map, use_poll=True, count=1)
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=1)
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        log.info("kam bot stopped taking requests; every request received was answered")


def _in_flight(channels: dict[int, Any]) -> bool:
    """Whether any connection holds a request not yet fully answered."""
    return any(
        isinstance(c, HTTPChannel) and (c.requests or c.request is not None or c.total_outbufs_len)
        for c in list(channels.values())
    )


def http_server(
    app: App, *, signing_secret: str, host: str = "127.0.0.1", port: int = 3000, threads: int = 0
) -> HttpServer:
    """A server for ``app`` bound to ``host:port`` (port 0 picks a free one)."""
    return HttpServer(
        app, signing_secret=signing_secret, host=host, port=port, threads=threads or DEFAULT_THREADS
    )
