"""What is due: one reminder occurrence, with its deterministic key.

A key names one occurrence of one reminder, so the same situation always gets
the same key and delivery can be claimed once per key. Every key reads
``<kind>:<account id>:<occurrence>``; an escalation of the same situation adds
``#<level>`` (``check_in:42:2026-01-05#red``), so a snooze of the first notice
does not hide the escalation, while done or dismissed covers the whole family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from core.models import ReminderKind

SEVERITIES = ("info", "yellow", "red")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class DueItem:
    """One thing a person should do now, and why."""

    key: str
    kind: ReminderKind
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

    def as_dict(self) -> dict[str, Any]:
        """The item as JSON-safe values (the CLI's --json, the reminder's payload)."""
        data = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}
        data["kind"] = self.kind.value
        data["due_at"] = self.due_at.isoformat()
        data["personal_notes"] = list(self.personal_notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DueItem:
        """Rebuild an item stored as a reminder's payload."""
        fields = dict(data)
        fields["kind"] = ReminderKind(fields["kind"])
        fields["due_at"] = datetime.fromisoformat(fields["due_at"])
        fields["personal_notes"] = list(fields.get("personal_notes") or [])
        return cls(**fields)


def family(key: str) -> str:
    """The situation a key belongs to, without its escalation level."""
    return key.split("#", 1)[0]


def account_of(key: str) -> int | None:
    """The account id a reminder key names, if it names one."""
    parts = key.split(":")
    if len(parts) < 3 or parts[0] == "digest":
        return None
    try:
        return int(parts[1])
    except ValueError:
        return None


def sort_key(item: DueItem) -> tuple[float, int, datetime, str]:
    """Highest priority first; then the more severe; then the longest waiting."""
    return (-item.priority, -SEVERITY_RANK[item.severity], item.due_at, item.key)
