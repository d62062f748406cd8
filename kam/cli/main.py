"""The ``kam`` application: command groups, global options, and error handling.

User errors exit 1 with one line on stderr; usage errors exit 2; anything
unexpected is logged with its traceback to a file and reported in one line.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from platformdirs import user_log_path

from core.errors import KamError
from kam.cli import bot, checkins, plans, portfolio, records, scoring, transfer, tui

app = typer.Typer(
    name="kam",
    help="Key account management: know which customers matter, and who has not been called.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL", help="Database URL (overrides KAM_DATABASE_URL)."),
    ] = None,
) -> None:
    """kam: the key account management assistant.

    A ``--db`` given here is read by each command's own ``--db`` option
    (:data:`kam.cli.context.DbOption`).
    """


for module in (portfolio, records, plans, scoring, checkins, transfer, bot, tui):
    module.register(app)


LOGGED = ("core", "kambot")
"""The packages whose warnings (a delivery that failed, a retry) go to the log file."""


def _log_path() -> Path:
    path = user_log_path("kam", appauthor=False) / "kam.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _log_warnings_to_file() -> None:
    """Send kam's own warnings to the log file, not as tracebacks onto the terminal.

    The file is opened only when something is written. ``kam bot`` adds the
    terminal as well, for an operator watching it.
    """
    if any(h.name == "kam-log-file" for h in logging.getLogger(LOGGED[0]).handlers):
        return  # already set up (run() called again in one process)
    try:
        handler = logging.FileHandler(_log_path(), encoding="utf-8", delay=True)
    except OSError:
        return
    handler.name = "kam-log-file"
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in LOGGED:
        logging.getLogger(name).addHandler(handler)


def _log_unexpected(exc: BaseException) -> str:
    try:
        path = _log_path()
        logger = logging.getLogger("kam")
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.error("unexpected error\n%s", "".join(traceback.format_exception(exc)))
        handler.close()
        return str(path)
    except OSError:
        return "(the log file could not be written)"


def run(argv: list[str] | None = None) -> None:
    """Entry point of the ``kam`` console script."""
    _log_warnings_to_file()
    try:
        app(args=argv, prog_name="kam")
    except KamError as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        where = _log_unexpected(exc)
        typer.echo(
            f"Error: kam hit an unexpected problem ({type(exc).__name__}). Details: {where}",
            err=True,
        )
        sys.exit(1)
