"""A Web API stand-in that fails the way Slack really does, and counts what arrived by key.

``FaultySlackAPI`` is ``FakeSlackAPI`` (a real HTTP server) with faults drawn
from a seeded random: 429s with Retry-After before anything is done, a 500 or a
dropped connection *after* a post was done, slowness, and app-wide refusals of
the token (``invalid_auth``, ``token_revoked``) until they are fixed. What
reached people is counted at the receiving end, by the key kam puts in each
message's metadata.
"""

from __future__ import annotations

import json
import random
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.slack_harness import FakeSlackAPI

POST = "chat.postMessage"


@dataclass
class Faults:
    """How often each failure happens (shares of calls, 0 to 1)."""

    rate_limited: float = 0.0
    """429 with Retry-After, before the call is done (any method)."""
    retry_after: float = 0.05
    error_before: float = 0.0
    """500 internal_error, the call not done."""
    error_after_post: float = 0.0
    """A post is done, then answered 500 internal_error."""
    dropped_after_post: float = 0.0
    """A post is done, then the connection is closed without an answer."""
    slow: float = 0.0
    """Seconds each post takes (look-ups stay quick)."""
    refuse_token: str | None = None
    """Every call answered with this error (invalid_auth, token_revoked) until cleared."""
    refuse_after: tuple[int, str] | None = None
    """(posts, error): start refusing the token with ``error`` once that many posts arrived."""


@dataclass
class FaultySlackAPI(FakeSlackAPI):
    faults: Faults = field(default_factory=Faults)
    seed: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        super().__post_init__()

    def _draw(self) -> float:
        with self._lock:
            return self._random.random()

    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        f = self.faults
        if f.slow and method == POST:
            time.sleep(f.slow)
        if f.refuse_after is not None and sum(self.delivered().values()) >= f.refuse_after[0]:
            f.refuse_token, f.refuse_after = f.refuse_after[1], None
        if f.refuse_token:
            return 200, {"ok": False, "error": f.refuse_token}, {}
        if self._draw() < f.rate_limited:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": f"{f.retry_after:g}"}
        if self._draw() < f.error_before:
            return 500, {"ok": False, "error": "internal_error"}, {}
        return super()._answer(method, body)

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        status: int,
        payload: Any,
        extra: dict[str, str],
    ) -> None:
        done = method == POST and status == 200 and payload.get("ok")
        if done and self._draw() < self.faults.dropped_after_post:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if done and self._draw() < self.faults.error_after_post:
            payload, status = {"ok": False, "error": "internal_error"}, 500
        super()._reply(handler, method, status, payload, extra)

    def delivered(self) -> Counter[str]:
        """How many times each key reached Slack (posts done, whatever they were answered)."""
        counted: Counter[str] = Counter()
        for call in self.of(POST):
            if isinstance(call.response, dict) and call.response.get("ok"):
                metadata = call.body.get("metadata") or {}
                if isinstance(metadata, str):
                    metadata = json.loads(metadata)
                counted[metadata["event_payload"]["key"]] += 1
        return counted
