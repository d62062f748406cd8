"""What every command shares: settings, the database, output in tables or JSON."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.db import open_database, session_scope
from core.errors import KamError
from core.models import Account
from core.services.accounts import find_account
from core.when import Prefer, When

if TYPE_CHECKING:
    from core.settings import Settings

console = Console()

Written = TypeVar("Written")
"""What a core writer returns: the record it stored."""


def _or_before_the_command(ctx: typer.Context, db: str | None) -> str | None:
    """A command's ``--db``, else the one given before the command name
    (``kam --db URL accounts``), which the root command has parsed by then."""
    if db is not None:
        return db
    given = ctx.find_root().params.get("db")
    return given if isinstance(given, str) else None


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (overrides KAM_DATABASE_URL).",
        callback=_or_before_the_command,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
YesOption = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Replace without asking (a backup copy is still kept)."),
]
AccountArgument = Annotated[str, typer.Argument(help="Account name; close spellings are found.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", metavar="PATH", help="Scoring rules (kam.toml); default ./kam.toml."),
]


Command = Callable[..., None]


def text_options(helps: Mapping[str, str]) -> Callable[[Command], Command]:
    """Give a command one optional text option per entry of ``helps`` (parameter name →
    help; ``cost_to_serve`` is ``--cost-to-serve``), placed before its ``--as`` (else last);
    the command takes them as ``**options``. For commands whose options are a table."""

    def declare(command: Command) -> Command:
        own = inspect.signature(command, eval_str=True).parameters.values()
        named = [p for p in own if p.kind is not inspect.Parameter.VAR_KEYWORD]
        at = next((i for i, p in enumerate(named) if p.name == "as_user"), len(named))
        added = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    str | None, typer.Option("--" + name.replace("_", "-"), help=text)
                ],
            )
            for name, text in helps.items()
        ]
        tail = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in named[at:]]
        command.__signature__ = inspect.Signature([*named[:at], *added, *tail])  # type: ignore[attr-defined]
        return command

    return declare


def one_of(allowed: type[StrEnum]) -> str:
    """The help of an option that takes one of ``allowed``: its values, "a, b or c."."""
    *others, last = (member.value for member in allowed)
    return f"{', '.join(others)} or {last}."


def table_limit(rows: str) -> Any:
    """``--limit``: how many ``rows`` a listing's table shows (its JSON has them all)."""
    return typer.Option("--limit", min=1, help=f"{rows} in the table (JSON has all).")


def settings() -> Settings:
    """The settings (the environment and .env, read now), with a readable message when
    the environment is wrong."""
    from core.settings import Settings  # pydantic-settings: only for commands that read it

    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: name the variable, hide values
        errors = getattr(exc, "errors", None)
        if callable(errors):
            parts = [f"{'.'.join(map(str, e['loc'])).upper()} {e['msg']}" for e in errors()]
            raise KamError("Configuration problem: " + "; ".join(parts) + ".") from exc
        raise


def database_url(db: str | None) -> str:
    """``--db`` if given (after or before the command name), else the configured database."""
    return db or settings().kam_database_url


def engine(db: str | None, *, create: bool = False, repair: bool = False) -> Engine:
    """Open the database, upgrading it or telling the user to run ``kam init``; with
    ``repair``, first undo what an interrupted upgrade of an older kam left behind."""
    url = database_url(db)
    if repair:
        from core.repair import repair_interrupted_upgrade

        for change in repair_interrupted_upgrade(url):
            typer.echo(f"Repaired what an interrupted upgrade left behind: {change}.", err=True)
    return open_database(url, create=create, on_upgrade=_say_upgrading)


def _say_upgrading(old: str, new: str) -> None:
    typer.echo(
        f"Upgrading the database from schema {old} to {new}; "
        "on a large portfolio this can take a while.",
        err=True,
    )


@contextmanager
def session(db: str | None) -> Iterator[Session]:
    """One transaction for one command."""
    eng = engine(db)
    try:
        with session_scope(eng) as s:
            yield s
    finally:
        eng.dispose()


