"""The people at a customer and what is worth knowing about them: add, edit, retire a
contact; add, edit, remove a personal fact; find one by name, list them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from core import audit
from core.actors import Actor, ensure_can_change
from core.clock import utcnow
from core.errors import KamError, NotFound
from core.models import (
    Account,
    BuyingRole,
    Contact,
    ContactCreate,
    ContactUpdate,
    ReportingLine,
)
from core.services._records import change, insert, stamp_once
from core.validation import choice


class FactKind(StrEnum):
    """The personal facts kam keeps for a contact ("know them")."""

    HOMETOWN = "hometown"
    TEAM = "team"
    INTERESTS = "interests"
    FAMILY = "family"
    BIRTHDAY = "birthday"
    NOTE = "note"


FACT_COLUMNS: dict[FactKind, str] = {
    FactKind.HOMETOWN: "hometown",
    FactKind.TEAM: "favourite_team",
    FactKind.INTERESTS: "interests",
    FactKind.FAMILY: "family",
    FactKind.BIRTHDAY: "birthday",
    FactKind.NOTE: "notes",
}
"""The contact's column each fact lives in (where reminders and the card read it)."""
ADDED_TO = (FactKind.INTERESTS, FactKind.FAMILY, FactKind.NOTE)
"""Facts a second ``add`` extends ("golf; sailing"); the others have one value."""
CONTACT_FIELDS = ("name", "title", "email", "phone", "role", "reports_to")
"""What a person types about a contact (:func:`read_contact`)."""
CLEAR = ("", "-", "none")
"""What a person types to clear a field."""
FACT_ALIASES = {"favourite team": "team", "favorite team": "team", "notes": "note"}


def read_contact(
    account: Account, typed: Mapping[str, str], *, session: Session, editing: bool = False
) -> ContactCreate | ContactUpdate:
    """The contact (or, ``editing``, the change) that ``typed`` asks for: field name
    (name, title, email, phone, role, reports_to) → text as typed. Empty text clears an
    optional field; whoever they report to is named as a contact of the same account."""
    values: dict[str, Any] = {}
    for name, text in typed.items():
        cleared = text.strip().casefold() in CLEAR
        if name == "name":
            values[name] = text
        elif name == "role":
            values["buying_role"] = None if cleared else choice(text, BuyingRole, "buying role")
        elif name == "reports_to":
            boss = None if cleared else find_contact(account, text, session=session)
            values["reports_to_id"] = boss.id if boss else None
        elif name in ("title", "email", "phone"):
            values[name] = None if cleared else text.strip()
        else:
            raise KamError(f"A contact has no field {name!r}; it has {', '.join(CONTACT_FIELDS)}.")
    return ContactUpdate(**values) if editing else ContactCreate(**values)


def add_contact(
    account: Account, contact: ContactCreate, *, session: Session, actor: Actor
) -> Contact:
    """Add a person at the customer, with whatever personal facts are known; whoever they
    report to must be a contact of the same account."""
    ensure_can_change(actor, account)
    boss = _boss(account, contact.reports_to_id, session=session)
    row = insert(Contact, contact, account=account, session=session, actor=actor)
    if boss is not None:
        _report(row, boss, session=session, actor=actor)
    return row


def edit_contact(
    contact: Contact, changes: ContactUpdate, *, session: Session, actor: Actor
) -> Contact:
    """Change the fields ``changes`` sets (checked as on adding); the audit keeps both
    versions. ``reports_to_id`` None removes the reporting line."""
    account = _account(contact, session=session)
    ensure_can_change(actor, account)
    fields = changes.model_dump(exclude_unset=True, exclude={"reports_to_id"})
    if "reports_to_id" in changes.model_fields_set:
        boss = _boss(account, changes.reports_to_id, session=session, who=contact)
        _report(contact, boss, session=session, actor=actor)
    if fields:
        change(contact, {**fields, "updated_at": utcnow()}, session=session, actor=actor)
    return contact


def retire_contact(
    contact: Contact, *, session: Session, actor: Actor, now: datetime | None = None
) -> Contact:
    """Mark a person as gone (left the company, moved on): they leave the card, the
    reminders and the decision-maker count, and stay in the history."""
    return stamp_once(contact, "retired_at", now or utcnow(), session=session, actor=actor)


def _account(contact: Contact, *, session: Session) -> Account:
    account = session.get(Account, contact.account_id)
    assert account is not None
    return account


