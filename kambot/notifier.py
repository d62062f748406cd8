"""Reminders and digests as Slack direct messages: the check-in engine's ``Notifier``.

The engine claims each occurrence before calling ``deliver`` and records the
returned channel and ts, so the buttons on the message can later update it in
place. A failure the engine may safely retry (rate limited after the client's
own retries, Slack briefly down, the connection refused so nothing was
sent) raises ``TransientDeliveryError``; anything else, including a timeout
after the request went out (Slack may have posted it), is a plain failure, so
a reminder is never sent twice.
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from core.checkins import Delivery, DueItem, TransientDeliveryError, digest_key
from core.errors import KamError
from core.models import User
from core.settings import Settings
from kambot import blocks as kb

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = {"ratelimited", "service_unavailable", "internal_error", "fatal_error"}
METADATA_EVENT = "kam_reminder"
HISTORY_PAGE = 200
HISTORY_PAGES = 5
"""How far back a look-up reads a person's DMs from kam (1,000 messages) before it gives up."""


class SlackNotifier:
    """Sends each reminder, and each person's daily digest, as a DM from the bot."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def deliver(self, item: DueItem, user: User) -> Delivery:
        """One reminder with its buttons (log, snooze, done, open)."""
        return self._post(
            user,
            text=kb.fallback(f"{item.title}: {item.detail}"),
            blocks=kb.reminder_blocks(item),
            key=item.key,
        )

    def deliver_digest(self, user: User, items: list[DueItem], day: date) -> Delivery:
        """Everything due for ``user`` on ``day``, most urgent first, in one message."""
        return self._post(
            user,
            text=kb.fallback(f"Your kam digest for {day:%A %d %B}: {len(items)} due"),
            blocks=kb.digest_blocks(items, day),
            key=digest_key(user.id, day),
        )

    def reaches(self, user: User) -> bool:
        """Only people linked to a Slack user can get a DM (``Reach``): the sweep keeps
        what is due for the others waiting until they are linked."""
        return bool(user.slack_user_id)

    def how_to_reach(self, user: User) -> str:
        """The command that links ``user`` to Slack."""
        return f"kam users link {user.email} SLACK_USER_ID"

    def find_delivery(self, key: str, user: User) -> Delivery | None:
        """The DM kam posted for ``key``, if it arrived (``DeliveryLookup``).

        A sweeper that crashed in mid-send left the reminder undecided; kam
        finds its own message in the person's DMs by the key it put in the
        message's metadata (scope ``im:history``). None means it never arrived,
        so it may be sent. If Slack cannot be asked, or the DMs run further back
        than kam reads, this raises and the sweep sends nothing rather than risk
        a second copy.
        """
        if not user.slack_user_id:
            return None  # nothing can have been sent to someone Slack does not know
        opened = self.client.conversations_open(users=user.slack_user_id)
        channel = str(opened["channel"]["id"])
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = self.client.conversations_history(
                channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
            )
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                    return Delivery(channel=channel, ts=message.get("ts"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        raise KamError(
            f"kam read the last {HISTORY_PAGE * HISTORY_PAGES:,} messages to {user.email} "
            f"without finding {key}, and there are more."
        )

    def _post(self, user: User, *, text: str, blocks: list[Block], key: str) -> Delivery:
        if not user.slack_user_id:
            raise KamError(
                f"{user.email} has no Slack identity yet; link it with "
                f"`kam users link {user.email} SLACK_USER_ID`."
            )
        try:
            response = self.client.chat_postMessage(
                channel=user.slack_user_id,
                text=text,
                blocks=kb.dump(kb.within_message_limit(blocks)),
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                unfurl_links=False,
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error")
            if status == 429 or status >= 500 or error in TRANSIENT_ERRORS:
                retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                    "retry-after"
                )
                raise TransientDeliveryError(
                    f"Slack answered {status} {error}",
                    retry_after=float(retry_after) if retry_after else None,
                ) from exc
            raise
        except URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError):
                raise TransientDeliveryError("Slack unreachable: connection refused") from exc
            raise
        except ConnectionRefusedError as exc:
            raise TransientDeliveryError("Slack unreachable: connection refused") from exc
        return Delivery(channel=response.get("channel"), ts=response.get("ts"))


def build_notifier(settings: Settings) -> SlackNotifier:
    """The notifier ``kam remind`` sends through: the bot's own Web API client
    (``SLACK_API_URL``, the bot token, 429s waited out)."""
    from kambot.app import web_client

    return SlackNotifier(web_client(settings))
