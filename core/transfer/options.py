"""How one import should go: the user's choices, gathered in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImportOptions:
    """Column mapping, value translations and the switches of ``kam import``."""

    columns: Mapping[str, str] = field(default_factory=dict)
    """Source column -> kam field (``--map SRC=FIELD``); an empty field ignores the column."""
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per field, source value -> kam value (a profile's ``[KIND.values.FIELD]``)."""
    date_format: str | None = None
    timezone: str = "UTC"
    """The zone of timestamps written without one."""
    dry_run: bool = False
    skip_invalid: bool = False
    keep_ids: bool = False
    """Write kam's own ids from the file (restoring an export into an empty database)."""
