"""Who is on a person's team: one rule for the due list, ``/kam due team`` and the TUI.

A team is a lead and the people who report to the lead. A person who manages
someone, or who has no manager, leads their own team; anyone else belongs to
their manager's team. So "my team" is the same people for a manager and for
each of the people who report to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from core.models import User


@dataclass(frozen=True)
class Team:
    """A lead and everyone who reports to them (the lead included in ``member_ids``)."""

    lead_id: int
    member_ids: frozenset[int]


def lead_of(person_id: int, manager_id: int | None, *, manages_someone: bool) -> int:
    """The lead of ``person_id``'s team: themselves if they manage someone or have no
    manager, else their manager."""
    return person_id if manages_someone or manager_id is None else manager_id


def team_leads(managers: Mapping[int, int | None]) -> dict[int, int]:
    """Every person's team lead, by :func:`lead_of`, from each person's manager.

    For whole-portfolio work (capacity per team) where asking :func:`team_of` person
    by person would be a query each.
    """
    managing = {m for m in managers.values() if m is not None}
    return {
        person: lead_of(person, manager, manages_someone=person in managing)
        for person, manager in managers.items()
    }


def team_of(person_id: int, *, session: Session) -> Team:
    """The team ``person_id`` belongs to, as the due list and the portfolio scopes read it."""
    manager_id = session.exec(select(User.manager_id).where(col(User.id) == person_id)).first()
    manages = session.exec(
        select(col(User.id)).where(col(User.manager_id) == person_id).limit(1)
    ).first()
    lead = lead_of(person_id, manager_id, manages_someone=manages is not None)
    members = session.exec(
        select(col(User.id)).where(or_(col(User.manager_id) == lead, col(User.id) == lead))
    ).all()
    return Team(lead_id=lead, member_ids=frozenset(i for i in members if i is not None))
