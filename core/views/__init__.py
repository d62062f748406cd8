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
"""

from core.views.accounts import AccountPage, AccountRow, account_page, list_accounts
from core.views.card import AccountCard, ContactFacts, account_card, contact_list, profile_lines
from core.views.home import AppHome, app_home
from core.views.lookups import account_named_at_start, latest_open_order, owned_account_ids
from core.views.pickers import PICK_LIMIT, Choice, account_choices, contact_choices
from core.views.portfolio_rows import PortfolioRow, first_page, load_rows, short_names
from core.views.score_counts import ScoreCounts, score_counts
from core.views.team_summary import TeamSummary, weekly_team_summary

__all__ = [
    "PICK_LIMIT",
    "AccountCard",
    "AccountPage",
    "AccountRow",
    "AppHome",
    "Choice",
    "ContactFacts",
    "PortfolioRow",
    "ScoreCounts",
    "TeamSummary",
    "account_card",
    "account_choices",
    "account_named_at_start",
    "account_page",
    "app_home",
    "contact_choices",
    "contact_list",
    "first_page",
    "latest_open_order",
    "list_accounts",
    "load_rows",
    "owned_account_ids",
    "profile_lines",
    "score_counts",
    "short_names",
    "weekly_team_summary",
]
