"""Who an address belongs to: one of our people, a contact, an account, or no one yet.

An address that is a contact's places the touch with that contact and their
account. Otherwise its domain may place it with an account: a domain the team
named in ``[capture] domains``, or one that the contacts of exactly one account use.
A free-mail domain (``gmail.com``…) never places anyone by domain. The team's own
addresses (kam users, the mailbox owner) are ours, never a customer's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.capture.config import CaptureConfig
from core.models import Account, Contact, User, name_key


@dataclass(frozen=True)
class Placed:
    """Where an address belongs: an account, and the contact when kam knows them."""

    account_id: int
    contact_id: int | None = None


def domain_of(address: str) -> str:
    """The domain of an address, lower-cased ('' for none)."""
    return address.rpartition("@")[2].lower().strip()


@dataclass
class Matcher:
    """Every contact address and every domain, read once per capture run.

    Looking an address up is a dictionary look-up; ``bench/capture.py`` compares it
    with a query per address.
    """

    contacts: dict[str, Placed]
    domains: dict[str, int]
    ours: set[str] = field(default_factory=set)

    def is_ours(self, address: str) -> bool:
        """True for an address of our own team."""
        return address.lower() in self.ours

    def place(self, address: str) -> Placed | None:
        """The contact (and account) or the account an address belongs to, if any."""
        key = address.lower()
        if (contact := self.contacts.get(key)) is not None:
            return contact
        account = self.domains.get(domain_of(key))
        return Placed(account) if account is not None else None


def load_matcher(config: CaptureConfig, *, session: Session, own: tuple[str, ...] = ()) -> Matcher:
    """A matcher from the contacts, accounts and users stored now."""
    contacts: dict[str, Placed] = {}
    by_domain: dict[str, set[int]] = defaultdict(set)
    rows = session.exec(
        select(Contact.email, Contact.id, Contact.account_id).where(col(Contact.email).is_not(None))
    )
    for email, contact_id, account_id in rows:
        assert email is not None
        key = email.lower().strip()
        contacts.setdefault(key, Placed(account_id, contact_id))
        domain = domain_of(key)
        if domain and domain not in config.free_mail:
            by_domain[domain].add(account_id)
    domains = {d: next(iter(ids)) for d, ids in by_domain.items() if len(ids) == 1}
    if config.domains:
        wanted: dict[str, list[str]] = defaultdict(list)
        for domain, name in config.domains.items():
            wanted[name_key(name)].append(domain)
        named = session.exec(
            select(Account.name_key, Account.id).where(col(Account.name_key).in_(wanted))
        )
        for key, found in named:
            assert found is not None
            domains.update(dict.fromkeys(wanted[key], found))
    ours = {e.lower() for e in session.exec(select(User.email))} | {o.lower() for o in own}
    return Matcher(contacts=contacts, domains=domains, ours=ours)


def place_by_query(address: str, *, session: Session) -> Placed | None:
    """The same contact look-up as one query per address (the plain SQL way, for the
    benchmark beside :class:`Matcher`)."""
    row = session.exec(
        select(Contact.account_id, Contact.id)
        .where(func.lower(Contact.email) == address.lower())
        .limit(1)
    ).first()
    return Placed(row[0], row[1]) if row is not None else None
