"""Who is typing: a Slack user becomes a kam user, by link or by their profile e-mail.

The first time someone unlinked uses kam, their Slack profile's e-mail
(users.info, scope users:read.email) is looked up; a kam user with that address
who has no other Slack identity is linked to them, and the link is audited.
Anyone else is told how to be linked, and nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.actors import Actor
from core.db import session_scope
from core.models import User
from core.services import users
from kambot.context import Kam

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """The Slack user and, when known, their kam user (detached from any session)."""

    slack_user_id: str
    user: User | None
    email: str | None = None

    def actor(self) -> Actor:
        assert self.user is not None
        return Actor.of(self.user, f"slack:{self.slack_user_id}")


def _profile_email(client: WebClient, slack_user_id: str) -> str | None:
    try:
        response = client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        log.warning("users.info failed for %s: %s", slack_user_id, exc.response.get("error"))
        return None
    profile = (response.get("user") or {}).get("profile") or {}
    email = profile.get("email")
    return email if isinstance(email, str) and "@" in email else None


def resolve(slack_user_id: str, *, kam: Kam, client: WebClient) -> Identity:
    """The kam user behind ``slack_user_id``, linking them by e-mail on first use."""
    with session_scope(kam.engine) as session:
        user = users.get_user_by_slack_id(slack_user_id, session=session)
        if user is not None:
            return Identity(slack_user_id, user if user.active else None, user.email)
    email = _profile_email(client, slack_user_id)
    if email is None:
        return Identity(slack_user_id, None, None)
    with session_scope(kam.engine) as session:
        user = users.link_slack_by_email(
            email,
            slack_user_id,
            session=session,
            actor=Actor.system(f"slack:{slack_user_id} (matched by e-mail)"),
        )
    if user is None:
        return Identity(slack_user_id, None, email)
    log.info("linked Slack user %s to kam user %s by e-mail", slack_user_id, user.id)
    return Identity(slack_user_id, user, user.email)
