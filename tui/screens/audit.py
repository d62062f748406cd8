"""The audit trail: who changed what and when, newest first (core.audit.trail_for)."""

from __future__ import annotations

from collections.abc import Sequence

from core.audit import AuditLine
from tui.screens.listing import ListScreen
from tui.service import PortfolioService

LIMIT = 500
"""The newest events shown: the trail scrolls, and the CLI's `kam audit --limit` reads more."""


class AuditScreen(ListScreen[AuditLine]):
    """One account's changes, or (``account_id`` None) all of kam's for managers and admins."""

    COLUMNS = ("When (UTC)", "Who", "What", "Record", "Changed")
    READING = "Reading the audit trail…"

    def __init__(
        self, service: PortfolioService, account_id: int | None = None, account_name: str = ""
    ) -> None:
        super().__init__(service)
        self.account_id = account_id
        self.account_name = account_name

    def heading(self) -> str:
        return f"History · {self.account_name}" if self.account_name else "History"

    def read(self) -> tuple[Sequence[AuditLine], str]:
        lines = self.service.audit_trail(self.account_id, limit=LIMIT)
        whose = f" to {self.account_name}" if self.account_name else " in kam"
        if not lines:
            return lines, f"No changes{whose} yet."
        return lines, f"The {len(lines):,} newest changes{whose}, newest first."

    def cells(self, row: AuditLine) -> tuple[str, ...]:
        return (
            f"{row.at:%Y-%m-%d %H:%M}",
            row.actor,
            row.action,
            row.record,
            ", ".join(row.shown_changes),
        )
