"""What is due, by priority, with the personal notes to bring up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from core.errors import KamError
from tui.messages import DataChanged, OpenAccount
from tui.portfolio_index import SCOPES
from tui.screens.forms import LogInteractionForm
from tui.service import PortfolioService

SHOWN = 500
SEVERITY_STYLE = {"red": "bold red", "yellow": "yellow", "info": "cyan"}


class SnoozeDialog(ModalScreen[str | None]):
    """Ask until when; closes with the typed moment, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.item_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(f"[b]Snooze[/b] · {escape(self.item_title)}", classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("Until", classes="form-label")
                yield Input(value="tomorrow 9am", id="until", compact=True)
            with Horizontal(classes="form-buttons"):
                yield Button("Snooze", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        self.dismiss(self.query_one("#until", Input).value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class DueScreen(Screen[None]):
    """My due items; Enter marks done, z snoozes, l logs an interaction."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.accounts", "Back"),
        Binding("enter", "done", "Done"),
        Binding("z", "snooze", "Snooze"),
        Binding("l", "log", "Log"),
        Binding("o", "open", "Open account"),
        Binding("m", "cycle_scope", "Mine/team"),
        Binding("r", "reload", "Reload", show=False),
    ]

    @dataclass
    class ItemsLoaded(Message):
        """The due items were read."""

        items: list[Any]

    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service
        self.scope = "mine" if service.user is not None else "all"
        self.items: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading what is due…", id="due-status")
        with Vertical(id="due-body"):
            yield DataTable(id="due-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="due-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Due"
        table = self.query_one(DataTable)
        table.add_columns("Pri", "Account", "What", "Due")
        table.focus()
        self.load_items()

    @work(thread=True, exclusive=True, exit_on_error=False, group="due")
    def load_items(self) -> None:
        """Ask the check-in engine what is due."""
        items = self.service.due(self.scope)
        if not get_current_worker().is_cancelled:
            self.post_message(self.ItemsLoaded(items))

    def on_due_screen_items_loaded(self, message: ItemsLoaded) -> None:
        self.items = message.items[:SHOWN]
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.items:
            table.add_row(
                Text(f"{item.priority:.1f}", SEVERITY_STYLE.get(item.severity, "")),
                Text(item.account_name),
                Text(item.title),
                item.due_at.strftime("%d %b"),
                key=item.key,
            )
        if self.items:
            table.move_cursor(row=min(row, len(self.items) - 1))
        whose = {"all": "everyone", "mine": "me", "team": "my team"}[self.scope]
        total = len(message.items)
        shown = f" (the {SHOWN} most urgent shown)" if total > SHOWN else ""
        self.query_one("#due-status", Static).update(
            f"{total} due for {whose}{shown}" if total else f"Nothing due for {whose}. "
        )
        self._show_detail()

    @property
    def current(self) -> Any | None:
        """The due item under the cursor."""
        table = self.query_one(DataTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        item = self.current
        detail = self.query_one("#due-detail", Static)
        if item is None:
            detail.update("")
            return
        text = Text()
        text.append(f"{item.account_name}: {item.title}\n", style="bold")
        if item.detail:
            text.append(f"{item.detail}\n")
        for note in item.personal_notes:
            text.append(f"• {note}\n", style="italic")
        if item.draft:
            text.append("Draft: ", style="bold")
            text.append(f"{item.draft}\n")
        detail.update(text)

    # -- actions -------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def action_done(self) -> None:
        item = self.current
        if item is not None:
            self.act(self.service.mark_done, item.key)

    def action_snooze(self) -> None:
        item = self.current
        if item is None:
            return

        def chosen(until: str | None) -> None:
            if until:
                self.act(self.service.snooze, item.key, until)

        self.app.push_screen(SnoozeDialog(item.title), chosen)

    def action_log(self) -> None:
        item = self.current
        if item is None:
            return

        def done(result: str | None) -> None:
            if result:
                self.post_message(DataChanged(item.account_id, result))
                self.load_items()

        self.app.push_screen(
            LogInteractionForm(self.service, item.account_id, item.account_name), done
        )

    def action_open(self) -> None:
        item = self.current
        if item is not None and item.account_id is not None:
            self.post_message(OpenAccount(item.account_id))

    def action_cycle_scope(self) -> None:
        if self.service.user is None:
            self.notify(
                "Start kam tui with --as EMAIL to see what is due for you or your team.",
                severity="warning",
            )
            return
        self.scope = SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)]
        self.load_items()

    def action_reload(self) -> None:
        self.load_items()

    @work(thread=True, exclusive=True, exit_on_error=False, group="due-action")
    def act(self, action: Any, *args: str) -> str:
        """Run a due action in a thread; the outcome arrives as the worker's state."""
        return str(action(*args))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "due-action":
            return
        if event.state is WorkerState.SUCCESS:
            event.stop()
            self.post_message(DataChanged(None, str(event.worker.result)))
            self.load_items()
        elif event.state is WorkerState.ERROR:
            event.stop()
            error = event.worker.error
            message = str(error) if isinstance(error, KamError) else "That did not work."
            self.notify(message, severity="error")

    def on_screen_resume(self) -> None:
        self.load_items()
