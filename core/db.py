"""Engines, sessions and the schema's version.

One engine factory serves both stores: SQLite (WAL, a busy timeout and foreign
keys, set on every connection) for one person, PostgreSQL through psycopg 3 for
a team. Alembic owns the schema; :func:`open_database` brings an older database
up to date, and tells the user plainly when there is none yet.

Sessions are opened at the edges (a Slack request, a job run, a TUI worker call)
and passed down as ``session=``; the edges take the ``Engine`` and ``Session``
type names from here, so they need not import SQLAlchemy themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, create_engine, event, inspect, text
from sqlalchemy import Engine as Engine  # re-exported: the edges name the types they hold
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session as Session

# A snapshot written one at a time keeps its account's tier runs and current tier
# through a listener core.tier_runs registers on the model: imported with the engines,
# so the upkeep is in place whichever modules a command imports (they load lazily).
from core import tier_runs  # noqa: F401
from core.errors import DatabaseNotReady, DatabaseUnavailable, KamError

if TYPE_CHECKING:
    from alembic.config import Config
from core.masking import mask

MIGRATIONS = Path(__file__).with_name("migrations")
VERSIONS = MIGRATIONS / "versions"
VERSION_TABLE = "alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 32_768
"""Each SQLite connection's page cache, at most (SQLite's default is 2 MiB). One person's
due list reads their accounts' rows beside the interactions index; in 2 MiB those pages
evicted each other and the list read the file again on every call (at 100,000 accounts,
the busiest person's list spent 130 ms in SQLite against 79 ms with 16 MiB and more).
A connection takes the memory only as it reads; the pool keeps a few."""


def normalise_url(url: str) -> str:
    """Accept the URL forms people paste and pick the psycopg 3 driver for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _on_postgresql_connect(dbapi_connection: Any, _record: Any) -> None:
    """Each PostgreSQL connection plans without just-in-time compilation.

    The server compiles a query to machine code when its estimated cost passes
    ``jit_above_cost``, which kam's portfolio-wide reads all do at 100,000 accounts,
    and the compiling took longer than the query: the reminder sweep's check-in
    query spent a second of its 2.2 s compiling (EXPLAIN ANALYZE: JIT 990 ms), and
    ran in 0.95 s without. A rescore took the same time either way.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``url`` with kam's connection settings."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise KamError(
            f"Cannot read the database URL {mask(url)!r}. "
            "Use sqlite:///path/to/kam.db or postgresql://user@host/dbname."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:")
        if not in_memory:
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    f"Cannot make the folder {folder} for the database file: {exc.strerror}. "
                    "Name a file in a folder you may write to (--db sqlite:///path/kam.db)."
                ) from exc
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            poolclass=StaticPool if in_memory else None,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
        event.listen(engine, "connect", _on_postgresql_connect)
    else:
        raise KamError(
            f"kam stores its data in SQLite or PostgreSQL, not {parsed.get_backend_name()!r}."
        )
    event.listen(engine, "handle_error", _name_the_outage)
    return engine


def _name_the_outage(context: ExceptionContext) -> BaseException | None:
    """Turn a lost or refused connection into a message that names the database and
    says what to do, wherever it happens (opening, mid-command, mid-sweep).

    Only failures to connect and disconnects are turned: a SQLite "database is locked"
    and every other statement error stay what they are, for the code that handles them.
    The pool's own liveness check (pre-ping) is left to reconnect quietly.
    """
    if context.is_pre_ping or not (context.is_disconnect or context.connection is None):
        return None
    url = context.engine.url if context.engine is not None else None
    driver = _driver_message(context.original_exception)
    if url is None or url.get_backend_name() != "postgresql":
        where = url.database if url is not None else "?"
        return DatabaseUnavailable(
            f"Cannot open the database file {where}: {driver}. Check that the file and its "
            "folder exist and that you may write to them, then run the command again."
        )
    shown = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return DatabaseUnavailable(
        f"The database {shown} cannot be reached: {driver}. Check that the PostgreSQL server "
        f"is running and reachable from here (pg_isready -h {url.host or 'localhost'} -p "
        f"{url.port or 5432}); what was not yet saved was rolled back, so run the command "
        "again once it answers."
    )


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    """The newest schema revision this version of kam knows.

    Read from the migrations' file names, each of which begins with its revision id
    (``0010_…``, one after another; tests/test_migrations.py holds them to what
    Alembic reads), so a command on an up-to-date database never imports Alembic,
    which costs a third of a second before any work.
    """
    ids = sorted(path.name.partition("_")[0] for path in VERSIONS.glob("[0-9]*_*.py"))
    return ids[-1] if ids else None


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None if it has no kam schema
    (Alembic's version table, read as Alembic reads it)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(found) > 1:
        raise DatabaseNotReady(f"The database is at several schema revisions at once: {found}.")
    return str(found[0][0]) if found else None


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in ONE transaction that holds every statement, DDL included.

    An upgrade (or a repair) in it either happens whole or not at all, whatever stops
    it: an error, Ctrl-C, SIGKILL, a lost connection. PostgreSQL has transactional DDL
    and ``engine.begin()`` gives it. SQLite has it too, but Python's sqlite3 driver opens
    its implicit transaction only before an INSERT, UPDATE or DELETE, so every CREATE
    or DROP before one was committed on its own; here the driver's transaction handling
    is off and kam says ``BEGIN IMMEDIATE`` itself (the recipe in SQLAlchemy's notes on
    the SQLite dialect), which also makes a second kam wait for the first one's upgrade
    instead of repeating it.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        before = driver.isolation_level
        driver.isolation_level = None  # no implicit BEGIN or COMMIT from the driver
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection  # the driver's commit() or rollback() ends it
        finally:
            driver.isolation_level = before


def upgrade(engine: Engine) -> None:
    """Create the schema, or bring it up to the newest revision."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def open_database(
    url: str,
    *,
    create: bool = False,
    on_upgrade: Callable[[str, str], None] | None = None,
) -> Engine:
    """Open the database at ``url``, upgrading an older schema.

    With ``create`` an empty database gets the schema; without it the user is
    told to run ``kam init`` first. ``on_upgrade(from, to)`` hears of an upgrade of
    existing data before it starts (building new indexes over a large portfolio takes a while).
    """
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except KamError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise DatabaseNotReady(f"Cannot open the database: {_driver_message(exc)}") from exc
    if revision is None and not create:
        has_tables = bool(inspect(engine).get_table_names())
        engine.dispose()
        what = "has tables kam does not know" if has_tables else "has no kam data yet"
        raise DatabaseNotReady(
            f"The database {_display(url)} {what}. Run `kam init` (or `kam demo`) first."
        )
    head = head_revision()
    if revision != head:
        if revision is not None and on_upgrade is not None:
            on_upgrade(revision, head or "head")
        try:
            upgrade(engine)
        except KamError:  # the database was lost mid-upgrade: its message says so
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            raise DatabaseNotReady(
                f"Cannot upgrade the database {_display(url)} from schema {revision or '(none)'}: "
                f"{_driver_message(exc)}. Nothing was changed. If an older kam was stopped "
                "while upgrading it, `kam init` repairs what that left behind."
            ) from exc
    return engine


def _display(url: str) -> str:
    """The URL without its password, fit for messages."""
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def _driver_message(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
