"""What is due: one reminder occurrence, said the way a person acts on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

SEVERITIES = ("info", "yellow", "red")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class DueItem:
    """One thing a person should do now, and why.

    ``kind`` names its :class:`~core.checkins.kind.Kind`; ``key`` the occurrence
    (:mod:`core.checkins.keys`); ``subject_id`` the record it is about (a promise,
    a notice, an order), where there is one.
    """

    key: str
    kind: str
    account_id: int | None
    account_name: str
    user_id: int | None
    due_at: datetime
    priority: float
    severity: str
    title: str
    detail: str
    personal_notes: list[str] = field(default_factory=list)
    draft: str | None = None
    subject_id: int | None = None
    tier: str | None = None
    """The account's tier when the item was derived, where the kind reads it."""
    late_days: int | None = None
    """Days past the item's own deadline (a promise's day, a notice's must-tell-by):
    0 on the day itself, negative before it; None where the kind has no deadline."""
    reason: str = ""
    """The kind's short reason for the item ("promise 3 days overdue")."""
    why: str = ""
    """Why the item stands where it does in the list (:mod:`core.checkins.urgency`)."""

    def told(self, *, personal_notes: list[str], draft: str | None, why: str) -> DueItem:
        """The item with what the due list adds to it: the personal notes, the draft,
        why it stands where it does.

        A copy of its fields, not built through ``__init__``: a frozen dataclass sets
        each of its fields there through ``object.__setattr__``, and ``replace`` cost
        26 µs an item (2.5 of a due list's 15 ms of client time); the item has no
        ``__post_init__`` to skip.
        """
        told = object.__new__(DueItem)
        told.__dict__.update(self.__dict__, personal_notes=personal_notes, draft=draft, why=why)
        return told

    def as_dict(self) -> dict[str, Any]:
        """The item as JSON-safe values (the CLI's --json, the reminder's payload)."""
        data = {name: getattr(self, name) for name in FIELDS}
        data["due_at"] = self.due_at.isoformat()
        data["personal_notes"] = list(self.personal_notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DueItem:
        """Rebuild an item stored as a reminder's payload."""
        fields = {name: data[name] for name in FIELDS if name in data}
        fields["kind"] = str(fields["kind"])
        fields["due_at"] = datetime.fromisoformat(fields["due_at"])
        fields["personal_notes"] = list(fields.get("personal_notes") or [])
        return cls(**fields)


FIELDS = tuple(f.name for f in dataclass_fields(DueItem))
"""A due item's fields in order, named once: asked of the class for every item, they took
a sweep claiming 45,000 items 0.8 s under the profiler."""
