"""``kam`` imports only what the command it runs needs, and lists its commands from a
table: these tests hold the table to what the modules register and the list to what
the whole application shows."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from kam.cli.commands import COMMAND, COMMANDS, GROUP, MODULES, Entry
from kam.cli.main import _application, application, command_named, overview


def registered() -> list[Entry]:
    """What each command module adds to an application, in the order kam registers them."""
    found = []
    for module in MODULES:
        app = application([module])
        group: Any = typer.main.get_command(app)
        context = group.context_class(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None
            text = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
            kind = GROUP if hasattr(command, "list_commands") else COMMAND
            found.append(Entry(name, module, kind, text))
    return found


def test_the_table_lists_every_command_its_module_registers() -> None:
    assert list(COMMANDS) == registered()


def test_kam_help_from_the_table_is_what_the_whole_application_shows() -> None:
    runner = CliRunner()
    for args in (["--help"], []):
        whole = runner.invoke(application(), args, prog_name="kam")
        listed = runner.invoke(overview(), args, prog_name="kam")
        assert (listed.exit_code, listed.output) == (whole.exit_code, whole.output)
        assert "show" in listed.output and "capture" in listed.output
    assert _application().info.help == application().info.help


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["--help"], None),
        (["--db", "sqlite:///x.db", "show", "Acme"], "show"),
        (["--db=sqlite:///x.db", "plan", "show", "Acme"], "plan"),
        (["due", "--help"], "due"),
    ],
)
def test_the_command_is_found_past_the_global_option(argv: list[str], name: str | None) -> None:
    assert command_named(argv) == name


HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "numpy",
    "alembic",
    "slack_bolt",
    "textual",
    "core.models",
    "pydantic_settings",
    "rich.progress",
    "core.repair",
    "core.demo.synthetic",
    "core.checkins",
    "core.views.home",
    "core.scoring.facts",
    "core.scoring.scored",
    "core.scoring.portfolio",
)
ONE_ACCOUNT_OR_PAGE_NEEDS_NONE_OF = frozenset(HEAVY) - {
    "sqlalchemy",
    "sqlmodel",
    "numpy",
    "core.models",
}
"""What neither ``kam show`` nor ``kam accounts`` imports: the migrations, the bot, the
terminal UI, the configuration (with ``--db`` and nothing to log), the progress bar and
repair of ``kam init`` and ``kam demo``, the generator, the reminder machinery of the
home tab, and the scoring arrays (they read stored scores)."""


def imported_by(*argv: str) -> set[str]:
    """The heavy modules a ``kam`` process imported to run ``argv``."""
    script = (
        "import sys\n"
        "from kam.cli.main import run\n"
        "try:\n"
        f"    run({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(eval(done.stdout.strip().splitlines()[-1]))


def test_kam_help_imports_no_database_layer() -> None:
    assert imported_by("--help") == set()


def test_kam_show_on_an_up_to_date_database_imports_no_alembic_bot_or_terminal_ui(
    db_url: str,
) -> None:
    loaded = imported_by("show", "Nobody", "--db", db_url)
    assert "core.models" in loaded  # it did open the database
    assert loaded.isdisjoint({"alembic", "slack_bolt", "textual"})


@pytest.mark.parametrize(
    "argv", [("show", "Nobody"), ("accounts", "--limit", "2"), ("show", "Nobody", "--json")]
)
def test_one_account_or_a_page_imports_only_what_it_reads(
    demo_db: str, argv: tuple[str, ...]
) -> None:
    loaded = imported_by(*argv, "--db", demo_db)
    assert "core.models" in loaded  # it did open the database and read it
    assert loaded & ONE_ACCOUNT_OR_PAGE_NEEDS_NONE_OF == set()


def test_a_due_list_imports_neither_the_scoring_arrays_nor_the_generator(demo_db: str) -> None:
    loaded = imported_by("due", "--user", "nobody@example.com", "--db", demo_db)
    assert "core.checkins" in loaded
    assert loaded.isdisjoint(
        {"alembic", "slack_bolt", "textual", "core.demo.synthetic", "core.scoring.scored"}
    )


@pytest.mark.parametrize(
    "first",
    ["from core.views import ScoreCounts", "import core.views.score_counts", "import core.views"],
)
def test_the_read_models_are_named_from_their_package_whatever_was_imported_first(
    first: str,
) -> None:
    """``core.views`` imports a read model when first asked for it; ``score_counts``
    (a module and its function) is the function however the module was first reached."""
    script = (
        f"{first}\n"
        "import sys\n"
        "from core.views import account_card, score_counts\n"
        "print(callable(score_counts), callable(account_card),"
        " 'core.views.home' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "True", "False"]
