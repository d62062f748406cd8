"""Which due items are urgent enough to be a message of their own.

Provisional (issue #12, item 3): approximated from the kind and severity that a
:class:`~core.checkins.items.DueItem` carries. The urgency rule of item 2 replaces
this module with the same function; delivery calls nothing else from it.
"""

from __future__ import annotations

from core.checkins.items import DueItem

_SERVED_CLOSELY = ("Strategic accounts", "Key accounts")


def is_urgent(item: DueItem) -> bool:
    """A promise due today or overdue, a notice at or past its must-tell-by, or a red
    check-in on a strategic or key account."""
    if item.kind == "commitment_due":
        return item.severity in ("yellow", "red")  # yellow: due today; red: overdue
    if item.kind == "notice_untold":
        return item.severity == "red"
    if item.kind == "check_in_due":
        return item.severity == "red" and any(t in item.detail for t in _SERVED_CLOSELY)
    return False
