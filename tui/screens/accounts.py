"""The portfolio table: every account, sorted and filtered as you type."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tui.errors import knows_who
from tui.format import label
from tui.messages import OpenAccount, ScoresChanged
from tui.portfolio_index import (
    BANDS,
    COLUMN_KEYS,
    COLUMNS,
    QUADRANTS,
    SCOPES,
    TIERS,
    IntArray,
    PortfolioIndex,
    PortfolioQuery,
)
from tui.screens.working import WorkingScreen
from tui.service import PortfolioService
from tui.widgets.portfolio_table import PortfolioTable


def _cycle(values: tuple[str, ...], current: str | None) -> str | None:
    """The next filter value after ``current``; after the last comes "any" (None)."""
    options: list[str | None] = [None, *values]
    return options[(options.index(current) + 1) % len(options)]


class AccountsScreen(WorkingScreen):
    """Browse the whole portfolio; Enter opens an account."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("s", "next_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse", show=False),
        Binding("t", "cycle_tier", "Tier"),
        Binding("g", "cycle_quadrant", "Quadrant"),
        Binding("b", "cycle_band", "Band"),
        Binding("m", "cycle_scope", "Mine/team"),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]

    @dataclass
    class IndexLoaded(Message):
        """The rows were read from the database."""

        index: PortfolioIndex
        scored: bool  # whether any account has stored scores

    @dataclass
    class FirstPage(Message):
        """The first accounts by name, before the whole portfolio is read."""

        index: PortfolioIndex
        total: int

    @dataclass
    class SelectionReady(Message):
        """The rows the query keeps, in its order."""

        query: PortfolioQuery
        positions: IntArray

    def __init__(self, service: PortfolioService) -> None:
        super().__init__(service)
        self.portfolio_query = PortfolioQuery()
        self.shown_query: PortfolioQuery | None = None
        self.index: PortfolioIndex | None = None
        self.scored = True  # until the index says otherwise

    def body(self) -> ComposeResult:
        yield Input(placeholder="/ filter by name, sector or owner", id="filter")
        yield Static("Loading accounts…", id="status")
        yield PortfolioTable(id="accounts")

    def on_mount(self) -> None:
        self.title = "kam"
        self.sub_title = "Portfolio"
        self.query_one(PortfolioTable).focus()
        self.load_first_page()
        self.load_index()

    # -- workers ---------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="index")
    def load_index(self) -> None:
        """Read every account's row from the database."""
        index = self.service.load_index()
        if get_current_worker().is_cancelled:
            return
        index.order(self.portfolio_query.sort, self.portfolio_query.descending)
        scored = index.scored
        self.post_message(self.IndexLoaded(index, scored))
        index.sort_ahead()  # numpy sorts without holding the interpreter: the screen goes on

    @work(thread=True, exclusive=True, exit_on_error=False, group="first")
    def load_first_page(self) -> None:
        """Show the first accounts by name at once, whatever the portfolio's size."""
        index, total = self.service.first_page()
        self.post_message(self.FirstPage(index, total))

    @work(thread=True, exclusive=True, exit_on_error=False, group="select")
    def select_rows(self, index: PortfolioIndex, query: PortfolioQuery) -> None:
        """Sort and filter the index for ``query`` without blocking the screen."""
        owners = self.service.scope_owner_ids(query.scope)
        positions = index.select(query, owners, self._narrowing(index, query))
        self.deliver(self.SelectionReady(query, positions))

    def on_accounts_screen_first_page(self, message: FirstPage) -> None:
        if self.index is not None or not message.total:
            return
        self.query_one(PortfolioTable).show(
            message.index,
            message.index.order("name", descending=False),
            sort="name",
            descending=False,
            now=self.service.now(),
        )
        if message.total > len(message.index):
            self.query_one("#status", Static).update(
                f"Reading all {message.total:,} accounts; sorting and filters apply when done…"
            )

    def on_accounts_screen_index_loaded(self, message: IndexLoaded) -> None:
        self.index = message.index
        self.scored = message.scored
        self.apply_query()

    def on_accounts_screen_selection_ready(self, message: SelectionReady) -> None:
        if message.query != self.portfolio_query or self.index is None:
            return
        table = self.query_one(PortfolioTable)
        query = message.query
        empty = "No accounts match." if len(self.index) else "No accounts yet: run `kam demo`."
        table.show(
            self.index,
            message.positions,
            sort=query.sort,
            descending=query.descending,
            now=self.service.now(),
            placeholder=empty,
        )
        self.shown_query = query
        self._show_status(len(message.positions))

    def _narrowing(self, index: PortfolioIndex, query: PortfolioQuery) -> IntArray | None:
        """The rows on screen, when ``query`` only adds letters to the filter shown."""
        shown, table = self.shown_query, self.query_one(PortfolioTable)
        if shown is None or table.index is not index:
            return None
        same_otherwise = replace(shown, text=query.text) == query
        if same_otherwise and query.text.casefold().startswith(shown.text.casefold()):
            return table.positions
        return None

    def apply_query(self) -> None:
        """Re-select the rows for the current query."""
        if self.index is not None:
            self.select_rows(self.index, self.portfolio_query)

    def _show_status(self, shown: int) -> None:
        q = self.portfolio_query
        total = len(self.index) if self.index else 0
        title = next(c.title for c in COLUMNS if c.key == q.sort)
        parts = [] if self.scored or not total else ["Not scored yet: press R"]
        parts.append(f"{shown:,}/{total:,}")
        parts.append(f"tier {q.tier or 'any'}")
        parts.append(f"quad {label(q.quadrant) if q.quadrant else 'any'}")
        parts.append(f"band {q.band or 'any'}")
        parts.append({"all": "all owners", "mine": "mine", "team": "my team"}[q.scope])
        parts.append(f"{title}{'▼' if q.descending else '▲'}")
        self.query_one("#status", Static).update(" · ".join(parts))

    def set_query(self, **changes: object) -> None:
        """Change the query and show the result when it is ready."""
        self.portfolio_query = replace(self.portfolio_query, **changes)  # type: ignore[arg-type]
        self.apply_query()

    # -- user actions ----------------------------------------------------------

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.set_query(text=event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one(PortfolioTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        self.query_one(PortfolioTable).focus()

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        """Sort by ``column``; the same column again flips the direction."""
        q = self.portfolio_query
        if descending is None:
            numeric = next(c.numeric for c in COLUMNS if c.key == column)
            descending = not q.descending if column == q.sort else numeric
        self.set_query(sort=column, descending=descending)

    def action_next_sort(self) -> None:
        keys = COLUMN_KEYS
        column = keys[(keys.index(self.portfolio_query.sort) + 1) % len(keys)]
        self.sort_by(column, next(c.numeric for c in COLUMNS if c.key == column))

    def action_reverse_sort(self) -> None:
        self.set_query(descending=not self.portfolio_query.descending)

    def on_portfolio_table_sort_requested(self, message: PortfolioTable.SortRequested) -> None:
        self.sort_by(message.column)

    def action_cycle_tier(self) -> None:
        self.set_query(tier=_cycle(TIERS, self.portfolio_query.tier))

    def action_cycle_quadrant(self) -> None:
        self.set_query(quadrant=_cycle(QUADRANTS, self.portfolio_query.quadrant))

    def action_cycle_band(self) -> None:
        self.set_query(band=_cycle(BANDS, self.portfolio_query.band))

    def action_cycle_scope(self) -> None:
        self.set_scope(SCOPES[(SCOPES.index(self.portfolio_query.scope) + 1) % len(SCOPES)])

    def set_scope(self, scope: str) -> None:
        """Everyone's accounts, mine, or my team's (needs to know who "me" is)."""
        whose = "see your own and your team's accounts"
        if scope == "all" or knows_who(self, self.service, whose, title="Whose accounts?"):
            self.set_query(scope=scope)

    def action_reload(self) -> None:
        self.load_index()

    def on_scores_changed(self, message: ScoresChanged) -> None:
        """The portfolio was rescored: read every row's stored scores again."""
        self.load_index()

    def on_portfolio_table_account_chosen(self, message: PortfolioTable.AccountChosen) -> None:
        self.post_message(OpenAccount(message.account_id))

    def on_screen_resume(self) -> None:
        self.query_one(PortfolioTable).focus()
