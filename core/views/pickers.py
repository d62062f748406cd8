"""What a type-ahead picker offers: accounts, or one account's contacts, matching what
was typed so far.

A picker holds at most :data:`PICK_LIMIT` options (Slack's limit for a menu), so
none of them lists everything: each answers what was typed, names that begin with
it first, then names that contain it, alphabetically. Any account or contact is
reachable by typing part of its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case
from sqlmodel import Session, col, select

from core.models import Account, Contact, name_key
from core.services.contacts import contacts_of

PICK_LIMIT = 100


@dataclass(frozen=True)
class Choice:
    """One option of a picker: the record's id as ``value``, and what the person reads."""

    value: str
    label: str


def _like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def account_choices(typed: str, *, session: Session, limit: int = PICK_LIMIT) -> list[Choice]:
    """Accounts whose name contains ``typed`` (any case), those starting with it first."""
    key = _like(name_key(typed))
    starts = col(Account.name_key).like(f"{key}%", escape="\\")
    rows = session.exec(
        select(Account.id, Account.name)
        .where(col(Account.name_key).like(f"%{key}%", escape="\\"))
        .order_by(case((starts, 0), else_=1), col(Account.name_key))
        .limit(limit)
    ).all()
    return [Choice(str(account_id), name) for account_id, name in rows]


def contact_choices(
    account: Account, typed: str, *, session: Session, limit: int = PICK_LIMIT
) -> list[Choice]:
    """``account``'s contacts whose name (or title) contains ``typed``, decision makers
    first among those whose name starts with it."""
    key = name_key(typed)
    found = []
    for contact in contacts_of(account, session=session):
        name = name_key(contact.name)
        if key in name or (contact.title and key in name_key(contact.title)):
            found.append((not name.startswith(key), contact))
    found.sort(key=lambda pair: pair[0])  # stable: decision makers, then by name
    return [Choice(str(c.id), _contact_label(c)) for _, c in found[:limit]]


def _contact_label(contact: Contact) -> str:
    return f"{contact.name} ({contact.title})" if contact.title else contact.name
