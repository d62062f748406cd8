"""``kam capture``: record e-mail and meetings with customers as interactions, and review
the people kam could not place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from core.capture.config import load_capture_config
from core.capture.run import capture_calendar, capture_mail
from core.capture.sources import calendar_account, mail_account
from core.capture.store import CaptureReport
from core.db import session_scope
from core.errors import KamError
from kam.cli.context import DbOption, engine, settings

capture_app = typer.Typer(
    help="Capture interactions from e-mail and calendars; review who kam could not place.",
    no_args_is_help=True,
)

DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Read and match, and say what would be recorded; store nothing."
    ),
]


def _finish(report: CaptureReport, *, dry_run: bool) -> None:
    """Print the run; a run that stopped early exits 1 with its one line, after
    what it read before is kept."""
    if report.failure and not report.read:
        raise KamError(report.failure)
    typer.echo(("Dry run, nothing stored. " if dry_run else "") + report.line())
    for problem in report.problems[:20]:
        typer.echo(f"  skipped: {problem}", err=True)
    if report.failure:
        raise KamError(report.failure + " What was read before it is kept; run it again later.")


def _run(
    capture: Callable[..., CaptureReport], source: object, dry_run: bool, db: str | None
) -> None:
    """One capture run in one transaction (rolled back for a dry run), then its report."""
    rules = load_capture_config()
    eng = engine(db)
    try:
        with session_scope(eng) as s:
            report = capture(source, rules, session=s)
            if dry_run:
                s.rollback()
    finally:
        eng.dispose()
    _finish(report, dry_run=dry_run)


@capture_app.command("mail")
def mail(dry_run: DryRunOption = False, db: DbOption = None) -> None:
    """Read new messages in the configured folders and record those with customers."""
    _run(capture_mail, mail_account(settings()), dry_run, db)


@capture_app.command("calendar")
def calendar(dry_run: DryRunOption = False, db: DbOption = None) -> None:
    """Read the calendar: meetings held become interactions, those to come are planned."""
    _run(capture_calendar, calendar_account(settings()), dry_run, db)


def register(app: typer.Typer) -> None:
    """Add ``kam capture`` to the application."""
    app.add_typer(capture_app, name="capture")
