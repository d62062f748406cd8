"""Every top-level command of ``kam``: its name, the module that registers it, and the
line ``kam --help`` shows for it.

``kam`` imports only the module of the command it runs (``kam show`` needs neither
the Slack bot nor the importers), and answers ``kam --help`` from this table alone,
without importing any: a command module brings the database layer with it, which
costs most of a second before any work. ``tests/test_cli_startup.py`` checks the
table against what the modules register, so a new command fails there until it is
listed here.
"""

from __future__ import annotations

from typing import NamedTuple

COMMAND, GROUP = "command", "group"


class Entry(NamedTuple):
    """A top-level command (or group of commands) as ``kam --help`` lists it."""

    name: str
    module: str
    """The module of :mod:`kam.cli` whose ``register`` adds it."""
    kind: str
    """:data:`COMMAND`, or :data:`GROUP` (a name with subcommands: ``kam plan show``)."""
    help: str
    """The first paragraph of its help, which the list shows."""


def _entries(table: str) -> tuple[Entry, ...]:
    """The entries of a table whose lines name a command, its module and kind, each
    followed by its help, indented (a line break in the help is one in the table)."""
    entries: list[Entry] = []
    for line in table.strip().splitlines():
        if line.startswith(" "):
            name, module, kind, help_text = entries[-1]
            joined = f"{help_text}\n{line.strip()}" if help_text else line.strip()
            entries[-1] = Entry(name, module, kind, joined)
        else:
            name, module, kind = line.split()
            entries.append(Entry(name, module, kind, ""))
    return tuple(entries)


COMMANDS = _entries(
    """
init portfolio command
    Create the database, or bring an older one up to date.
demo portfolio command
    Load the demo portfolio (the real CRM sample dataset, or a synthetic one) and score it.
accounts portfolio command
    List accounts, largest revenue over the last 12 months first.
show portfolio command
    One account card: who they are, who we know there, what happened last.
log records command
    Log an interaction with a customer; it resets the check-in clock.
users records group
    People on the team and their Slack identities.
promise recording command
    Record a promise made to the customer; kam reminds whoever keeps it.
notice recording command
    Record bad news the customer must hear from us by a day; kam nags until it is told.
order recording command
    Record an order the customer placed; a thank-you becomes due.
feedback recording command
    Record how the customer rates us.
done recording command
    Tick a reminder off; what it asked for is recorded (a kept promise, a logged call).
snooze recording command
    Put a reminder away until a later moment; it comes back then.
audit recording command
    Who changed what and when, newest first.
contact people group
    The people at a customer.
fact people group
    Personal facts about a contact: hometown, team, interests, family, birthday, note.
account people group
    One account's profile.
request plans group
    What customers ask for that we do not offer.
goal plans group
    Goals at team, tier or account scope.
plan plans group
    Account plans of strategic and key accounts.
review plans group
    Quarterly account reviews.
score scoring command
    Scores, tier, quadrant and breakdown.
portfolio scoring command
    Concentration, tiers and matrix, capacity, customer value and the revenue forecast.
due checkins command
    What is due, most urgent first, with what to bring up with each customer.
remind checkins command
    One reminder sweep: claim what is due and deliver each reminder exactly once.
import transfer command
    Import CSV files: checked row by row, all or nothing, again without duplicates.
export transfer command
    Export everything a team cares about; `kam import --profile kam DIR` restores it.
bot bot command
    Run the Slack bot and its reminder scheduler until stopped (Ctrl-C).
tui tui command
    Open the terminal UI: the portfolio table, accounts, what is due, the overview.
capture capture group
    Capture interactions from e-mail and calendars; review who kam could not place.
"""
)

MODULES: tuple[str, ...] = tuple(dict.fromkeys(e.module for e in COMMANDS))
"""The command modules, in the order they register (the order ``kam --help`` lists)."""

MODULE_OF: dict[str, str] = {e.name: e.module for e in COMMANDS}
