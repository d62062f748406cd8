"""The kam terminal UI: the App, handed a :class:`PortfolioService` by its caller."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from tui.commands import AccountSearch, kam_commands
from tui.errors import knows_who, report_failure
from tui.messages import DataChanged, OpenAccount, ScoresChanged
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen
from tui.screens.help import HelpScreen
from tui.service import PortfolioService


class KamApp(App[None]):
    """Browse and work the portfolio from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "kam"
    COMMANDS = App.COMMANDS | {AccountSearch}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accounts", "Accounts", show=False),
        Binding("d", "due", "Due"),
        Binding("p", "overview", "Overview"),
        Binding("u", "unmatched", "Not placed", show=False),
        Binding("R", "rescore", "Rescore", show=False),
        Binding("h", "history", "History", show=False),
        Binding("U", "users", "People", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service
        self.accounts = AccountsScreen(service)

    def get_default_screen(self) -> AccountsScreen:
        return self.accounts

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from kam_commands(self, screen)

    # -- navigation ------------------------------------------------------------

    def _show(self, screen_type: type[Screen[Any]], make: Callable[[], Screen[Any]]) -> None:
        """Bring a screen up, reusing it if it is already on the stack."""
        for screen in self.screen_stack:
            if isinstance(screen, screen_type):
                while self.screen is not screen:
                    self.pop_screen()
                return
        self.push_screen(make())

    def action_accounts(self) -> None:
        """Back to the portfolio table."""
        while len(self.screen_stack) > 1 and self.screen is not self.accounts:
            self.pop_screen()

    def action_due(self) -> None:
        from tui.screens.due import DueScreen

        self._show(DueScreen, lambda: DueScreen(self.service))

    def action_overview(self) -> None:
        from tui.screens.portfolio import PortfolioScreen

        self._show(PortfolioScreen, lambda: PortfolioScreen(self.service, self.accounts.index))

    def action_unmatched(self) -> None:
        """The capture review queue: who kam saw in mail or meetings but could not place."""
        from tui.screens.unmatched import UnmatchedScreen

        self._show(UnmatchedScreen, lambda: UnmatchedScreen(self.service))

    def action_history(self) -> None:
        """The whole audit trail (managers and admins; an account's own is on its screen)."""
        from tui.screens.audit import AuditScreen

        self._show(AuditScreen, lambda: AuditScreen(self.service))

    def action_users(self) -> None:
        """The people on the team, to change or deactivate."""
        from tui.screens.users import UsersScreen

        self._show(UsersScreen, lambda: UsersScreen(self.service))

    def action_rescore(self) -> None:
        """Score every account now (in a thread, with progress); every screen then reads
        the new scores."""
        from tui.screens.rescore import RescoreScreen

        if not isinstance(self.screen, RescoreScreen):
            self.push_screen(RescoreScreen(self.service), self._rescored)

    def _rescored(self, summary: str | None) -> None:
        if summary is None:
            return
        self.notify(summary)
        for screen in self.screen_stack:
            screen.post_message(ScoresChanged())

    def action_hours(self) -> None:
        """Open the form for the person's own working hours (read in a worker first)."""
        if knows_who(self, self.service, "set your own working hours"):
            self._load_hours()

    @work(thread=True, exclusive=True, exit_on_error=False, group="hours")
    def _load_hours(self) -> None:
        current = self.service.working_hours()
        person = self.service.user.name if self.service.user else ""
        self.call_from_thread(self._open_hours, person, current)

    def _open_hours(self, person: str, current: dict[str, str]) -> None:
        from tui.screens.forms import WORKING_HOURS, FormScreen, Opening

        def done(result: str | None) -> None:
            if result:
                self.notify(result)

        form = FormScreen(self.service, WORKING_HOURS, Opening(person, preset=current))
        self.push_screen(form, done)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def on_open_account(self, message: OpenAccount) -> None:
        self.push_screen(AccountScreen(self.service, message.account_id))

    def on_data_changed(self, message: DataChanged) -> None:
        """A write happened: say so, and the table reloads its rows."""
        if message.summary:
            self.notify(message.summary)
        self.accounts.load_index()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed tells the user in one line; no stack trace reaches them."""
        report_failure(self, event)
