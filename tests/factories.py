"""Small builders for test data, going through the real services."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from core.actors import Actor
from core.models import Account, AccountCreate, User, UserCreate
from core.services.accounts import create_account
from core.services.users import create_user

SYSTEM = Actor.system("test")


def user(session: Session, email: str = "anna@example.com", **fields: Any) -> User:
    fields.setdefault("name", email.split("@")[0].title())
    return create_user(UserCreate(email=email, **fields), session=session, actor=SYSTEM)


def account(session: Session, name: str = "Acme", **fields: Any) -> Account:
    return create_account(AccountCreate(name=name, **fields), session=session, actor=SYSTEM)
