"""``kam capture``: record e-mail and meetings with customers as interactions, and review
the people kam could not place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from core.capture.config import load_capture_config
from core.capture.review import ignore_address, make_contact, unmatched_queue
from core.capture.run import capture_calendar, capture_mail
from core.capture.sources import calendar_account, mail_account
from core.capture.store import CaptureReport
from core.db import session_scope
from core.errors import KamError
from core.services.accounts import find_account
from kam.cli import context as cli
from kam.cli.context import AccountArgument, AsOption, DbOption, JsonOption

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
    eng = cli.engine(db)
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
    _run(capture_mail, mail_account(cli.settings()), dry_run, db)


@capture_app.command("calendar")
def calendar(dry_run: DryRunOption = False, db: DbOption = None) -> None:
    """Read the calendar: meetings held become interactions, those to come are planned."""
    _run(capture_calendar, calendar_account(cli.settings()), dry_run, db)


@capture_app.command("unmatched")
def unmatched(
    limit: Annotated[int, cli.table_limit("People")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who kam saw in mail or meetings but could not place, the most often seen first."""
    with cli.session(db) as s:
        queue = unmatched_queue(session=s, limit=limit)
    if as_json:
        cli.emit_json(queue.as_json())
        return
    if not queue.waiting:
        typer.echo("No one waits for review.")
        return
    table = Table(title=f"{queue.waiting} waiting for review")
    for column in ("Address", "Name", "Seen", "Last seen", "Last subject"):
        table.add_column(column)
    for p in queue.people:
        table.add_row(
            escape(p.address),
            escape(p.name or ""),
            str(p.seen),
            f"{p.last_seen:%Y-%m-%d}",
            escape(p.last_subject or ""),
        )
    cli.console.print(table)
    cli.print_rest(queue.waiting, limit)
    typer.echo(
        "Make one a contact: kam capture contact ADDRESS ACCOUNT; or: kam capture ignore ADDRESS"
    )


AddressArgument = Annotated[str, typer.Argument(help="The address waiting for review.")]


@capture_app.command("contact")
def contact(
    address: AddressArgument,
    account: AccountArgument,
    name: Annotated[str | None, typer.Option("--name", help="Their name (else as seen).")] = None,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Make someone from the review queue a contact of an account; their mail then counts."""
    with cli.session(db) as s:
        target = find_account(account, session=s)
        made = make_contact(
            address, target, session=s, actor=cli.acting(as_user, session=s), name=name
        )
    typer.echo(f"{made.name} <{made.email}> is now a contact of {target.name}.")


@capture_app.command("ignore")
def ignore(
    address: AddressArgument,
    as_user: AsOption = None,
    db: DbOption = None,
) -> None:
    """Leave someone out of the review queue for good."""
    with cli.session(db) as s:
        ignore_address(address, session=s, actor=cli.acting(as_user, session=s))
    typer.echo(f"{address} is ignored; kam will not ask about them again.")


def register(app: typer.Typer) -> None:
    """Add ``kam capture`` to the application."""
    app.add_typer(capture_app, name="capture")
