"""When kam fails on a Slack request: the log gets the traceback, the person a short apology
where they are, and Slack still gets its answer.

Every listener acks first. A listener that raised *after* its ack must not let
the exception reach bolt: bolt's thread runner then resets the ack's response,
and if that happens before bolt's main thread has read it, Slack is answered
404 "unhandled request" instead of the 200 the ack meant. So every listener is
registered through :func:`after_ack`, which keeps such a failure inside the
listener. A failure before the ack still reaches bolt, and :func:`handle_error`.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Mapping
from threading import BoundedSemaphore
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from kambot import ids
from kambot.context import Kam
from kambot.where import Where

log = logging.getLogger("kambot.app")
"""Failures are logged as the app's, where operators have always found them."""

Listener = Callable[..., None]


def _kind(body: Mapping[str, Any]) -> str:
    return str(body.get("type") or ("command" if body.get("command") else "event"))


def apologise(body: Mapping[str, Any], client: WebClient) -> None:
    """Tell the person kam failed; if even that fails, log it and carry on."""
    try:
        Where.of(body).apologise(client)
    except Exception as exc:  # the apology is best effort: nothing may escape a listener
        log.warning("could not tell the user about the failure: %s", type(exc).__name__)


def after_ack(listener: Listener) -> Callable[[Args], None]:
    """``listener`` as bolt should run it: a failure after its ack is logged with its
    traceback and answered with an apology where the person is, never raised."""
    names = list(inspect.signature(listener).parameters)

    def run(args: Args) -> None:
        kam = args.context.get("kam")
        gate = kam.work if isinstance(kam, Kam) else None
        held: list[BoundedSemaphore] = []

        def ack_then_wait_for_a_slot(*given: Any, **named: Any) -> Any:
            answered = args.ack(*given, **named)
            if gate is not None and not held:
                gate.acquire()  # the ack is on its way; the work waits for a slot
                held.append(gate)
            return answered

        injected = {
            name: ack_then_wait_for_a_slot if name == "ack" else _injected(args, name)
            for name in names
        }
        try:
            listener(**injected)
        except Exception as error:
            if args.ack.response is None:
                raise  # not acknowledged yet: bolt answers, and handle_error tells the person
            log.error(
                "kam failed on a Slack %s after acknowledging it",
                _kind(args.body),
                exc_info=error,
            )
            apologise(args.body, args.client)
        finally:
            for taken in held:
                taken.release()

    # bolt injects arguments by the names it finds; it must find ``args`` here, so
    # the listener's name and docstring are copied without functools' __wrapped__.
    run.__name__ = listener.__name__
    run.__qualname__ = listener.__qualname__
    run.__doc__ = listener.__doc__
    run.__module__ = listener.__module__
    return run


def _injected(args: Args, name: str) -> Any:
    """What bolt would have passed as ``name``: one of its arguments, or a context entry."""
    return getattr(args, name) if hasattr(args, name) else args.context[name]


def handle_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
    """bolt's error handler, for a failure before the ack: log the failure with its
    traceback; tell the person a short apology, never the trace."""
    kind = _kind(body)
    log.error("kam failed on a Slack %s", kind, exc_info=error)
    if kind == "view_submission":
        payload = {
            "response_action": "errors",
            "errors": {
                ids.LOG_SUMMARY[0]: "Sorry, kam hit a problem and nothing was saved. Try again."
            },
        }
        return BoltResponse(
            status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
        )
    apologise(body, client)
    return None
