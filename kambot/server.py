"""Serving the app over HTTP (``kam bot --http``): ``POST /slack/events`` on a threaded WSGI server.

bolt's WSGI adapter does the request handling (signature check included); the
standard library's server runs each request in its own thread, so one slow
request never holds up another's ack.
"""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context

EVENTS_PATH = "/slack/events"

log = logging.getLogger(__name__)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request; threads do not keep the process alive."""

    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    """Access lines go to the debug log (they hold the path and status, never a body)."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


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
    """bolt's WSGI adapter, building each request as a :class:`FormRequest`."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        """Verify and dispatch one POST to the app."""
        return self.app.dispatch(
            FormRequest(
                body=request.get_body(),
                query=request.query_string,
                headers=request.get_headers(),
            )
        )


def http_server(app: App, *, host: str = "0.0.0.0", port: int = 3000) -> WSGIServer:
    """A server for ``app`` bound to ``host:port`` (port 0 picks a free one); call serve_forever."""
    return make_server(
        host,
        port,
        EventsHandler(app, path=EVENTS_PATH),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
