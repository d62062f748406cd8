"""Who is on a person's team: one rule for the due list, ``/kam due team`` and the TUI.

A team is a lead and the people who report to the lead. A person who manages
someone, or who has no manager, leads their own team; anyone else belongs to
their manager's team. So "my team" is the same people for a manager and for
each of the people who report to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from core.models import User


@dataclass(frozen=True)
class Team:
    """A lead and everyone who reports to them (the lead included in ``member_ids``)."""

    lead_id: int
    member_ids: frozenset[int]


def team_of(person_id: int, *, session: Session) -> Team:
    """The team ``person_id`` belongs to, as the due list and the portfolio scopes read it."""
    manager_id = session.exec(select(User.manager_id).where(col(User.id) == person_id)).first()
    manages = session.exec(
        select(col(User.id)).where(col(User.manager_id) == person_id).limit(1)
    ).first()
    lead = person_id if manages is not None or manager_id is None else manager_id
    members = session.exec(
        select(col(User.id)).where(or_(col(User.manager_id) == lead, col(User.id) == lead))
    ).all()
    return Team(lead_id=lead, member_ids=frozenset(i for i in members if i is not None))
