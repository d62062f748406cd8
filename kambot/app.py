"""The bolt App: its Web API client, its listeners, and the one error handler.

``create_app`` is the only place that knows the tokens. They stay SecretStr
until the App and its WebClient are built, and neither they nor request
bodies are ever logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from core.db import Engine
from core.errors import KamError
from core.settings import Settings
from kambot import blocks as kb
from kambot import ids
from kambot.context import Kam
from kambot.listeners import actions, commands, events, views

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 2
CONNECTION_RETRIES = 2


def web_client(settings: Settings) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that waits out 429s and retries dropped connections."""
    if settings.slack_bot_token is None:
        raise KamError(
            "SLACK_BOT_TOKEN is not set. Put the bot token (xoxb-…) from your Slack app's "
            '"OAuth & Permissions" page in the environment or .env.'
        )
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=base_url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ],
    )


class WithholdRequestBodies(logging.Filter):
    """bolt logs a request that fails verification with its whole body: a slash
    command's body carries its response_url (good for posting to the channel for
    half an hour) and Slack's legacy verification token. kam logs that it
    happened, and from when it claims to be, not what it said."""

    PREFIX = "Invalid request signature detected"

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(self.PREFIX):
            record.msg = f"{self.PREFIX}; answered 401 (request body withheld from the log)"
            record.args = ()
        return True


def _withhold_rejected_bodies() -> None:
    verification = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, WithholdRequestBodies) for f in verification.filters):
        verification.addFilter(WithholdRequestBodies())


def create_app(settings: Settings, engine: Engine, *, kam: Kam | None = None) -> App:
    """The Slack app over ``engine``, with every listener registered."""
    if settings.slack_signing_secret is None:
        raise KamError(
            "SLACK_SIGNING_SECRET is not set. Copy it from your Slack app's "
            '"Basic Information" page into the environment or .env.'
        )
    client = web_client(settings)
    _withhold_rejected_bodies()
    app = App(
        name="kam",
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("kambot.bolt"),
    )
    shared = kam or Kam(engine=engine, settings=settings)

    def hand_over_kam(context: Any, next: Any) -> None:
        """Every listener receives the database, settings and clock as ``kam``."""
        context["kam"] = shared
        next()

    app.middleware(hand_over_kam)
    for module in (commands, actions, views, events):
        module.register(app)
    app.error(handle_error)
    return app


def handle_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
    """Log the failure with its traceback; tell the person a short apology, never the trace."""
    kind = body.get("type") or ("command" if body.get("command") else "event")
    log.error("kam failed on a Slack %s", kind, exc_info=error)
    if kind == "view_submission":
        block = ids.LOG_SUMMARY[0]
        payload = {
            "response_action": "errors",
            "errors": {block: "Sorry, kam hit a problem and nothing was saved. Try again."},
        }
        return BoltResponse(
            status=200,
            body=json.dumps(payload),
            headers={"content-type": "application/json"},
        )
    apology = kb.apology_blocks()
    text = "Sorry, something went wrong on kam's side."
    response_url = body.get("response_url") or next(
        (u.get("response_url") for u in body.get("response_urls") or []), None
    )
    try:
        if response_url:
            WebhookClient(response_url).send(
                text=text,
                blocks=kb.dump(apology),
                response_type="ephemeral",
                replace_original=False,
            )
            return None
        user = (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
        if user:
            client.chat_postMessage(channel=user, text=text, blocks=kb.dump(apology))
    except (SlackApiError, OSError) as exc:
        log.warning("could not tell the user about the failure: %s", type(exc).__name__)
    return None
