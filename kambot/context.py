"""What every listener needs from the outside: the database, the settings, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from threading import BoundedSemaphore

from core.clock import utcnow
from core.db import Engine
from core.settings import Settings

WORK_AT_ONCE = 4
"""Listeners doing their work after the ack at one time (2 cores: more only contend)."""


@dataclass(frozen=True)
class Kam:
    """Handed to every listener as ``kam`` (bolt injects context entries by name)."""

    engine: Engine
    settings: Settings
    clock: Callable[[], datetime] = field(default=utcnow)
    work: BoundedSemaphore = field(default_factory=lambda: BoundedSemaphore(WORK_AT_ONCE))
    """Held by a listener for its work after the ack: at most ``WORK_AT_ONCE`` at a time,
    so that in a burst the acks, which are cheap, are not queued behind everyone's
    database work for the interpreter's lock."""

    def now(self) -> datetime:
        return self.clock()
