"""Serving the app over HTTP (``kam bot --http``): ``POST /slack/events`` on a threaded WSGI server.

bolt's WSGI adapter does the request handling (signature check included); the
standard library's server runs each request in its own thread, so one slow
request never holds up another's ack.
"""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

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


def http_server(app: App, *, host: str = "0.0.0.0", port: int = 3000) -> WSGIServer:
    """A server for ``app`` bound to ``host:port`` (port 0 picks a free one); call serve_forever."""
    return make_server(
        host,
        port,
        SlackRequestHandler(app, path=EVENTS_PATH),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
