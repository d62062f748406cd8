"""Reminders and digests as Slack direct messages: the check-in engine's ``Notifier``.

The engine claims each occurrence before calling ``deliver`` and records the
returned channel and ts, so the buttons on the message can later update it in
place. Its client never repeats a post by itself (no retry of a dropped
connection, no waiting out a 429 inside the call). A failure that certainly
posted nothing (a 429, the connection refused) raises
``TransientDeliveryError`` and the sweep tries again later; one that may have
posted (a 5xx, a timeout, a dropped connection) raises
``UncertainDeliveryError`` and the next attempt looks the message up by its
key first; a token Slack refuses raises ``NotifierUnusable``, which stops the
sweep and says which token to fix (``kambot.slack_errors``).
"""

from __future__ import annotations

import logging
from datetime import date

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from core.checkins import Delivery, DueItem, digest_key
from core.errors import KamError
from core.models import User
from core.settings import Settings
from kambot import blocks as kb
from kambot.slack_errors import as_delivery_error

log = logging.getLogger(__name__)

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
        try:
            return self._find(key, user.slack_user_id, user.email)
        except Exception as exc:
            raise (as_delivery_error(exc, sent=False) or exc) from exc

    def _find(self, key: str, slack_user_id: str, email: str) -> Delivery | None:
        opened = self.client.conversations_open(users=slack_user_id)
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
            f"kam read the last {HISTORY_PAGE * HISTORY_PAGES:,} messages to {email} "
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
        except Exception as exc:
            raise (as_delivery_error(exc, sent=True) or exc) from exc
        return Delivery(channel=response.get("channel"), ts=response.get("ts"))


def build_notifier(settings: Settings) -> SlackNotifier:
    """The notifier ``kam remind`` and the bot's scheduler send through: a Web API
    client on ``SLACK_API_URL`` with the bot token that never repeats a post and
    leaves 429s to the sweep's per-person pace."""
    from kambot.app import web_client

    return SlackNotifier(web_client(settings, wait_out_rate_limits=False))
