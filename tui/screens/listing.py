"""A screen that lists records in a table read in a thread: a status line above, the row
under the cursor at hand (the audit trail, the people on the team)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from tui.errors import describe_error
from tui.screens.working import WorkingScreen

T = TypeVar("T")


class ListScreen(WorkingScreen, Generic[T]):
    """Rows of ``T`` in a table; subclasses say what they read and how a row looks."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    READING: ClassVar[str] = "Reading…"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload", show=False),
    ]

    @dataclass
    class Loaded(Message):
        """The rows were read; ``status`` says what they are."""

        rows: Sequence[Any]
        status: str

    rows: Sequence[T] = ()

    def read(self) -> tuple[Sequence[T], str]:
        """The rows and the status line (runs in a thread)."""
        raise NotImplementedError

    def cells(self, row: T) -> tuple[str, ...]:
        """One row as the table shows it (plain text: no markup is read in it)."""
        raise NotImplementedError

    def body(self) -> ComposeResult:
        yield Static(self.READING, id="list-status", classes="list-status")
        yield DataTable(id="list-table", cursor_type="row", zebra_stripes=True)

    def heading(self) -> str:
        """The screen's subtitle."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.sub_title = self.heading()
        table = self.query_one(DataTable)
        table.add_columns(*self.COLUMNS)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="list")
    def load(self) -> None:
        """Read the rows in a thread."""
        self.deliver(self.Loaded(*self.read()))

    def action_reload(self) -> None:
        self.load()

    def on_list_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in self.cells(row)))
        self.query_one("#list-status", Static).update(message.status)

    @property
    def current(self) -> T | None:
        """The row under the cursor."""
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if self.rows and 0 <= row < len(self.rows) else None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refused read (the whole trail for someone who may not see it) stays on the
        status line, as well as in the notification (Textual runs the base class's handler,
        which notifies, too)."""
        if event.worker.group == "list" and event.state is WorkerState.ERROR:
            status = self.query_one("#list-status", Static)
            status.update(describe_error(event.worker.error))
