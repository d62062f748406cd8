"""The due list: derived items, minus what people snoozed, did or dismissed, with
the personal notes worth bringing up ("know them") and drafted thank-yous."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, bindparam
from sqlalchemy import select as wide_select
from sqlmodel import Session, col

from core import teams
from core.checkins.config import CheckinConfig, load_checkin_config
from core.checkins.derive import derive
from core.checkins.items import DueItem
from core.checkins.kind import Derived, Scope
from core.checkins.kinds import thank_you
from core.checkins.sql import among_bound, chunked, rows
from core.checkins.triage import CLOSED, ReminderRow, hidden, reminder_rows
from core.checkins.urgency import order_key, why
from core.models import Contact

__all__ = [
    "CLOSED",
    "ReminderRow",
    "as_shown",
    "due_items",
    "enrich",
    "reminder_rows",
    "visible",
]

FACTS = (  # what is worth knowing, in the words a salesperson uses
    ("favourite_team", "supports {}"),
    ("hometown", "from {}"),
    ("interests", "into {}"),
    ("family", "family: {}"),
)
OPENERS = (  # the personal line of a drafted thank-you: the first fact known, asked about
    ("favourite_team", "How did {} do this week?"),
    ("hometown", "How are things in {}?"),
    ("interests", "Have you had time for {} lately?"),
    ("family", "I hope all is well with the family."),
)
NOTED_CONTACTS = 3
BIRTHDAY_HORIZON_DAYS = 30


def visible(
    derived: list[Derived], *, session: Session, now: datetime
) -> tuple[list[Derived], dict[str, ReminderRow]]:
    """The derived items nobody has put away, and the stored rows of all of them."""
    stored = reminder_rows((d.item.key for d in derived), session=session)
    return [d for d in derived if not hidden(d.item.key, stored, now)], stored


KNOWN = ("name", "title", *(field for field, _ in FACTS), "birthday", "notes")
"""What the notes and drafts read of a contact."""

Known = Any
"""A contact as the notes and drafts read it: a row with the :data:`KNOWN` columns."""


def _contacts(account_ids: Collection[int], *, session: Session) -> dict[int, list[Known]]:
    """Each account's current contacts, decision makers first: the columns the notes
    read, as rows (a due list reads a few hundred; whole records cost more to build
    than the query)."""
    by_account: dict[int, list[Known]] = defaultdict(list)
    for part in chunked(sorted(account_ids)):
        for contact in rows(session, CONTACTS, {CONTACTS_OF.key: list(part)}):
            by_account[contact.account_id].append(contact)
    return by_account


CONTACTS_OF: Any = bindparam("contacts_of", type_=Integer(), required=True)
CONTACTS = (
    wide_select(col(Contact.account_id), *(getattr(Contact, name) for name in KNOWN))
    .where(among_bound(col(Contact.account_id), CONTACTS_OF), col(Contact.retired_at).is_(None))
    .order_by(col(Contact.decision_maker).desc(), col(Contact.name), col(Contact.id))
)
"""The current contacts of some accounts (``contacts_of``), built once."""


def _birthday_in(birthday: date, today: date) -> int:
    try:
        this_year = birthday.replace(year=today.year)
    except ValueError:  # 29 February
        this_year = date(today.year, 3, 1)
    if this_year < today:
        try:
            this_year = birthday.replace(year=today.year + 1)
        except ValueError:
            this_year = date(today.year + 1, 3, 1)
    return (this_year - today).days


def personal_facts(contact: Known, today: date) -> list[str]:
    """What is worth knowing about one person, in the words a salesperson uses."""
    facts = [said.format(value) for field, said in FACTS if (value := getattr(contact, field))]
    if contact.birthday:
        days = _birthday_in(contact.birthday, today)
        when = f"{contact.birthday:%d %B}".lstrip("0")
        if days == 0:
            facts.append(f"birthday today ({when})")
        elif days <= BIRTHDAY_HORIZON_DAYS:
            facts.append(f"birthday {when} (in {days} days)")
        else:
            facts.append(f"birthday {when}")
    if contact.notes:
        note = " ".join(contact.notes.split())
        facts.append(f"note: {note[:200]}")
    return facts


def how_to_add_fact(account_name: str) -> str:
    """The command that notes a personal fact, as reminders suggest it."""
    return f'`kam fact add "{account_name}" CONTACT hometown Lyon` (in Slack, `/kam fact add`)'


def personal_notes(account_name: str, contacts: list[Known], today: date) -> list[str]:
    """The "know them" lines for an account's reminder."""
    notes = []
    for contact in contacts:
        facts = personal_facts(contact, today)
        if not facts:
            continue
        who = f"{contact.name} ({contact.title})" if contact.title else contact.name
        notes.append(f"{who}: " + "; ".join(facts))
        if len(notes) == NOTED_CONTACTS:
            break
    if not notes:
        notes.append(
            f"Nothing personal is noted for anyone at {account_name} yet: "
            f"ask about them, and note it with {how_to_add_fact(account_name)}."
        )
    return notes


