"""What a failed Web API call means for kam: safe to repeat, perhaps done, or a token to fix.

One place for the classification, shared by the notifier (``kam remind``, the
scheduler) and the bot's start-up check. A token is never part of a message.
"""

from __future__ import annotations

import socket
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from core.checkins import NotifierUnusable, TransientDeliveryError, UncertainDeliveryError
from core.errors import KamError

RATE_LIMITED = {"ratelimited", "rate_limited"}
APP_WIDE = {
    "invalid_auth": "Slack does not accept {token} (invalid_auth)",
    "not_authed": "Slack received no token (not_authed); set {token}",
    "token_revoked": "{token} was revoked (token_revoked)",
    "token_expired": "{token} has expired (token_expired)",
    "account_inactive": "{token} belongs to a deactivated app or user (account_inactive)",
    "missing_scope": "{token} lacks the scope {needed} (missing_scope)",
}
FIX = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-…) from your Slack app's \"OAuth & "
    'Permissions" page (reinstall the app to the workspace if it was revoked or a scope was '
    "added) into the environment or .env",
    "SLACK_APP_TOKEN": "create an app-level token (xapp-…, scope connections:write) on your Slack "
    'app\'s "Basic Information" page and put it in the environment or .env',
}
NOT_REPEATABLE = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.meMessage",
        "chat.scheduleMessage",
        "views.open",
        "views.push",
        "files.upload",
        "files.completeUploadExternal",
    }
)
"""Methods that act again when repeated: never retried after the request went out."""


def token_problem(exc: SlackApiError, token: str = "SLACK_BOT_TOKEN") -> str | None:
    """What to fix when Slack refused the app itself (every call will fail), else None."""
    error = str(exc.response.get("error") or "")
    if error not in APP_WIDE:
        return None
    needed = str(exc.response.get("needed") or "listed in the README")
    what = APP_WIDE[error].format(token=token, needed=needed)
    return f"{what}: {FIX.get(token, 'fix it')}, then run kam again."


def as_delivery_error(exc: Exception, *, sent: bool) -> Exception | None:
    """The check-in engine's view of a failed call, or None if it is a plain failure.

    ``sent`` says whether the call acts when repeated (a post): then an answer that
    does not prove it failed (a 5xx, a timeout, a dropped connection) is uncertain,
    never safe to repeat.
    """
    if isinstance(exc, SlackApiError):
        problem = token_problem(exc)
        if problem is not None:
            return NotifierUnusable(problem)
        status = exc.response.status_code
        error = exc.response.get("error")
        if status == 429 or error in RATE_LIMITED:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after"
            )
            return TransientDeliveryError(
                f"Slack answered {status} {error}",
                retry_after=float(retry_after) if retry_after else None,
            )
        if status >= 500 or error in ("service_unavailable", "internal_error", "fatal_error"):
            message = f"Slack answered {status} {error}"
            return UncertainDeliveryError(message) if sent else TransientDeliveryError(message)
        return None
    if _refused(exc):
        return TransientDeliveryError(f"Slack unreachable: {_reason(exc)}", everyone=True)
    if isinstance(exc, (URLError, OSError, HTTPException)):
        message = f"no answer from Slack: {_reason(exc)}"
        return UncertainDeliveryError(message) if sent else TransientDeliveryError(message)
    return None


def _refused(exc: Exception) -> bool:
    """Whether the request certainly never reached Slack (refused, no such host)."""
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def _reason(exc: Exception) -> str:
    reason = exc.reason if isinstance(exc, URLError) else exc
    return str(reason) or type(reason).__name__


class RepeatableOnly(ConnectionErrorRetryHandler):
    """slack-sdk's retry of a dropped connection, for every method but those that post:
    a post whose connection dropped may have been posted, and is never sent again blind."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1]
        if method in NOT_REPEATABLE:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def check_token(client: WebClient, *, token: str = "SLACK_BOT_TOKEN") -> None:
    """Ask Slack (auth.test) whether the token works; a KamError says which to fix if not."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        raise KamError(
            token_problem(exc, token)
            or f"Slack refused {token} ({exc.response.get('error')}): {FIX.get(token, '')}."
        ) from None
    except (URLError, OSError, HTTPException) as exc:
        raise KamError(
            f"kam cannot reach Slack at {client.base_url} ({_reason(exc)}); check the network "
            "and SLACK_API_URL."
        ) from None
