"""What a request to ``/slack/events`` must be before bolt reads it.

bolt parses a body before it checks the signature, and reads fields it expects
without asking whether they are there: an unsigned request whose timestamp is
``abc``, a payload that is not JSON, or an action that is a string each ended in
a traceback and a 500. Here a request is refused first when it is not signed
with the signing secret in the last five minutes (401), then when it is not a
shape Slack sends (400): the fields kam reads, with their types, as pydantic
models. What passes is left to bolt (which answers 404 for what kam does not
listen for).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from slack_bolt import BoltResponse
from slack_sdk.signature import SignatureVerifier

MAX_AGE_SECONDS = 60 * 5


class Shape(BaseModel):
    """Fields kam reads, typed; anything else Slack adds is let through."""

    model_config = ConfigDict(extra="allow")


class Someone(Shape):
    id: str


Object = dict[str, Any]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class Envelope(Shape):
    """What bolt reads from any body before it finds a listener (its context: team,
    enterprise, user, channel), so each is of a type bolt can read."""

    authorizations: list[Object] | None = None
    is_enterprise_install: bool | None = None
    is_ext_shared_channel: bool | None = None
    enterprise: Object | str | None = None
    enterprise_id: str | None = None
    team: Object | str | None = None
    team_id: str | None = None
    user: Object | str | None = None
    user_id: str | None = None
    channel: Object | str | None = None
    channel_id: str | None = None
    message: Object | None = None
    previous_message: Object | None = None
    view: Object | None = None
    container: Object | None = None
    event: Object | None = None


class SlashCommand(Shape):
    command: str
    user_id: str
    trigger_id: str
    response_url: Url
    text: str = ""


class Action(Shape):
    action_id: str
    value: str | None = None
    selected_option: dict[str, Any] | None = None


class BlockActions(Shape):
    type: Literal["block_actions"]
    user: Someone
    actions: Annotated[list[Action], Field(min_length=1)]
    trigger_id: str | None = None
    response_url: Url | None = None
    """None for a click in the App Home tab."""
    container: Object | None = None


class State(Shape):
    values: dict[str, dict[str, Object]] = Field(default_factory=dict)
    """block_id → action_id → what was entered."""


class SubmittedView(Shape):
    id: str
    type: str
    callback_id: str = ""
    private_metadata: str = ""
    state: State = Field(default_factory=State)
    blocks: list[Object] = Field(default_factory=list)

    @model_validator(mode="after")
    def _metadata_is_kams(self) -> SubmittedView:
        """kam's forms carry a JSON object (or nothing) in their private_metadata."""
        if self.private_metadata and not isinstance(json.loads(self.private_metadata), dict):
            raise ValueError("private_metadata is not a JSON object")
        return self


class ViewSubmission(Shape):
    type: Literal["view_submission", "view_closed"]
    user: Someone
    view: SubmittedView


class BlockSuggestion(Shape):
    type: Literal["block_suggestion"]
    user: Someone
    action_id: str
    value: str = ""


class OtherPayload(Shape):
    """Shortcuts and the rest: kam does not listen for them, and bolt says so."""

    type: Literal["shortcut", "message_action", "interactive_message", "dialog_submission"]


class Interactive(Shape):
    """A form body's ``payload``: a click, a submitted form, a type-ahead."""

    payload: Annotated[
        BlockActions | ViewSubmission | BlockSuggestion | OtherPayload,
        Field(discriminator="type"),
    ]


class Event(Shape):
    type: str
    user: str | None = None
    tab: str | None = None

    @model_validator(mode="after")
    def _someone_opened_home(self) -> Event:
        if self.type == "app_home_opened" and self.user is None:
            raise ValueError("app_home_opened names no user")
        return self


class EventCallback(Shape):
    type: Literal["event_callback"]
    event: Event


class UrlVerification(Shape):
    type: Literal["url_verification"]
    challenge: str


class AppRateLimited(Shape):
    type: Literal["app_rate_limited"]


class Events(Shape):
    """A JSON body: an event, or Slack checking the request URL."""

    body: Annotated[EventCallback | UrlVerification | AppRateLimited, Field(discriminator="type")]


def _answer(status: int, message: str) -> BoltResponse:
    return BoltResponse(
        status=status, body=message, headers={"content-type": "text/plain; charset=utf-8"}
    )


def _header(headers: Mapping[str, str | Sequence[str]], name: str) -> str:
    value = headers.get(name) or ""
    return value if isinstance(value, str) else (value[0] if value else "")


def unsigned(raw: bytes, headers: Mapping[str, str | Sequence[str]], *, secret: str) -> bool:
    """Whether the request lacks a valid signature made in the last five minutes."""
    timestamp = _header(headers, "x-slack-request-timestamp")
    signature = _header(headers, "x-slack-signature")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        return True
    if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        return True
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True  # Slack signs UTF-8; these bytes were never sent by it
    return not SignatureVerifier(secret).is_valid(body, timestamp, signature)


def malformed(body: str, content_type: str) -> str | None:
    """Why a signed body is not one Slack sends (None when it is)."""
    try:
        if content_type.startswith("application/json"):
            event = json.loads(body)
            Events.model_validate({"body": event})
            Envelope.model_validate(event)
            return None
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in fields:
            payload = json.loads(fields["payload"])
            Interactive.model_validate({"payload": payload})
            Envelope.model_validate(payload)
        elif "command" in fields:
            SlashCommand.model_validate(fields)
        elif "ssl_check" not in fields:
            return "neither a command, an interactive payload nor an event"
    except json.JSONDecodeError:
        return "the body is not valid JSON"
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "the body"
        return f"{where}: {first['msg']}"
    return None


def refusal(
    raw: bytes | None, headers: Mapping[str, str | Sequence[str]], *, signing_secret: str
) -> BoltResponse | None:
    """401 for a request not signed by Slack, 400 for a signed one Slack could not have
    sent, None for one bolt may read."""
    if raw is None:
        return _answer(400, "Bad Request: unreadable Content-Length")
    if unsigned(raw, headers, secret=signing_secret):
        return _answer(401, "Unauthorized")
    problem = malformed(raw.decode("utf-8"), _header(headers, "content-type").lower())
    if problem is not None:
        return _answer(400, f"Bad Request: {problem}")
    return None
