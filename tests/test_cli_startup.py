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


HEAVY = ("sqlalchemy", "sqlmodel", "numpy", "alembic", "slack_bolt", "textual", "core.models")


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