def thank_you_draft(account_name: str, occasion: str, contacts: list[Known], today: date) -> str:
    """A short thank-you in the owner's voice, naming the contact and a personal fact."""
    personal = [c for c in contacts if any(getattr(c, field) for field, _ in OPENERS)]
    chosen = personal or contacts
    contact = chosen[0] if chosen else None
    greeting = f"Hi {contact.name.split()[0]}," if contact else f"Hi all at {account_name},"
    lines = [
        greeting,
        "",
        f"Thank you for {occasion}. We really value working with {account_name}, "
        "and I will personally make sure everything goes smoothly.",
    ]
    if contact is not None:
        extra = [
            asked.format(value) for field, asked in OPENERS if (value := getattr(contact, field))
        ][:1]
        if contact.birthday and _birthday_in(contact.birthday, today) <= 14:
            extra.append("And happy birthday in advance!")
        if extra:
            lines += ["", " ".join(extra)]
    return "\n".join(lines)


def enrich(derived: list[Derived], *, session: Session, now: datetime) -> list[DueItem]:
    """Add personal notes to every item, a draft to every thank-you, and to each why it
    stands where it does (:mod:`core.checkins.urgency`)."""
    contacts = _contacts(
        {d.item.account_id for d in derived if d.item.account_id is not None}, session=session
    )
    today = now.date()
    noted: dict[tuple[int | None, str], list[str]] = {}  # an account's notes, written once
    out = []
    for d in derived:
        item = d.item
        people = contacts.get(item.account_id, []) if item.account_id is not None else []
        draft = None
        if item.kind == thank_you.NAME and d.occasion:
            draft = thank_you_draft(item.account_name, d.occasion, people, today)
        about = (item.account_id, item.account_name)
        notes = noted.get(about)
        if notes is None:
            notes = noted[about] = personal_notes(item.account_name, people, today)
        out.append(item.told(personal_notes=list(notes), draft=draft, why=why(item)))
    return out


def due_items(
    *,
    session: Session,
    now: datetime,
    user_id: int | None = None,
    team_of: int | None = None,
    config: CheckinConfig | None = None,
) -> list[DueItem]:
    """What is due at ``now``, most urgent first (:mod:`core.checkins.urgency`).

    ``user_id`` gives one person's list; ``team_of`` the whole team of that
    person (:func:`core.teams.team_of`: their own if they lead one, else their
    manager's); neither, everyone's (unowned accounts too).
    """
    config = config or load_checkin_config()
    user_ids: set[int] | None = None
    if user_id is not None:
        user_ids = {user_id}
    if team_of is not None:
        user_ids = (user_ids or set()) | teams.team_of(team_of, session=session).member_ids
    scope = Scope(user_ids=frozenset(user_ids) if user_ids is not None else None)
    shown, _rows = visible(
        derive(session=session, now=now, config=config, scope=scope), session=session, now=now
    )
    return sorted(enrich(shown, session=session, now=now), key=order_key)


def items_for_accounts(
    account_ids: Collection[int], *, session: Session, now: datetime
) -> list[Derived]:
    """The derived items of a few accounts (what an action on a key looks up)."""
    scope = Scope(account_ids=frozenset(account_ids))
    return derive(session=session, now=now, config=load_checkin_config(), scope=scope)


def as_shown(
    key: str, stored: dict[str, Any] | None, *, user_id: int, session: Session, now: datetime
) -> DueItem | None:
    """Reminder ``key`` as its person saw it, to draw it again after they acted on it.

    While it is due, the item from their due list, with its personal notes and
    draft. Otherwise the item as the sweep stored it (``stored``, the reminder's
    payload, which it claims before notes and drafts are added), with the notes
    known of the account's people now. None when neither is known.
    """
    current = next(
        (i for i in due_items(session=session, now=now, user_id=user_id) if i.key == key), None
    )
    if current is not None:
        return current
    if not stored or "title" not in stored:
        return None
    try:
        item = DueItem.from_dict(stored)
    except (KeyError, TypeError, ValueError):
        return None
    if item.personal_notes or item.account_id is None:
        return item
    people = _contacts({item.account_id}, session=session).get(item.account_id, [])
    return replace(item, personal_notes=personal_notes(item.account_name, people, now.date()))
