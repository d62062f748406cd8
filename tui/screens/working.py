"""A screen that reads through thread workers: failures told in one line, stale reads dropped.

Textual reports a worker's state only to the widget that started it, and an
exclusive worker replaced by a newer one still runs to its end; every screen that
loads in threads needs both handled the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, get_current_worker

from tui.errors import report_failure
from tui.messages import DataChanged
from tui.screens.forms import Form, FormScreen, Opening
from tui.service import PortfolioService


class WorkingScreen(Screen[None]):
    """A screen whose thread workers post what they read as messages."""

    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        """What the screen shows between the header and the footer of keys."""
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed tells the user in one line; no stack trace reaches them."""
        report_failure(self, event)

    def deliver(self, message: Message) -> None:
        """Post what a worker read, unless the worker was cancelled (a newer read replaced
        it, or the screen went away)."""
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def open_form(self, form: Form, opening: Opening, reload: Callable[[], object]) -> None:
        """Open ``form`` on ``opening``; a save is told to the app (which says so and
        reloads the table) and ``reload`` reads this screen again. A form whose choice has
        nothing to choose from is not opened: the person is told why."""
        if any(not options for options in opening.choices.values()):
            self.notify(form.nothing, severity="warning")
            return

        def done(result: str | None) -> None:
            if result:
                self.post_message(DataChanged(opening.account_id or None, result))
                reload()

        self.app.push_screen(FormScreen(self.service, form, opening), done)
