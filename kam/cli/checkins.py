"""What is due, and the reminder sweep (``kam due``, ``kam remind``)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from core.checkins import ConsoleNotifier, Notifier, due_items, sweep
from core.services.users import emails, get_user_by_email
from kam.cli.context import (
    DbOption,
    JsonOption,
    console,
    emit_json,
    engine,
    print_rest,
    session,
    settings,
    table_limit,
    when_option,
)

SEVERITY_STYLE = {"red": "bold red", "yellow": "yellow", "info": "cyan"}

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="WHEN", help='The moment to look at: ISO or "tomorrow 9am" (default now).'
    ),
]


def due(
    user: Annotated[
        str | None, typer.Option("--user", metavar="EMAIL", help="Only this person's list.")
    ] = None,
    at: AtOption = None,
    limit: Annotated[int, table_limit("Items")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What is due, most urgent first, with what to bring up with each customer."""
    now = when_option(at, prefer="future")
    with session(db) as s:
        person = get_user_by_email(user, session=s) if user else None
        items = due_items(session=s, now=now, user_id=person.id if person else None)
        named = emails(session=s)
    rows = [
        {**item.as_dict(), "user": named.get(item.user_id) if item.user_id is not None else None}
        for item in items
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        who = person.name if person else "anyone"
        typer.echo(f"Nothing is due for {who} at {now:%Y-%m-%d %H:%M} UTC.")
        return
    table = Table(title=f"{len(rows):,} due at {now:%Y-%m-%d %H:%M} UTC", show_lines=True)
    for column in ("", "What", "Know them", "Owner", "Key"):
        table.add_column(column)
    for row in rows[:limit]:
        table.add_row(
            f"[{SEVERITY_STYLE[row['severity']]}]{row['severity']}[/]",
            f"[bold]{escape(row['title'])}[/]\n[italic]{escape(row['why'])}[/]\n"
            f"{escape(row['detail'])}",
            escape("\n".join(row["personal_notes"])),
            escape(row["user"] or "-"),
            escape(row["key"]),
        )
    console.print(table)
    print_rest(len(rows), limit)


def _notifier(as_json: bool) -> Notifier:
    """The Slack notifier when Slack is configured, else the console."""
    config = settings()
    if config.slack_configured:
        try:
            from kambot.notifier import build_notifier
        except ImportError:
            typer.echo("Slack delivery is not available here; printing reminders.", err=True)
        else:
            notifier: Notifier = build_notifier(config)
            return notifier
    return ConsoleNotifier(stream=sys.stderr if as_json else sys.stdout)


def remind(
    at: AtOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; send and change nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One reminder sweep: claim what is due and deliver each reminder exactly once."""
    now = when_option(at, prefer="future")
    eng = engine(db)
    try:
        report = sweep(eng, _notifier(as_json), now=now, dry_run=dry_run)
    finally:
        eng.dispose()
    if as_json:
        emit_json(report.as_dict())
    else:
        typer.echo(_summary(report.as_dict()))
    if report.stopped:  # cron and scripts see that something needs fixing
        raise typer.Exit(1)


MAX_REASONS = 3
"""Failure reasons the summary spells out; ``--json`` has them all."""


def _summary(report: dict[str, Any]) -> str:
    if report["dry_run"]:
        return (
            f"Dry run: {len(report['would_deliver'])} would be delivered "
            f"({report['due']} due, {report['already_delivered']} already delivered). "
            "Nothing was sent."
        )
    reminders, digests = len(report["delivered"]), len(report["digests"])
    parts = [
        f"Delivered {reminders} reminder{'s' * (reminders != 1)} "
        f"and {digests} digest{'s' * (digests != 1)}",
        f"{report['already_delivered']} were handled before (sent, or left for the digest)",
    ]
    if report["failed"]:
        reasons = report["failure_reasons"]
        why = " ".join(reasons[:MAX_REASONS])
        if len(reasons) > MAX_REASONS:
            why += f" (and {len(reasons) - MAX_REASONS} more reasons: `kam remind --json`)"
        parts.append(f"{len(report['failed'])} failed; they stay due. {why}")
    if report["unconfirmed"]:
        parts.append(
            f"{len(report['unconfirmed'])} sent without a clear answer from Slack; the next "
            "sweep looks each up and sends it only if it never arrived"
        )
    if report["folded"]:
        parts.append(f"{report['folded']} routine left for the digest")
    if report["outside_hours"]:
        parts.append(f"{report['outside_hours']} urgent wait for their owner's working hours")
    if report["unassigned"]:
        parts.append(f"{report['unassigned']} have no active owner to tell")
    text = "; ".join(parts) + "."
    if report["stopped"]:
        text += (
            f"\nStopped early: {report['stopped']} {report['waiting']} claimed reminders "
            "wait for the next sweep; none was spent or lost."
        )
    waiting = report["unreachable"]
    if waiting:
        text += (
            f"\nNot linked to Slack yet, so their digest and urgent reminders wait "
            f"({len(waiting)}): {', '.join(waiting)}.\n"
            "Link each one and they get what is still due, once: "
            + (report["how_to_reach"][0] if report["how_to_reach"] else "")
            + (" (every command: kam remind --json)" if len(waiting) > 1 else "")
        )
    return text


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command()(due)
    app.command()(remind)
