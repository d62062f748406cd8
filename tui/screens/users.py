"""The people on the team: who they are, their role and manager, whether they are still
here; changed and deactivated through core's rights (admins; managers for their team)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from core.services.users import Person
from tui.screens.forms import USER_DEACTIVATE, USER_EDIT, Opening
from tui.screens.listing import ListScreen

EDITED = ("name", "email", "role", "manager", "team", "timezone", "slack_user_id")
"""What the change form shows of a person, as it is now."""


class UsersScreen(ListScreen[Person]):
    """Everyone kam knows, by name; e changes the one under the cursor, x deactivates."""

    COLUMNS = ("E-mail", "Name", "Role", "Team", "Manager", "Slack", "Active")
    READING = "Reading the people…"
    BINDINGS: ClassVar[list[BindingType]] = [
        *ListScreen.BINDINGS,
        Binding("e", "edit", "Change"),
        Binding("x", "deactivate", "Deactivate"),
    ]

    def heading(self) -> str:
        return "People"

    def read(self) -> tuple[Sequence[Person], str]:
        people = self.service.people()
        active = sum(p.active for p in people)
        return people, (
            f"{len(people):,} people, {active:,} active · e changes the one under the cursor, "
            "x deactivates them (admins, and managers for their team)"
        )

    def cells(self, row: Person) -> tuple[str, ...]:
        return (
            row.email,
            row.name,
            row.role,
            row.team or "",
            row.manager or "",
            row.slack_user_id or "",
            "yes" if row.active else "no",
        )

    def action_edit(self) -> None:
        person = self.current
        if person is not None:
            now = {name: getattr(person, name) or "" for name in EDITED}
            self.open_form(
                USER_EDIT, Opening(person.email, key=person.email, preset=now), self.load
            )

    def action_deactivate(self) -> None:
        person = self.current
        if person is not None:
            subject = f"{person.name} <{person.email}>"
            self.open_form(USER_DEACTIVATE, Opening(subject, key=person.email), self.load)
