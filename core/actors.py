"""Who is acting, and what they may change."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import Forbidden
from core.models import Account, Role, User


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
    """Account managers change their own accounts; managers, admins and the system all."""
    user = actor.user
    if user is None:
        return True
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    return account.owner_id is not None and account.owner_id == user.id


def ensure_can_change(actor: Actor, account: Account) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may change ``account``."""
    if not can_change(actor, account):
        raise Forbidden(
            f"You can change only your own accounts, and {account.name} is not one of them. "
            "Ask its owner or a manager."
        )
