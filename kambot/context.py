"""What every listener needs from the outside: the database, the settings, the clock."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from threading import BoundedSemaphore, Lock

from core.clock import utcnow
from core.db import Engine
from core.settings import Settings

WORK_AT_ONCE = 4
"""Listeners doing their work after the ack at one time (2 cores: more only contend)."""


class SavedForms:
    """What each form this process saved said, by the form's view id, so that a form Slack
    sends twice (a retry, a double click on Save) is saved once.

    The records with an idempotency key of their own (interactions, requests, reviews)
    are saved once by the database across processes; objectives, actions, risks and
    goals have none, and rely on this alone (one bot process, as kam runs it).
    """

    KEEP = 2000

    def __init__(self) -> None:
        self._lock = Lock()
        self._said: OrderedDict[str, str] = OrderedDict()

    def once(self, view_id: str, save: Callable[[], str]) -> str:
        """``save()``'s sentence, or what the first save of this form said. One save at a
        time; a save that raises is not remembered, so the form can be fixed and sent again."""
        with self._lock:
            if view_id in self._said:
                return self._said[view_id]
            said = save()
            self._said[view_id] = said
            while len(self._said) > self.KEEP:
                self._said.popitem(last=False)
            return said


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

    saved: SavedForms = field(default_factory=SavedForms)
    """The forms this process saved (:class:`SavedForms`)."""

    def now(self) -> datetime:
        return self.clock()
