"""The key bindings of every screen, read from the screens themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "kam keeps the whole portfolio in one table. Type to filter, Enter opens an "
    "account, and every action is also in the command palette (Ctrl+P). "
    "The mouse works too: click a heading to sort, click a row twice to open it."
)


def _keys(binding: BindingType) -> tuple[str, str] | None:
    if not isinstance(binding, Binding) or not binding.description:
        return None
    keys = ", ".join(
        {"slash": "/", "question_mark": "?", "escape": "Esc", "enter": "Enter"}.get(k, k)
        for k in binding.key.split(",")
    )
    return keys, binding.description


def bindings_table() -> Table:
    """One table: screen, keys, what they do."""
    from tui.app import KamApp
    from tui.screens.account import AccountScreen
    from tui.screens.accounts import AccountsScreen
    from tui.screens.forms import FormScreen
    from tui.widgets.portfolio_table import PortfolioTable

    table = Table(expand=True, box=None, padding=(0, 1))
    table.add_column("Where", style="bold")
    table.add_column("Keys", style="bold cyan")
    table.add_column("Does", ratio=1)
    sections: list[tuple[str, list[BindingType]]] = [
        ("Anywhere", [*KamApp.BINDINGS, Binding("ctrl+p", "", "Command palette")]),
        ("Portfolio", [*AccountsScreen.BINDINGS, *PortfolioTable.BINDINGS]),
        ("Account", list(AccountScreen.BINDINGS)),
        ("Forms", [*FormScreen.BINDINGS, Binding("tab", "", "Next field")]),
    ]
    for screen in _extra_screens():
        sections.append(screen)
    for where, bindings in sections:
        first = True
        for binding in bindings:
            keys = _keys(binding)
            if keys is None:
                continue
            table.add_row(where if first else "", *keys)
            first = False
    return table


def _extra_screens() -> list[tuple[str, list[BindingType]]]:
    from tui.screens.due import DueScreen
    from tui.screens.plan import PlanScreen
    from tui.screens.portfolio import PortfolioScreen
    from tui.screens.unmatched import UnmatchedScreen
    from tui.screens.users import UsersScreen

    return [
        ("Due", list(DueScreen.BINDINGS)),
        ("Overview", list(PortfolioScreen.BINDINGS)),
        ("Not placed", list(UnmatchedScreen.BINDINGS)),
        ("Plan", list(PlanScreen.BINDINGS)),
        ("People", list(UsersScreen.BINDINGS)),
    ]


class HelpScreen(ModalScreen[None]):
    """What each key does, on every screen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static("[b]kam: keys[/b]\n")
            yield Static(INTRO + "\n")
            yield Static(bindings_table())
            yield Static("\n[dim]Esc closes this help.[/dim]")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
