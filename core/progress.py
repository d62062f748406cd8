"""How long work tells its caller how far it got, without knowing who is watching.

Scoring the portfolio, generating a synthetic one, an import or an export can take
from a second to minutes. Each takes an optional :class:`Progress` and calls it as
it goes; the CLI draws a terminal progress bar from the calls, the TUI a
``ProgressBar``, and a test records them. Core never knows which.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told what is happening, how much of it is done, and how much there is in all.

    ``done`` and ``total`` are in the same unit (rows, accounts, steps); ``done``
    never goes down within one ``what``, and a call with ``done == total`` ends it.
    The call comes from the thread doing the work, so a front end hands it on to its
    own thread (the TUI does, with ``call_from_thread``).
    """

    def __call__(self, what: str, done: int, total: int) -> None: ...


def no_progress(what: str, done: int, total: int) -> None:
    """A :class:`Progress` that tells nobody (the default)."""


class Steps:
    """Named steps of one piece of work, told to a :class:`Progress` as step *n* of *N*."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress or no_progress
        self.total = total
        self.done = 0

    def start(self, what: str) -> None:
        """The next step begins: tell how many are already done."""
        self.progress(what, self.done, self.total)
        self.done += 1

    def finish(self, what: str) -> None:
        """Every step is done."""
        self.done = self.total
        self.progress(what, self.total, self.total)
