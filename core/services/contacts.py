"""The people at a customer: add one, find one by name, list them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from core.actors import Actor
from core.errors import KamError, NotFound
from core.models import Account, Contact, ContactCreate
from core.services._records import insert


def add_contact(
    account: Account, contact: ContactCreate, *, session: Session, actor: Actor
) -> Contact:
    """Add a person at the customer, with whatever personal facts are known."""
    return insert(Contact, contact, account=account, session=session, actor=actor)


def find_contact(account: Account, name: str, *, session: Session) -> Contact:
    """A contact of ``account`` by name (any case), or NotFound listing who is there."""
    contacts = contacts_of(account, session=session)
    wanted = name.strip().casefold()
    for contact in contacts:
        if contact.name.casefold() == wanted:
            return contact
    matches = [c for c in contacts if wanted and wanted in c.name.casefold()]
    if len(matches) == 1:
        return matches[0]
    raise NotFound(
        f"{account.name} has no contact called {name!r}.", [c.name for c in contacts][:5]
    )


def contacts_of(account: Account, *, session: Session) -> Sequence[Contact]:
    """The account's contacts, decision makers first."""
    return session.exec(
        select(Contact)
        .where(Contact.account_id == account.id)
        .order_by(col(Contact.decision_maker).desc(), col(Contact.name))
    ).all()


def ensure_contact_at(account: Account, contact_id: int | None, *, session: Session) -> None:
    """Refuse a contact who is not one of ``account``'s people: a record names only its
    own account's contacts."""
    if contact_id is None:
        return
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise KamError(f"There is no contact with id {contact_id}.")
    if contact.account_id != account.id:
        raise KamError(f"{contact.name} is not a contact at {account.name}.")
