"""Where the person behind a Slack request is looking, so that what kam says after the ack
reaches them there.

A slash command and a click on a message carry a ``response_url``: the answer
is an ephemeral message in that conversation. A click in the App Home tab
carries none, so the answer is a DM from the bot. A submitted modal stays open
(kam acks it with a "saving" form), so a failure is shown in the modal itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient

from kambot import blocks as kb

APOLOGY = "Sorry, something went wrong on kam's side."

Responder = Callable[..., Any]
"""bolt's ``respond`` (text=, blocks=, response_type=, replace_original=), or a stand-in."""


@dataclass(frozen=True)
class Where:
    """The person, and the conversation or modal they are in."""

    slack_user_id: str | None
    response_url: str | None = None
    view_id: str | None = None
    """The modal they submitted, which kam keeps open until it has an answer."""

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Where:
        """Read it from any request body: a command, a click, a submission or an event."""
        response_url = body.get("response_url") or next(
            (u["response_url"] for u in body.get("response_urls") or [] if u.get("response_url")),
            None,
        )
        user = (
            (body.get("user") or {}).get("id")
            or body.get("user_id")
            or (body.get("event") or {}).get("user")
        )
        view = (body.get("view") or {}) if body.get("type") == "view_submission" else {}
        return cls(slack_user_id=user, response_url=response_url, view_id=view.get("id"))

    def tell(
        self, client: WebClient, text: str, blocks: Sequence[Block], *, replace: bool = False
    ) -> None:
        """Say something only this person sees: in the conversation, else in a DM."""
        if self.response_url:
            WebhookClient(self.response_url).send(
                text=kb.fallback(text),
                blocks=kb.dump(blocks),
                response_type="ephemeral",
                replace_original=replace,
            )
        elif self.slack_user_id:
            client.chat_postMessage(
                channel=self.slack_user_id, text=kb.fallback(text), blocks=kb.dump(blocks)
            )

    def responder(self, client: WebClient, respond: Responder) -> Responder:
        """bolt's ``respond`` where the request has a response_url; where it has none (a
        click in the App Home tab), a stand-in that sends the same reply as a DM from
        kam, so whatever a click answers reaches the person."""
        if self.response_url:
            return respond
        person = self.slack_user_id

        def direct_message(text: str = "", blocks: Any = None, **_: Any) -> None:
            if person:
                client.chat_postMessage(channel=person, text=text, blocks=blocks)

        return direct_message

    def apologise(self, client: WebClient) -> None:
        """The short apology for a failure on kam's side, never its trace."""
        if self.view_id:
            client.views_update(view_id=self.view_id, view=kb.apology_modal())
        else:
            self.tell(client, APOLOGY, kb.apology_blocks())
