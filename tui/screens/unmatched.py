"""The capture review queue: people kam saw in mail or meetings but could not place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from core.capture.review import UnmatchedLine, UnmatchedQueue
from tui.messages import DataChanged
from tui.screens.forms import Field, Form, Opening
from tui.screens.working import WorkingScreen
from tui.service import PortfolioService

PLACE = Form(
    "Make a contact",
    PortfolioService.make_contact,
    Field("account", "Account", "the account they belong to"),
    Field("name", "Name", "their name (optional)"),
)
"""Make someone from the queue a contact of an account."""


class UnmatchedScreen(WorkingScreen):
    """Who waits for review; c makes one a contact of an account, i ignores them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.accounts", "Back"),
        Binding("c", "contact", "Make contact"),
        Binding("i", "ignore", "Ignore"),
        Binding("r", "reload", "Reload", show=False),
    ]

    @dataclass
    class QueueLoaded(Message):
        """The review queue was read."""

        queue: UnmatchedQueue

    def __init__(self, service: PortfolioService) -> None:
        super().__init__(service)
        self.people: tuple[UnmatchedLine, ...] = ()

    def body(self) -> ComposeResult:
        yield Static("Reading who kam could not place…", id="unmatched-status")
        yield DataTable(id="unmatched-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.sub_title = "Not placed yet"
        table = self.query_one(DataTable)
        table.add_columns("Address", "Name", "Seen", "Last seen", "Last subject")
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="unmatched")
    def load(self) -> None:
        self.deliver(self.QueueLoaded(self.service.unmatched()))

    def on_unmatched_screen_queue_loaded(self, message: QueueLoaded) -> None:
        self.people = message.queue.people
        table = self.query_one(DataTable)
        table.clear()
        for p in self.people:
            table.add_row(
                p.address,
                p.name or "",
                str(p.seen),
                f"{p.last_seen:%Y-%m-%d}",
                p.last_subject or "",
            )
        waiting = message.queue.waiting
        self.query_one("#unmatched-status", Static).update(
            f"{waiting} waiting for review · c makes one a contact, i ignores them"
            if waiting
            else "No one waits for review."
        )

    @property
    def current(self) -> UnmatchedLine | None:
        """The person under the cursor."""
        row = self.query_one(DataTable).cursor_row
        return self.people[row] if self.people and 0 <= row < len(self.people) else None

    def action_reload(self) -> None:
        self.load()

    def action_contact(self) -> None:
        person = self.current
        if person is not None:
            opening = Opening(
                person.address, key=person.address, preset={"name": person.name or ""}
            )
            self.open_form(PLACE, opening, self.load)

    def action_ignore(self) -> None:
        person = self.current
        if person is not None:
            self.ignore(person.address)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unmatched-action")
    def ignore(self, address: str) -> str:
        return self.service.ignore(address)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "unmatched-action" and event.state is WorkerState.SUCCESS:
            self.post_message(DataChanged(None, str(event.worker.result)))
            self.load()
