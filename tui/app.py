"""The kam terminal UI: the App, handed a :class:`PortfolioService` by its caller."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from core.errors import KamError
from tui.messages import DataChanged, OpenAccount
from tui.screens.accounts import AccountsScreen
from tui.service import PortfolioService


class KamApp(App[None]):
    """Browse and work the portfolio from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "kam"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service
        self.accounts = AccountsScreen(service)

    def get_default_screen(self) -> AccountsScreen:
        return self.accounts

    def on_open_account(self, message: OpenAccount) -> None:
        from tui.screens.account import AccountScreen

        self.push_screen(AccountScreen(self.service, message.account_id))

    def on_data_changed(self, message: DataChanged) -> None:
        """A write happened: the table reloads its rows, the writer's screen its own."""
        if message.summary:
            self.notify(message.summary)
        self.accounts.load_index()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed tells the user in one line; no stack trace reaches them."""
        if event.state is WorkerState.ERROR:
            self.notify(describe_error(event.worker.error), title="kam", severity="error")


def describe_error(error: BaseException | None) -> str:
    """What to tell the user about ``error``."""
    if isinstance(error, KamError):
        return str(error)
    return f"kam hit an unexpected problem ({type(error).__name__}); nothing was changed."
