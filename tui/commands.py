"""Command palette entries: every action of the current screen, and accounts by name."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from tui.format import label
from tui.messages import OpenAccount
from tui.portfolio_index import BANDS, COLUMNS, QUADRANTS, TIERS

if TYPE_CHECKING:
    from tui.app import KamApp

MAX_ACCOUNT_HITS = 20


def kam_commands(app: KamApp, screen: Screen[object]) -> Iterable[SystemCommand]:
    """The palette's entries for ``screen``: app-wide ones, then the screen's own."""
    from tui.screens.account import AccountScreen
    from tui.screens.accounts import AccountsScreen
    from tui.screens.due import DueScreen
    from tui.screens.forms import FORMS, PLAN_FORMS
    from tui.screens.plan import PlanScreen
    from tui.screens.portfolio import PortfolioScreen

    yield SystemCommand("Help: keys", "Every key binding, by screen", app.action_help)
    yield SystemCommand("Portfolio table", "Back to the table of accounts", app.action_accounts)
    yield SystemCommand("Due", "What is due, by priority", app.action_due)
    yield SystemCommand(
        "Portfolio overview", "Matrix, concentration, tiers, capacity, goals", app.action_overview
    )
    yield SystemCommand(
        "Rescore the portfolio",
        "Score every account now and store the scores every screen shows (R)",
        app.action_rescore,
    )
    yield SystemCommand("History", "Who changed what in kam, newest first (h)", app.action_history)
    yield SystemCommand(
        "People", "Everyone on the team: change or deactivate them (U)", app.action_users
    )
    yield SystemCommand(
        "Working hours", "When kam may send you reminders; your digest's time", app.action_hours
    )
    if isinstance(screen, AccountsScreen):
        for column in COLUMNS:
            yield SystemCommand(
                f"Sort by {column.title}",
                "Again to reverse",
                partial(screen.sort_by, column.key),
            )
        for tier in (*TIERS, None):
            yield SystemCommand(
                f"Tier: {tier or 'any'}",
                "Show only this tier",
                partial(screen.set_query, tier=tier),
            )
        for quadrant in (*QUADRANTS, None):
            yield SystemCommand(
                f"Quadrant: {label(quadrant) if quadrant else 'any'}",
                "Show only this quadrant",
                partial(screen.set_query, quadrant=quadrant),
            )
        for band in (*BANDS, None):
            yield SystemCommand(
                f"Health band: {band or 'any'}",
                "Show only this band",
                partial(screen.set_query, band=band),
            )
        for scope, words in (("all", "everyone's"), ("mine", "mine"), ("team", "my team's")):
            yield SystemCommand(
                f"Accounts: {words}",
                "Whose accounts to show",
                partial(screen.set_scope, scope),
            )
        yield SystemCommand(
            "Filter", "Type to filter by name, sector or owner", screen.action_focus_filter
        )
        yield SystemCommand("Reload", "Read the accounts again", screen.action_reload)
    if isinstance(screen, AccountScreen):
        for name, form in FORMS.items():
            yield SystemCommand(form.title, "For this account", partial(screen.action_form, name))
        yield SystemCommand(
            "Account plan", "Objectives, actions, risks, reviews", screen.action_plan
        )
        yield SystemCommand(
            "Account history", "Who changed what on this account", screen.action_history
        )
    if isinstance(screen, PlanScreen):
        for name, form in PLAN_FORMS.items():
            yield SystemCommand(form.title, "To this plan", partial(screen.action_form, name))
        yield SystemCommand(
            "Mark an action done", "One of the plan's open actions", screen.action_done
        )
    if isinstance(screen, DueScreen):
        yield SystemCommand("Done", "Tick off the item under the cursor", screen.action_done)
        yield SystemCommand("Snooze", "Put it off a day, 3 days, a week…", screen.action_snooze)
        yield SystemCommand("Log an interaction", "With the item's customer", screen.action_log)
        yield SystemCommand("Open the account", "The item's customer", screen.action_open)
        yield SystemCommand("Due: mine, my team, everyone", "Whose list", screen.action_cycle_scope)
        yield SystemCommand("Reload", "Ask again what is due", screen.action_reload)
    if isinstance(screen, PortfolioScreen):
        yield SystemCommand("Reload", "Compute the figures again", screen.action_reload)
        yield SystemCommand("Set a goal", "At team, tier or account scope", screen.action_set_goal)
        yield SystemCommand("Change a goal", "Its target or period", screen.action_edit_goal)


class AccountSearch(Provider):
    """Open an account by typing part of its name."""

    def _names(self) -> list[tuple[int, str]]:
        app: KamApp = self.app  # type: ignore[assignment]
        index = app.accounts.index
        return [] if index is None else index.names()

    async def search(self, query: str) -> Hits:
        needle = query.strip().casefold()
        if len(needle) < 2:
            return
        matcher = self.matcher(query)
        found = 0
        for account_id, name in self._names():
            if needle not in name.casefold():
                continue
            yield Hit(
                matcher.match(name) or 0.5,
                matcher.highlight(f"Open {name}"),
                partial(self.app.post_message, OpenAccount(account_id)),
                help="Account",
            )
            found += 1
            if found >= MAX_ACCOUNT_HITS:
                return

    async def discover(self) -> Hits:
        for account_id, name in self._names()[:5]:
            yield DiscoveryHit(
                f"Open {name}",
                partial(self.app.post_message, OpenAccount(account_id)),
                help="Account",
            )
