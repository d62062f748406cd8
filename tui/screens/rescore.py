"""Rescoring the portfolio from the TUI: core's rescore in a thread, its progress on screen.

The dialog stays up while the scores are computed and stored (a few seconds at
100,000 accounts), so nothing is written meanwhile; it closes with what to tell
the user, or None when the rescore failed (the failure is told in one line).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar
from textual.worker import Worker, WorkerState

from tui.errors import report_failure
from tui.service import PortfolioService


class RescoreScreen(ModalScreen[str | None]):
    """Score every account now and store the scores, showing how far it got."""

    DEFAULT_CSS = """
    RescoreScreen {
        align: center middle;
    }
    RescoreScreen > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    RescoreScreen Label {
        width: 1fr;
        margin-bottom: 1;
    }
    """

    @dataclass
    class Moved(Message):
        """The rescore reported progress."""

        what: str
        done: int
        total: int

    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Scoring the portfolio…", id="rescore-step")
            yield ProgressBar(show_eta=False, id="rescore-bar")

    def on_mount(self) -> None:
        self.rescore()

    @work(thread=True, exclusive=True, exit_on_error=False, group="rescore")
    def rescore(self) -> str:
        """Core's rescore, telling this dialog each step from the worker's thread."""
        return self.service.rescore(progress=self._tell)

    def _tell(self, what: str, done: int, total: int) -> None:
        """A :class:`core.progress.Progress` that posts to this dialog (safe from a thread)."""
        self.post_message(self.Moved(what, done, total))

    def on_rescore_screen_moved(self, message: Moved) -> None:
        self.query_one("#rescore-step", Label).update(message.what)
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Close with the outcome; a failure is told in one line and nothing is changed."""
        if event.worker.group != "rescore":
            return
        if event.state is WorkerState.SUCCESS:
            self.dismiss(str(event.worker.result))
        elif event.state is WorkerState.ERROR:
            report_failure(self.app, event)
            self.dismiss(None)