def confirm(what: str, *, yes: bool) -> None:
    """Go ahead with ``what`` (a sentence saying what would be replaced) only if the
    person says so: ``--yes``, or yes at the prompt on a terminal. Elsewhere (a script,
    cron, a pipe) it is refused, and nothing is changed."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise KamError(f"{what} Nothing was changed: run it again with --yes to go ahead.")
    if not typer.confirm(f"{what} Go ahead?", default=False, err=True):
        raise KamError("Nothing was changed.")


def print_rest(total: int, limit: int) -> None:
    """After a table cut at ``limit`` rows: how many more there are, and how to see them."""
    if total > limit:
        console.print(f"… and {total - limit:,} more (`--limit N`, or `--json` for all).")


def emit_json(data: Any) -> None:
    """Machine-readable output on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def when_option(text: str | None, *, prefer: Prefer = "past") -> datetime:
    """``--at`` as a UTC moment, in the configured time zone; now when absent."""
    now = utcnow()
    if text is None:
        return now
    return When(now, settings().kam_timezone).moment(text, prefer=prefer)


AsOption = Annotated[
    str | None,
    typer.Option("--as", metavar="EMAIL", help="Act as this team member (their rights, zone)."),
]


def acting(as_user: str | None, *, session: Session) -> Actor:
    """Who a command acts as: the team member ``--as`` names, else the local system."""
    if as_user is None:
        return Actor.system("cli")
    from core.services.users import acting_user

    return Actor.of(acting_user(as_user, session=session), "cli")


def when_for(actor: Actor) -> When:
    """How ``actor`` means the days and times they type: their own zone, else kam's."""
    if actor.user is not None:
        return When.of(actor.user, utcnow())
    return When(utcnow(), settings().kam_timezone)


def day_option(text: str | None, *, prefer: Prefer = "future") -> date | None:
    """A calendar day as typed ("2026-06-30", "friday", "in 3 weeks"), in the configured
    time zone; None when absent."""
    if text is None:
        return None
    return When(utcnow(), settings().kam_timezone).day(text, prefer=prefer)


@dataclass(frozen=True)
class Acting:
    """A command's work on one account: its transaction, the account, who acts."""

    session: Session
    account: Account
    actor: Actor

    def write(self, writer: Callable[..., Written], typed: Any, **more: Any) -> Written:
        """``typed`` (a record's input) written on the account through its core ``writer``,
        in this transaction, as the actor."""
        return writer(self.account, typed, session=self.session, actor=self.actor, **more)

    def deadline(self, text: str) -> date:
        """A day the actor typed (``--by``), read in their own time zone."""
        return when_for(self.actor).deadline(text)


@contextmanager
def on_account(db: str | None, account: str, as_user: str | None) -> Iterator[Acting]:
    """One transaction on the account a person named, acting as ``--as`` (or the CLI)."""
    with session(db) as s:
        yield Acting(s, find_account(account, session=s), acting(as_user, session=s))


@dataclass(frozen=True)
class Common:
    """What every command that writes takes besides its own words: who it acts as
    (``--as``), the database (``--db``), and whether to print JSON (``--json``)."""

    as_user: str | None
    db: str | None
    as_json: bool

    def said(self, record: Any, sentence: str) -> None:
        """Print what was written: the stored record as JSON (``--json``), or one sentence."""
        if self.as_json:
            emit_json(audit.as_json(record))
        else:
            typer.echo(sentence)

    def on(self, account: str) -> AbstractContextManager[Acting]:
        """One transaction on the account a person named, acting as ``--as``."""
        return on_account(self.db, account, self.as_user)

    @contextmanager
    def acting(self) -> Iterator[tuple[Session, Actor]]:
        """One transaction on no one account, and who it acts as."""
        with session(self.db) as s:
            yield s, acting(self.as_user, session=s)


_COMMON = (
    ("as_user", AsOption, None),
    ("db", DbOption, None),
    ("as_json", JsonOption, False),
)


def writes(command: Command) -> Command:
    """A command that writes: after its own parameters typer offers ``--as``, ``--db`` and
    ``--json``, and the command gets them as ``common`` (a :class:`Common`)."""

    @functools.wraps(command)
    def run(**words: Any) -> None:
        common = Common(*(words.pop(name) for name, _, _ in _COMMON))
        command(**words, common=common)

    own = inspect.signature(command, eval_str=True).parameters.values()
    kept = [p for p in own if p.name != "common" and p.kind is not inspect.Parameter.VAR_KEYWORD]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=option)
        for name, option, default in _COMMON
    ]
    run.__signature__ = inspect.Signature([*kept, *added])  # type: ignore[attr-defined]
    return run
