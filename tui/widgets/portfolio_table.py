"""A virtual table of accounts: it renders only the lines on screen.

The built-in DataTable builds every row up front and needs seconds to first
paint at 100,000 accounts. This table holds the index and the current order
(a list of row positions) and draws a line when it is asked for one, so the
cost of a frame is the height of the terminal, whatever the portfolio's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.scoring.trend import HealthChange
from core.views import PortfolioRow
from tui.format import days_between, money, short
from tui.portfolio_index import COLUMNS, Column, IntArray, PortfolioIndex

TIER_LABELS = {"strategic": "strat", "key": "key", "growth": "grow", "standard": "std"}
QUADRANT_LABELS = {
    "strategic": "strat",
    "develop": "devel",
    "maintain": "maint",
    "serve_efficiently": "serve",
}
MIN_NAME = 14
MAX_NAME = 36
MIN_OWNER = 12
MAX_OWNER = 22


class PortfolioTable(ScrollView, can_focus=True):
    """The accounts in the order and selection the portfolio query asks for."""

    DEFAULT_CSS = """
    PortfolioTable {
        background: $surface;
        scrollbar-gutter: stable;
    }
    PortfolioTable > .portfolio-table--header { text-style: bold; background: $panel; }
    PortfolioTable > .portfolio-table--sorted { text-style: bold underline; background: $panel; }
    PortfolioTable > .portfolio-table--cursor { background: $accent 40%; }
    PortfolioTable:focus > .portfolio-table--cursor { background: $accent; }
    PortfolioTable > .portfolio-table--red { color: $error; }
    PortfolioTable > .portfolio-table--yellow { color: $warning; }
    PortfolioTable > .portfolio-table--green { color: $success; }
    PortfolioTable > .portfolio-table--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "portfolio-table--header",
        "portfolio-table--sorted",
        "portfolio-table--cursor",
        "portfolio-table--red",
        "portfolio-table--yellow",
        "portfolio-table--green",
        "portfolio-table--muted",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "choose", "Open", show=True),
    ]

    cursor = reactive(0, always_update=True)

    @dataclass
    class AccountChosen(Message):
        """The user opened the account under the cursor."""

        account_id: int

    @dataclass
    class SortRequested(Message):
        """The user clicked a column heading."""

        column: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = PortfolioIndex()
        self.positions: IntArray = np.zeros(0, dtype=np.int64)
        self.sort_column = ""
        self.descending = True
        self.now: datetime | None = None
        self.placeholder = "Loading accounts…"
        self._widths: list[int] = [c.width for c in COLUMNS]
        self._line_cache: dict[tuple[int, bool], Strip] = {}

    # -- data ---------------------------------------------------------------

    def show(
        self,
        index: PortfolioIndex,
        positions: IntArray,
        *,
        sort: str,
        descending: bool,
        now: datetime,
        placeholder: str = "No accounts match.",
    ) -> None:
        """Show ``positions`` of ``index``, keeping the cursor on the same account if it stayed."""
        current = self.current_row
        self.index = index
        self.positions = positions
        self.sort_column = sort
        self.descending = descending
        self.now = now
        self.placeholder = placeholder
        self._line_cache.clear()
        self._layout_columns()
        self.virtual_size = Size(sum(self._widths) + len(self._widths), len(positions) + 1)
        target = 0
        if current is not None:
            same = np.flatnonzero(index.ids()[positions[:5000]] == current.id)
            target = int(same[0]) if len(same) else 0
        self.cursor = target
        self.refresh()

    @property
    def row_count(self) -> int:
        """How many accounts the table holds now."""
        return len(self.positions)

    @property
    def current_row(self) -> PortfolioRow | None:
        """The account under the cursor."""
        if not 0 <= self.cursor < len(self.positions):
            return None
        return self.index.rows[int(self.positions[self.cursor])]

    def visible_names(self) -> list[str]:
        """The names on screen, top to bottom (for tests and the bench)."""
        top = round(self.scroll_y)
        end = top + max(self.size.height - 1, 0)
        return [self.index.rows[p].name for p in self.positions[top:end]]

    # -- layout ---------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._line_cache.clear()
        self._layout_columns()
        self.virtual_size = Size(sum(self._widths) + len(self._widths), len(self.positions) + 1)

    def _layout_columns(self) -> None:
        """Give the name and owner columns what the terminal's width leaves."""
        widths = [c.width for c in COLUMNS]
        available = max(self.scrollable_content_region.width, 40)
        fixed = sum(
            w for c, w in zip(COLUMNS, widths, strict=True) if c.key not in ("name", "owner")
        )
        spare = available - fixed - len(COLUMNS)
        name = max(MIN_NAME, min(MAX_NAME, spare - MIN_OWNER))
        owner = max(MIN_OWNER, min(MAX_OWNER, spare - name))
        name = max(name, spare - owner) if spare - owner <= MAX_NAME + 20 else name
        for i, column in enumerate(COLUMNS):
            if column.key == "name":
                widths[i] = name
            elif column.key == "owner":
                widths[i] = owner
        self._widths = widths

    # -- drawing --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            strip = self._header()
        else:
            n = scroll_y + y - 1
            if not len(self.positions):
                if y == 2:
                    muted = self.get_component_rich_style("portfolio-table--muted")
                    return Strip([Segment(f" {self.placeholder}", muted)]).extend_cell_length(width)
                return Strip.blank(width, self.rich_style)
            if n >= len(self.positions):
                return Strip.blank(width, self.rich_style)
            key = (n, n == self.cursor)
            strip = self._line_cache.get(key) or self._row_line(n)
            if len(self._line_cache) > 2000:
                self._line_cache.clear()
            self._line_cache[key] = strip
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, self.rich_style)

    def _header(self) -> Strip:
        plain = self.get_component_rich_style("portfolio-table--header")
        sorted_style = self.get_component_rich_style("portfolio-table--sorted")
        segments = []
        for column, width in zip(COLUMNS, self._widths, strict=True):
            title = column.title
            style = plain
            if column.key == self.sort_column:
                title = f"{title[: width - 1]}{'▼' if self.descending else '▲'}"
                style = sorted_style
            segments.append(Segment(_fit(title, width, column.numeric), style))
            segments.append(Segment(" ", plain))
        return Strip(segments)

    def _row_line(self, n: int) -> Strip:
        row = self.index.rows[self.positions[n]]
        base = self.rich_style
        if n == self.cursor:
            base = base + self.get_component_rich_style("portfolio-table--cursor")
        muted = base + self.get_component_rich_style("portfolio-table--muted")
        segments = []
        for column, width in zip(COLUMNS, self._widths, strict=True):
            text, style = self._cell(row, column, base, muted)
            segments.append(Segment(_fit(text, width, column.numeric), style))
            segments.append(Segment(" ", base))
        return Strip(segments)

    def _cell(
        self, row: PortfolioRow, column: Column, base: Style, muted: Style
    ) -> tuple[str, Style]:
        key = column.key
        if key == "name":
            return row.name, base
        if key == "tier":
            return TIER_LABELS.get(row.tier, row.tier), base
        if key == "quadrant":
            return (
                (QUADRANT_LABELS.get(row.quadrant, row.quadrant), base)
                if row.quadrant
                else ("–", muted)
            )
        if key in ("attractiveness", "relationship"):
            value = getattr(row, key)
            return (f"{value:.0f}", base) if value is not None else ("–", muted)
        if key == "health":
            if row.health is None:
                return "–", muted
            arrow = _arrow(row.trend)
            style = base + self.get_component_rich_style(f"portfolio-table--{row.band}")
            return f"●{row.health:3.0f}{arrow}", style
        if key == "revenue_12m":
            return (money(row.revenue_12m), base) if row.revenue_12m else ("0", muted)
        if key == "last_contact":
            if row.last_contact is None or self.now is None:
                return "never", muted
            return short(days_between(row.last_contact, self.now)), base
        if key == "next_due":
            if row.next_due is None or self.now is None:
                return "now", base + self.get_component_rich_style("portfolio-table--yellow")
            days = days_between(self.now, row.next_due)
            if days < 0:
                return f"-{-days}d", base + self.get_component_rich_style("portfolio-table--red")
            return f"{days}d", base
        if key == "owner":
            return (row.owner, base) if row.owner else ("nobody", muted)
        return str(getattr(row, key)), base

    # -- moving ---------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if len(self.positions):
            clamped = max(0, min(new, len(self.positions) - 1))
            if clamped != new:
                self.cursor = clamped
                return
        self._line_cache.pop((old, True), None)
        self._line_cache.pop((new, False), None)
        self._scroll_cursor_into_view()
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        body = max(self.size.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self.positions) - 1))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(len(self.positions) - 1, 0)

    def action_choose(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.AccountChosen(row.id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + round(self.scroll_x)
            for column, width in zip(COLUMNS, self._widths, strict=True):
                if x < width + 1:
                    self.post_message(self.SortRequested(column.key))
                    return
                x -= width + 1
            return
        n = round(self.scroll_y) + offset.y - 1
        if 0 <= n < len(self.positions):
            if n == self.cursor or event.chain > 1:
                self.cursor = n
                self.action_choose()
            else:
                self.cursor = n


def _fit(text: str, width: int, right: bool) -> str:
    """Cut ``text`` to ``width`` cells with an ellipsis, padded left or right."""
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text.rjust(width) if right else text.ljust(width)


ARROWS = {"up": "↑", "down": "↓"}


def _arrow(trend: HealthChange | None) -> str:
    """Which way health moved since the previous scoring run; a blank when steady."""
    return " " if trend is None else ARROWS.get(trend.direction, " ")
