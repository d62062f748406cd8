"""The ``kam`` application: command groups, global options, and error handling.

User errors exit 1 with one line on stderr; usage errors exit 2; anything
unexpected is logged with its traceback to a file and reported in one line.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Annotated

import typer
from platformdirs import user_log_path

from core.errors import KamError
from core.masking import MaskingFormatter, mask
from kam.cli.commands import COMMANDS, GROUP, MODULE_OF, MODULES

HELP = "Key account management: know which customers matter, and who has not been called."


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


def _application() -> typer.Typer:
    app = typer.Typer(
        name="kam",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(main)
    return app


def application(modules: Iterable[str] = MODULES) -> typer.Typer:
    """The ``kam`` application with the commands of ``modules`` (every command's by
    default), each module imported only now."""
    app = _application()
    for name in modules:
        importlib.import_module(f"kam.cli.{name}").register(app)
    return app


def overview() -> typer.Typer:
    """The application as ``kam --help`` lists it, from :data:`COMMANDS` alone: no
    command module (nor the database layer they bring) is imported to list them."""
    app = _application()
    for entry in COMMANDS:
        if entry.kind == GROUP:
            app.add_typer(typer.Typer(), name=entry.name, help=entry.help)
        else:
            app.command(entry.name, help=entry.help)(_listed_only)
    return app


def _listed_only() -> None:
    """Never run: :func:`overview` only lists commands."""


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` asks for (None: only options, such as ``--help``)."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def application_for(argv: Sequence[str]) -> typer.Typer:
    """What ``argv`` needs: the list of commands, one command's module, or (a name kam
    does not know, for typer's "no such command" and its suggestion) every module."""
    name = command_named(argv)
    if name is None:
        return overview()
    module = MODULE_OF.get(name)
    return application([module] if module else MODULES)


LOGGED = ("core", "kambot", "kam")
"""The packages whose warnings (a delivery that failed, a retry) and unexpected errors go
to the log file."""
LOG_FILE = "kam-log-file"


def _log_path() -> Path:
    path = user_log_path("kam", appauthor=False) / "kam.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _rotation() -> tuple[int, int]:
    """KAM_LOG_MAX_BYTES and KAM_LOG_BACKUPS, or their defaults when the
    configuration cannot be read (the command itself will say why)."""
    from core.settings import Settings

    try:
        config = Settings()
    except Exception:
        config = Settings.model_construct()
    return config.kam_log_max_bytes, config.kam_log_backups


class _LogFile(RotatingFileHandler):
    """kam's log file, which reads its rotation (and, with the configuration, the secrets
    it masks) when it first writes: most commands write nothing, and reading the
    configuration costs a command that does not need it a tenth of a second."""

    configured = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.configured:
            self.maxBytes, self.backupCount = _rotation()
            self.configured = True
        super().emit(record)


def _log_file() -> logging.Handler | None:
    """kam's own log file, shared by every logger in :data:`LOGGED`: warnings, not
    tracebacks on the terminal, and the details of unexpected errors.

    It rotates (KAM_LOG_MAX_BYTES, KAM_LOG_BACKUPS), is opened only when something is
    written, and masks secrets in every line. ``kam bot`` adds the terminal as well,
    for an operator watching it.
    """
    loggers = [logging.getLogger(name) for name in LOGGED]
    try:
        path = _log_path()
    except OSError:
        return None
    for handler in loggers[0].handlers:
        if handler.name == LOG_FILE:
            if getattr(handler, "baseFilename", None) == str(path):
                return handler  # already set up (run() called again in one process)
            for logger in loggers:
                logger.removeHandler(handler)
            handler.close()
    rotating = _LogFile(path, encoding="utf-8", delay=True)
    rotating.name = LOG_FILE
    rotating.setLevel(logging.WARNING)
    rotating.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for logger in loggers:
        logger.addHandler(rotating)
    return rotating


def _log_unexpected(exc: BaseException) -> str:
    handler = _log_file()
    if handler is None:
        return "(the log file could not be written)"
    logging.getLogger("kam").error("unexpected error", exc_info=exc)
    return str(getattr(handler, "baseFilename", "the log file"))


def run(argv: list[str] | None = None) -> None:
    """Entry point of the ``kam`` console script."""
    args = sys.argv[1:] if argv is None else argv
    if command_named(args) is not None:  # the list of commands writes no log
        _log_file()
    try:
        application_for(args)(args=args, prog_name="kam")
    except KamError as exc:
        typer.echo(f"Error: {mask(str(exc))}", err=True)
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
