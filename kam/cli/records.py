"""Work an account from the shell: log interactions; manage people."""

from __future__ import annotations

from dataclasses import asdict
from datetime import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from core import audit
from core.actors import Actor
from core.errors import KamError
from core.hours import WorkingHours
from core.models import (
    InteractionCreate,
    InteractionKind,
    Role,
    Sentiment,
    UserCreate,
)
from core.services import users
from core.services.contacts import find_contact
from core.services.interactions import log_interaction
from core.validation import choice
from kam.cli.context import (
    AccountArgument,
    Common,
    DbOption,
    JsonOption,
    console,
    emit_json,
    one_of,
    session,
    when_option,
    writes,
)

_ROLE = typer.Option("--role", help=one_of(Role))
_MANAGER = typer.Option("--manager", metavar="EMAIL")
_TIMEZONE = typer.Option("--timezone", help="IANA zone.")
"""The options ``kam users add`` and ``kam users edit`` share (with their own defaults)."""

users_app = typer.Typer(help="People on the team and their Slack identities.", no_args_is_help=True)


@writes
def log(
    account: AccountArgument,
    summary: Annotated[str, typer.Argument(help="What happened, in a sentence.")],
    kind: Annotated[
        str,
        typer.Option("--kind", help=one_of(InteractionKind)),
    ] = "call",
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="WHEN", help='When it happened: ISO or "yesterday 3pm".'),
    ] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="Who you spoke to.")] = None,
    sentiment: Annotated[str | None, typer.Option("--sentiment", help=one_of(Sentiment))] = None,
    *,
    common: Common,
) -> None:
    """Log an interaction with a customer; it resets the check-in clock."""
    chosen_kind = choice(kind, InteractionKind, "kind") or InteractionKind.CALL
    chosen_sentiment = choice(sentiment, Sentiment, "sentiment")
    occurred_at = when_option(at, prefer="past")
    with common.on(account) as on:
        target = on.account
        person = find_contact(target, contact, session=on.session) if contact else None
        interaction = InteractionCreate(
            summary=summary,
            kind=chosen_kind,
            occurred_at=occurred_at,
            contact_id=person.id if person else None,
            sentiment=chosen_sentiment,
            source="cli",
        )
        logged = on.write(log_interaction, interaction)
        result = {
            "id": logged.id,
            "account": target.name,
            "kind": logged.kind,
            "occurred_at": logged.occurred_at.isoformat(),
            "summary": logged.summary,
        }
    if common.as_json:
        emit_json(result)
    else:
        typer.echo(
            f"Logged {logged.kind} with {target.name} at {logged.occurred_at:%Y-%m-%d %H:%M} UTC."
        )


@users_app.command("list")
def list_users(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Everyone on the team, with their role and Slack link."""
    with session(db) as s:
        everyone = users.people(session=s)
    if as_json:
        emit_json([asdict(p) for p in everyone])
        return
    table = Table(title=f"{len(everyone)} people")
    for column in ("Name", "E-mail", "Role", "Manager", "Team", "Slack", "Working hours"):
        table.add_column(column)
    for p in everyone:
        table.add_row(
            escape(p.name),
            escape(p.email),
            p.role if p.active else f"{p.role} (deactivated)",
            escape(p.manager or ""),
            escape(p.team or ""),
            p.slack_user_id or "-",
            escape(p.working_hours),
        )
    console.print(table)


@users_app.command("add")
def add_user(
    email: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, _ROLE] = "am",
    manager: Annotated[str | None, _MANAGER] = None,
    timezone: Annotated[str, _TIMEZONE] = "UTC",
    digest_time: Annotated[str, typer.Option("--digest-time", help="HH:MM, local.")] = "09:00",
    db: DbOption = None,
) -> None:
    """Add a person to the team."""
    chosen_role = choice(role, Role, "role") or Role.AM
    try:
        digest = time.fromisoformat(digest_time)
    except ValueError as exc:
        raise KamError(
            f"Cannot read {digest_time!r} as a time of day; use HH:MM, e.g. 08:30."
        ) from exc
    with session(db) as s:
        boss = users.get_user_by_email(manager, session=s) if manager else None
        person = UserCreate(
            email=email,
            name=name,
            role=chosen_role,
            timezone=timezone,
            digest_time=digest,
            manager_id=boss.id if boss else None,
        )
        user = users.create_user(person, session=s, actor=Actor.system("cli"))
    typer.echo(f"Added {user.name} <{user.email}> as {chosen_role}.")


@users_app.command("edit")
def edit_user(
    email: Annotated[str, typer.Argument()],
    name: Annotated[str | None, typer.Option("--name")] = None,
    new_email: Annotated[str | None, typer.Option("--email", metavar="EMAIL")] = None,
    role: Annotated[str | None, _ROLE] = None,
    manager: Annotated[str | None, _MANAGER] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    timezone: Annotated[str | None, _TIMEZONE] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a person's name, e-mail, role, manager, team or time zone."""
    typed = {
        "name": name,
        "email": new_email,
        "role": role,
        "manager": manager,
        "team": team,
        "timezone": timezone,
    }
    with session(db) as s:
        changes = users.read_user_changes(typed, session=s)
        user = users.edit_user(email, changes, session=s, actor=Actor.system("cli"))
        shown = audit.as_json(user)
    if as_json:
        emit_json(shown)
    else:
        typer.echo(f"Updated {user.name} <{user.email}> ({user.role}).")


@users_app.command("deactivate")
def deactivate(email: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """Someone left: no more reminders for them, and they own nothing new."""
    with session(db) as s:
        user, owned = users.deactivate_user(email, session=s, actor=Actor.system("cli"))
    still = (
        f" They still own {owned:,} account{'s' if owned != 1 else ''}; give "
        f"{'them' if owned != 1 else 'it'} to someone (kam import accounts with an owner column)."
        if owned
        else ""
    )
    typer.echo(f"Deactivated {user.email}: no more reminders for them.{still}")


@users_app.command("link")
def link(
    email: Annotated[str, typer.Argument()],
    slack_user_id: Annotated[str, typer.Argument(metavar="SLACK_USER_ID")],
    db: DbOption = None,
) -> None:
    """Tie a team member to their Slack identity."""
    with session(db) as s:
        user = users.link_slack(email, slack_user_id, session=s, actor=Actor.system("cli"))
    typer.echo(f"Linked {user.email} to Slack user {user.slack_user_id}.")


@users_app.command("hours")
def hours(
    email: Annotated[str, typer.Argument()],
    span: Annotated[str, typer.Argument(metavar="HH:MM-HH:MM", help="e.g. 08:30-16:30")],
    days: Annotated[
        str | None, typer.Option("--days", help="Days worked: mon-fri, sun-thu, mon,wed,fri.")
    ] = None,
    zone: Annotated[
        str | None, typer.Option("--zone", help="Their IANA time zone, e.g. Europe/Oslo.")
    ] = None,
    db: DbOption = None,
) -> None:
    """When someone works: their digest comes at the start, nothing is sent outside."""
    with session(db) as s:
        user = users.set_working_hours(
            email, span, days=days, timezone=zone, session=s, actor=Actor.system("cli")
        )
        label = WorkingHours.of(user).label
    typer.echo(f"{user.email} works {label}; their digest comes at the start of the day.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command()(log)
    app.add_typer(users_app, name="users")
