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


COMMANDS: tuple[Entry, ...] = (
    Entry(
        "init",
        "portfolio",
        COMMAND,
        "Create the database, or bring an older one up to date (repairing what an\n"
        "interrupted upgrade of an older kam left behind).",
    ),
    Entry(
        "demo",
        "portfolio",
        COMMAND,
        "Load the demo portfolio (the real CRM sample dataset, or a synthetic one) and score it.",
    ),
    Entry(
        "accounts",
        "portfolio",
        COMMAND,
        "List accounts, largest revenue over the last 12 months first.",
    ),
    Entry(
        "show",
        "portfolio",
        COMMAND,
        "One account card: who they are, who we know there, what happened last.",
    ),
    Entry(
        "log",
        "records",
        COMMAND,
        "Log an interaction with a customer; it resets the check-in clock.",
    ),
    Entry("users", "records", GROUP, "People on the team and their Slack identities."),
    Entry(
        "promise",
        "recording",
        COMMAND,
        "Record a promise made to the customer; kam reminds whoever keeps it.",
    ),
    Entry(
        "notice",
        "recording",
        COMMAND,
        "Record bad news the customer must hear from us by a day; kam nags until it is told.",
    ),
    Entry(
        "order",
        "recording",
        COMMAND,
        "Record an order the customer placed; a thank-you becomes due.",
    ),
    Entry("feedback", "recording", COMMAND, "Record how the customer rates us."),
    Entry(
        "done",
        "recording",
        COMMAND,
        "Tick a reminder off; what it asked for is recorded (a kept promise, a logged call).",
    ),
    Entry(
        "snooze",
        "recording",
        COMMAND,
        "Put a reminder away until a later moment; it comes back then.",
    ),
    Entry("audit", "recording", COMMAND, "Who changed what and when, newest first."),
    Entry("contact", "people", GROUP, "The people at a customer."),
    Entry(
        "fact",
        "people",
        GROUP,
        "Personal facts about a contact: hometown, team, interests, family, birthday, note.",
    ),
    Entry("account", "people", GROUP, "One account's profile."),
    Entry("request", "plans", GROUP, "What customers ask for that we do not offer."),
    Entry("goal", "plans", GROUP, "Goals at team, tier or account scope."),
    Entry("plan", "plans", GROUP, "Account plans of strategic and key accounts."),
    Entry("review", "plans", GROUP, "Quarterly account reviews."),
    Entry("score", "scoring", COMMAND, "Scores, tier, quadrant and breakdown."),
    Entry(
        "portfolio",
        "scoring",
        COMMAND,
        "Concentration, tiers and matrix, capacity, customer value and the revenue forecast.",
    ),
    Entry(
        "due",
        "checkins",
        COMMAND,
        "What is due, most urgent first, with what to bring up with each customer.",
    ),
    Entry(
        "remind",
        "checkins",
        COMMAND,
        "One reminder sweep: claim what is due and deliver each reminder exactly once.",
    ),
    Entry(
        "import",
        "transfer",
        COMMAND,
        "Import CSV files: checked row by row, all or nothing, again without duplicates.",
    ),
    Entry(
        "export",
        "transfer",
        COMMAND,
        "Export everything a team cares about; `kam import --profile kam DIR` restores it.",
    ),
    Entry(
        "bot",
        "bot",
        COMMAND,
        "Run the Slack bot and its reminder scheduler until stopped (Ctrl-C).",
    ),
    Entry(
        "tui",
        "tui",
        COMMAND,
        "Open the terminal UI: the portfolio table, accounts, what is due, the overview.",
    ),
    Entry(
        "capture",
        "capture",
        GROUP,
        "Capture interactions from e-mail and calendars; review who kam could not place.",
    ),
)

MODULES: tuple[str, ...] = tuple(dict.fromkeys(e.module for e in COMMANDS))
"""The command modules, in the order they register (the order ``kam --help`` lists)."""

MODULE_OF: dict[str, str] = {e.name: e.module for e in COMMANDS}
