"""Small builders for test data, going through the real services."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from core.actors import Actor
from core.models import Account, User
from core.services.accounts import create_account
from core.services.users import create_user

SYSTEM = Actor.system("test")


def user(session: Session, email: str = "anna@example.com", **fields: Any) -> User:
    data = {"name": email.split("@")[0].title(), "email": email, **fields}
    return create_user(data, session=session, actor=SYSTEM)


def account(session: Session, name: str = "Acme", **fields: Any) -> Account:
    return create_account({"name": name, **fields}, session=session, actor=SYSTEM)
