"""What is due, by priority, with the personal notes to bring up and the drafts to send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static
from textual.worker import Worker, WorkerState

from core.checkins import DueItem, band_label, kind_named
from tui.errors import knows_who
from tui.format import short
from tui.messages import DataChanged, OpenAccount, ScoresChanged
from tui.portfolio_index import SCOPES
from tui.screens.forms import LOG_INTERACTION, Opening
from tui.screens.working import WorkingScreen
from tui.service import PortfolioService

SHOWN = 500
OTHER_COLUMNS = 1 + 7 + 8 + 10 + 5 * 2 + 2  # marker, band, due, owner, padding, scrollbar
SEVERITY_STYLE = {"red": "bold red", "yellow": "yellow", "info": "cyan"}
WHOSE = {"all": "everyone", "mine": "me", "team": "my team"}


class SnoozeDialog(ModalScreen[str | None]):
    """Put an item off: 1 day, 3 days, a week, or until a typed moment; None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("1", "choose('1d')", "1 day", show=False),
        Binding("3", "choose('3d')", "3 days", show=False),
        Binding("w", "choose('1w')", "1 week", show=False),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.item_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(f"[b]Snooze[/b] · {escape(self.item_title)}", classes="form-title")
            with Horizontal(classes="form-buttons"):
                yield Button("1 day (1)", id="snooze-1d", variant="primary", compact=True)
                yield Button("3 days (3)", id="snooze-3d", compact=True)
                yield Button("1 week (w)", id="snooze-1w", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("or until", classes="form-label")
                yield Input(placeholder="monday 9am, 2026-04-01", id="until", compact=True)
            with Horizontal(classes="form-buttons"):
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#snooze-1d", Button).focus()

    @on(Button.Pressed, "#snooze-1d,#snooze-3d,#snooze-1w")
    def pressed(self, event: Button.Pressed) -> None:
        self.action_choose((event.button.id or "").removeprefix("snooze-"))

    def action_choose(self, length: str) -> None:
        """One of the snooze lengths the check-in engine offers."""
        self.dismiss(length)

    @on(Input.Submitted, "#until")
    def until(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def when(due_at: datetime, now: datetime) -> str:
    """How far off a due moment is, in a few cells: today, 3d ago, in 2d."""
    days = (now - due_at).days
    if days == 0 and due_at <= now:
        return "today"
    if days >= 0:
        return f"{short(days)} ago"
    ahead = (due_at - now).days
    return "today" if ahead == 0 else f"in {short(ahead)}"


def detail_text(item: DueItem, owner: str) -> Text:
    """Everything about one item: what, why, whom to ask about what, and the draft."""
    text = Text()
    text.append(item.title, style="bold")
    text.append(f"  {kind_named(item.kind).label} · ", style="dim")
    text.append(item.severity, style=SEVERITY_STYLE.get(item.severity, ""))
    if owner:
        text.append(f" · {owner}", style="dim")
    text.append("\n")
    if item.why:
        text.append(f"{item.why}\n", style="italic")
    if item.detail:
        text.append(f"{item.detail}\n")
    for note in item.personal_notes:
        text.append(f"• {note}\n", style="italic")
    if item.draft:
        text.append("Draft:\n", style="bold")
        text.append(f"{item.draft}\n")
    return text


class DueScreen(WorkingScreen):
    """What is due; x marks done, z snoozes, l logs an interaction, Enter opens the account."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.accounts", "Back"),
        Binding("x", "done", "Done"),
        Binding("z", "snooze", "Snooze"),
        Binding("l", "log", "Log"),
        Binding("enter", "open", "Open account", show=False),
        Binding("m", "cycle_scope", "Mine/team"),
        Binding("r", "reload", "Reload", show=False),
    ]

    @dataclass
    class ItemsLoaded(Message):
        """The due items were read."""

        items: list[DueItem]
        owners: dict[int, str]
        scope: str

    def __init__(self, service: PortfolioService) -> None:
        super().__init__(service)
        self.scope = "mine" if service.user is not None else "all"
        self.items: list[DueItem] = []
        self.owners: dict[int, str] = {}
        self.loaded = False

    def body(self) -> ComposeResult:
        yield Static("Reading what is due…", id="due-status")
        yield DataTable(id="due-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="due-detail"):
            yield Static(id="due-text")

    def on_mount(self) -> None:
        self.sub_title = "Due"
        self.query_one(DataTable).focus()
        self.load_items()

    @work(thread=True, exclusive=True, exit_on_error=False, group="due")
    def load_items(self) -> None:
        """Ask the check-in engine what is due."""
        scope = self.scope
        items, owners = self.service.due(scope)
        self.deliver(self.ItemsLoaded(items, owners, scope))

    def on_due_screen_items_loaded(self, message: ItemsLoaded) -> None:
        if message.scope != self.scope:
            return
        self.loaded = True
        self.items = message.items[:SHOWN]
        self.owners = message.owners
        self._fill_table()
        total = len(message.items)
        whose = WHOSE[self.scope]
        shown = f", the {SHOWN} most urgent shown" if total > SHOWN else ""
        self.query_one("#due-status", Static).update(
            f"{total:,} due for {whose}{shown} · most urgent first"
            if total
            else f"Nothing is due for {whose}."
        )
        self._show_detail()

    def _fill_table(self) -> None:
        """Show the items; the titles get what the width leaves after the other columns."""
        now = self.service.now()
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        longest = max([4, *(len(i.title) for i in self.items)])
        room = max(20, self.size.width - OTHER_COLUMNS)
        # widths set here, not measured later: the list may be redrawn under a dialog
        table.add_column("", key="severity", width=1)
        table.add_column("Urgency", key="band", width=7)
        table.add_column("What", key="what", width=min(longest, room))
        table.add_column("Due", key="due", width=8)
        table.add_column("Owner", key="owner", width=10)
        for item in self.items:
            table.add_row(
                Text("●", SEVERITY_STYLE.get(item.severity, "")),
                band_label(item),
                Text(item.title, no_wrap=True, overflow="ellipsis"),
                when(item.due_at, now),
                self.owners.get(item.user_id or 0, "–"),
                key=item.key,
            )
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))

    def on_resize(self) -> None:
        if self.loaded:
            self._fill_table()

    @property
    def current(self) -> DueItem | None:
        """The due item under the cursor."""
        table = self.query_one(DataTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        item = self.current
        text = self.query_one("#due-text", Static)
        if item is None:
            text.update("")
            return
        text.update(detail_text(item, self.owners.get(item.user_id or 0, "")))
        self.query_one("#due-detail").scroll_home(animate=False)

    # -- actions -------------------------------------------------------------------

    def action_done(self) -> None:
        """Tick the item off (a kept promise is completed, a check-in is logged…)."""
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
        """Log a call or visit with the item's customer; it resolves their check-in."""
        item = self.current
        if item is None or item.account_id is None:
            return
        kind = kind_named(item.kind).logs_as
        opening = Opening(item.account_name, item.account_id, preset={"kind": kind.value})
        self.open_form(LOG_INTERACTION, opening, self.load_items)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        item = self.current
        if item is not None and item.account_id is not None:
            self.post_message(OpenAccount(item.account_id))

    def action_cycle_scope(self) -> None:
        if not knows_who(self, self.service, "see what is due for you or your team"):
            return
        self.scope = SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)]
        status = self.query_one("#due-status", Static)
        status.update(f"Reading what is due for {WHOSE[self.scope]}…")
        self.load_items()

    def action_reload(self) -> None:
        self.load_items()

    def on_scores_changed(self, message: ScoresChanged) -> None:
        """The portfolio was rescored: tiers set check-in cadences, so ask again what is due."""
        if self.loaded:
            self.load_items()

    @work(thread=True, exit_on_error=False, group="due-action")
    def act(self, action: Any, *args: str) -> str:
        """Run a due action in a thread; the outcome arrives as the worker's state."""
        return str(action(*args))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "due-action":
            return
        if event.state is WorkerState.SUCCESS:
            self.post_message(DataChanged(None, str(event.worker.result)))
            self.load_items()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.load_items()
