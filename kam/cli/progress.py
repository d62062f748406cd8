"""Long commands show how far they got in a terminal, and nothing anywhere else.

Core work takes a :class:`core.progress.Progress`; here it is drawn as a rich
progress bar on stderr that disappears when the work is done. A command's output
is what a script reads, so the bar stays away when stdout or stderr is not a
terminal (a pipe, a file, cron, a test) and under ``--json``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress

from core.progress import Progress, no_progress


def on_terminal() -> bool:
    """Whether a person is watching: both stdout and stderr are terminals."""
    return sys.stdout.isatty() and sys.stderr.isatty()


class TerminalBar:
    """A :class:`core.progress.Progress` drawn as one transient rich bar on stderr.

    The bar appears at the first call whose ``total`` exceeds ``min_total`` (a
    small import is over before a bar would help) and follows whatever the work
    says it is doing.
    """

    def __init__(self, *, min_total: int = 0) -> None:
        self.min_total = min_total
        self.bar: RichProgress | None = None
        self.task: TaskID | None = None
        self.what = ""

    def __call__(self, what: str, done: int, total: int) -> None:
        if total <= self.min_total:
            return
        if self.bar is None:
            self.bar = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(what, total=total)
        assert self.task is not None
        self.bar.update(self.task, description=what, completed=done, total=total)
        if what != self.what:  # a new step is drawn at once, however short it is
            self.what = what
            self.bar.refresh()

    def close(self) -> None:
        """Take the bar off the terminal."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def progress_bar(*, quiet: bool = False, min_total: int = 0) -> Iterator[Progress]:
    """A progress bar for the work done inside the block, or a silent one when ``quiet``
    (``--json``) or no one is at a terminal."""
    if quiet or not on_terminal():
        yield no_progress
        return
    bar = TerminalBar(min_total=min_total)
    try:
        yield bar
    finally:
        bar.close()
