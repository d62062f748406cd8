"""Who is acting, and what they may change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy.orm import object_session
from sqlmodel import Session

from core.errors import Forbidden
from core.models import Account, Role, User
from core.teams import team_of


@dataclass(frozen=True)
class Actor:
    """The person or process behind a change, as the audit trail names it."""

    label: str
    user: User | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """A trusted local process (the CLI without --as, a loader, a job)."""
        return cls(label=label)

    @classmethod
    def of(cls, user: User, via: str) -> Actor:
        """A kam user acting through a front end (``via`` is "cli", "slack:U123"…)."""
        return cls(label=f"{via} {user.email}", user=user)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


def can_change(actor: Actor, account: Account) -> bool:
    """Account managers change their own accounts; managers their team's (and accounts
    nobody owns yet); admins and the system all.

    The team is :func:`core.teams.team_of`'s: the manager and the people who report to
    them, so a manager may not change another team's account.
    """
    user = actor.user
    if user is None or user.role == Role.ADMIN:
        return True
    if account.owner_id is not None and account.owner_id == user.id:
        return True
    if user.role != Role.MANAGER or user.id is None:
        return False
    if account.owner_id is None:
        return True
    session = object_session(account)
    if session is None:  # a detached account: its owner cannot be looked up
        return False
    return account.owner_id in team_of(user.id, session=cast(Session, session)).member_ids


def ensure_can_change(actor: Actor, account: Account) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may change ``account``."""
    if not can_change(actor, account):
        raise Forbidden(
            f"You can change only your own accounts (a manager: their team's), and "
            f"{account.name} is not one of them. Ask its owner or their manager."
        )
