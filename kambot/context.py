"""What every listener needs from the outside: the database, the settings, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import utcnow
from core.db import Engine
from core.settings import Settings


@dataclass(frozen=True)
class Kam:
    """Handed to every listener as ``kam`` (bolt injects context entries by name)."""

    engine: Engine
    settings: Settings
    clock: Callable[[], datetime] = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()
