"""The bolt App: its Web API client, its listeners, and the error handler (kambot.failures).

``create_app`` is the only place that knows the tokens. They stay SecretStr
until the App and its WebClient are built, and neither they nor request
bodies are ever logged.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from core.db import Engine
from core.errors import KamError
from core.settings import Settings
from kambot import failures, pickers
from kambot.context import Kam
from kambot.listeners import actions, commands, events, shortcuts, views
from kambot.slack_errors import RepeatableOnly, check_token

RATE_LIMIT_RETRIES = 2
CONNECTION_RETRIES = 2
LISTENER_THREADS = 64


def web_client(settings: Settings, *, wait_out_rate_limits: bool = True) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that retries dropped connections only of calls
    that are safe to repeat (never a post: ``RepeatableOnly``) and, unless told not
    to, waits out 429s (the sweep paces itself instead)."""
    if settings.slack_bot_token is None:
        raise KamError(
            "SLACK_BOT_TOKEN is not set. Put the bot token (xoxb-…) from your Slack app's "
            '"OAuth & Permissions" page in the environment or .env.'
        )
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    handlers: list[RetryHandler] = [RepeatableOnly(max_retry_count=CONNECTION_RETRIES)]
    if wait_out_rate_limits:
        handlers.insert(0, RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=base_url,
        retry_handlers=handlers,
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


def create_app(
    settings: Settings, engine: Engine, *, kam: Kam | None = None, workers: int = LISTENER_THREADS
) -> App:
    """The Slack app over ``engine``, with every listener registered.

    ``workers`` threads run listeners. bolt acks from the listener's own thread,
    so a request waits for a free one before it is acked: with bolt's default of
    5, a burst of commands queued behind the database work of the first few."""
    if settings.slack_signing_secret is None:
        raise KamError(
            "SLACK_SIGNING_SECRET is not set. Copy it from your Slack app's "
            '"Basic Information" page into the environment or .env.'
        )
    client = web_client(settings)
    check_token(client)
    _withhold_rejected_bodies()
    app = App(
        name="kam",
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("kambot.bolt"),
        listener_executor=ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="kam-listener"
        ),
    )
    shared = kam or Kam(engine=engine, settings=settings)

    def hand_over_kam(context: Any, next: Any) -> None:
        """Every listener receives the database, settings and clock as ``kam``."""
        context["kam"] = shared
        next()

    app.middleware(hand_over_kam)
    for module in (commands, actions, views, events, shortcuts, pickers):
        module.register(app)
    app.error(failures.handle_error)
    return app
