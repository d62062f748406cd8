"""Read models: what the front ends show, as typed results.

The CLI, the Slack bot and the TUI render these and never query the database
themselves, so each fact is read one way and a renamed field is a type error.
One module per read model:

- :mod:`.accounts`: the account list (``kam accounts``, ``/kam list``);
- :mod:`.card`: the account card (``kam show``, ``/kam show``, the TUI's account screen);
- :mod:`.home`: a person's home tab (due items, key accounts, overdue promises, untold news);
- :mod:`.team_summary`: the weekly team summary;
- :mod:`.portfolio_rows`: the TUI's portfolio table;
- :mod:`.score_counts`: tiers, quadrants and bands counted over those rows (the overview);
- :mod:`.lookups`: the small reads a command needs before it acts;
- :mod:`.pickers`: what a type-ahead picker offers (accounts, an account's contacts).

Each name is imported from its module when first asked for (``from core.views import
account_card`` imports the card's module, not the home tab's reminder machinery), so a
command reads in only the read models it shows. ``score_counts`` is both a module and
the function it defines; the package keeps the function under that name.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from core.lazy import importer

if TYPE_CHECKING:
    from core.views.accounts import AccountPage, AccountRow, account_page, list_accounts
    from core.views.card import AccountCard, ContactFacts, account_card, contact_list, profile_lines
    from core.views.home import AppHome, app_home
    from core.views.lookups import account_named_at_start, latest_open_order, owned_account_ids
    from core.views.pickers import PICK_LIMIT, Choice, account_choices, contact_choices
    from core.views.portfolio_rows import (
        PortfolioColumns,
        PortfolioRow,
        first_columns,
        first_page,
        load_columns,
        load_rows,
        short_names,
    )
    from core.views.score_counts import ScoreCounts, column_counts, score_counts
    from core.views.team_summary import TeamSummary, weekly_team_summary

_MODULE_OF = {
    "AccountPage": "core.views.accounts",
    "AccountRow": "core.views.accounts",
    "account_page": "core.views.accounts",
    "list_accounts": "core.views.accounts",
    "AccountCard": "core.views.card",
    "ContactFacts": "core.views.card",
    "account_card": "core.views.card",
    "contact_list": "core.views.card",
    "profile_lines": "core.views.card",
    "AppHome": "core.views.home",
    "app_home": "core.views.home",
    "account_named_at_start": "core.views.lookups",
    "latest_open_order": "core.views.lookups",
    "owned_account_ids": "core.views.lookups",
    "PICK_LIMIT": "core.views.pickers",
    "Choice": "core.views.pickers",
    "account_choices": "core.views.pickers",
    "contact_choices": "core.views.pickers",
    "PortfolioColumns": "core.views.portfolio_rows",
    "PortfolioRow": "core.views.portfolio_rows",
    "first_columns": "core.views.portfolio_rows",
    "first_page": "core.views.portfolio_rows",
    "load_columns": "core.views.portfolio_rows",
    "load_rows": "core.views.portfolio_rows",
    "short_names": "core.views.portfolio_rows",
    "ScoreCounts": "core.views.score_counts",
    "column_counts": "core.views.score_counts",
    "score_counts": "core.views.score_counts",
    "TeamSummary": "core.views.team_summary",
    "weekly_team_summary": "core.views.team_summary",
}
"""Where each name lives."""

__all__ = [
    "PICK_LIMIT",
    "AccountCard",
    "AccountPage",
    "AccountRow",
    "AppHome",
    "Choice",
    "ContactFacts",
    "PortfolioColumns",
    "PortfolioRow",
    "ScoreCounts",
    "TeamSummary",
    "account_card",
    "account_choices",
    "account_named_at_start",
    "account_page",
    "app_home",
    "column_counts",
    "contact_choices",
    "contact_list",
    "first_columns",
    "first_page",
    "latest_open_order",
    "list_accounts",
    "load_columns",
    "load_rows",
    "owned_account_ids",
    "profile_lines",
    "score_counts",
    "short_names",
    "weekly_team_summary",
]


class _Views(types.ModuleType):
    """This package: a submodule named as a function of it (``score_counts``) does not
    replace the function when it is imported (an eager ``from … import`` used to rebind
    it; a lazy one would return the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _MODULE_OF:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Views


__getattr__ = importer(globals(), _MODULE_OF)