def _boss(
    account: Account, boss_id: int | None, *, session: Session, who: Contact | None = None
) -> Contact | None:
    """The contact someone reports to: of the same account, not themselves, no loop."""
    if boss_id is None:
        return None
    ensure_contact_at(account, boss_id, session=session)
    boss = session.get(Contact, boss_id)
    assert boss is not None
    if who is not None and boss_id == who.id:
        raise KamError(f"{who.name} cannot report to themselves.")
    if who is not None:
        seen = {boss_id}
        above: int | None = boss_id
        while above is not None:
            if above == who.id:
                raise KamError(f"{who.name} cannot report to {boss.name}, who reports to them.")
            above = session.exec(
                select(ReportingLine.reports_to_id).where(ReportingLine.contact_id == above)
            ).first()
            if above in seen:
                break
            seen.add(above)  # type: ignore[arg-type]
    return boss


def _report(contact: Contact, boss: Contact | None, *, session: Session, actor: Actor) -> None:
    """Record (or remove, with no ``boss``) whom ``contact`` reports to, audited."""
    line = session.exec(select(ReportingLine).where(ReportingLine.contact_id == contact.id)).first()
    if boss is None:
        if line is not None:
            audit.record(
                "delete",
                "reporting_line",
                line.id,
                session=session,
                actor=actor,
                before=audit.as_json(line),
            )
            session.delete(line)
            session.flush()
        return
    if line is None:
        assert contact.id is not None and boss.id is not None
        new = ReportingLine(contact_id=contact.id, reports_to_id=boss.id)
        audit.created("reporting_line", new, session=session, actor=actor)
    elif line.reports_to_id != boss.id:
        change(line, {"reports_to_id": boss.id}, session=session, actor=actor)


def bosses(contact_ids: Sequence[int | None], *, session: Session) -> dict[int | None, str]:
    """The name of whom each contact reports to, by contact id."""
    ids = [i for i in contact_ids if i is not None]
    if not ids:
        return {}
    rows = session.exec(
        select(ReportingLine.contact_id, Contact.name)
        .join(Contact, col(Contact.id) == col(ReportingLine.reports_to_id))
        .where(col(ReportingLine.contact_id).in_(ids))
    ).all()
    return dict(rows)


def fact_kind(text: str) -> FactKind:
    """The fact a person names ("Hometown", "favourite team"), or a refusal listing them."""
    words = " ".join((text or "").casefold().replace("_", " ").replace("-", " ").split())
    kind = choice(FACT_ALIASES.get(words, words), FactKind, "personal fact")
    if kind is None:
        raise KamError("Name the personal fact: " + ", ".join(k.value for k in FactKind) + ".")
    return kind


def _fact_value(kind: FactKind, text: str) -> Any:
    text = (text or "").strip()
    if not text:
        raise KamError(f"The {kind.value} is empty; write what you learned.")
    if kind is FactKind.BIRTHDAY:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise KamError(
                f"Cannot read {text!r} as a birthday; write it as YYYY-MM-DD, e.g. 1980-05-14."
            ) from None
    return text


def add_fact(
    contact: Contact, kind: FactKind, text: str, *, session: Session, actor: Actor
) -> Contact:
    """Note a personal fact; interests, family and notes grow ("golf; sailing"), a
    hometown, team or birthday already noted is changed with :func:`edit_fact`."""
    column = FACT_COLUMNS[kind]
    value = _fact_value(kind, text)
    current = getattr(contact, column)
    if current is not None and kind not in ADDED_TO:
        raise KamError(
            f"{contact.name}'s {kind.value} is already noted ({current}); "
            "change it with `fact edit`."
        )
    if current:
        value = f"{current}; {value}"
    return edit_contact(contact, ContactUpdate(**{column: value}), session=session, actor=actor)


def edit_fact(
    contact: Contact, kind: FactKind, text: str, *, session: Session, actor: Actor
) -> Contact:
    """Replace a personal fact with what is true now."""
    value = _fact_value(kind, text)
    changes = ContactUpdate(**{FACT_COLUMNS[kind]: value})
    return edit_contact(contact, changes, session=session, actor=actor)


def remove_fact(contact: Contact, kind: FactKind, *, session: Session, actor: Actor) -> Contact:
    """Forget a personal fact (wrong, or no longer true)."""
    column = FACT_COLUMNS[kind]
    if getattr(contact, column) is None:
        raise KamError(f"No {kind.value} is noted for {contact.name}; nothing to remove.")
    return edit_contact(contact, ContactUpdate(**{column: None}), session=session, actor=actor)


def find_contact(account: Account, name: str, *, session: Session) -> Contact:
    """A current contact of ``account`` by name (any case), or NotFound listing who is
    there."""
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
    """The account's current (not retired) contacts, decision makers first."""
    return session.exec(
        select(Contact)
        .where(Contact.account_id == account.id, col(Contact.retired_at).is_(None))
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
