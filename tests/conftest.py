"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
``KAM_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it; without it those
runs are skipped, so a newcomer's ``pytest`` passes)."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from core.db import make_engine, normalise_url, open_database
from kam.cli.main import run
from tests.capture_servers import dovecot, radicale  # noqa: F401  (fixtures)
from tests.tui_data import build_portfolio

PG_URL = os.environ.get("KAM_TEST_POSTGRES_URL")


def examples(usual: int) -> int:
    """How many examples a property test draws: ``usual``, times ``KAM_HYPOTHESIS_TIMES``
    when that is set (e.g. 20, once and locally, to find a draw that fails rarely)."""
    return usual * int(os.environ.get("KAM_HYPOTHESIS_TIMES", "1"))


SLOWEST_FIRST = (
    "test_capacity.py",
    "test_bot_fuzz.py",
    "test_health_drop_runs.py",
    "test_first_run.py",
    "test_export.py",
    "test_bot_cli.py",
    "test_import.py",
    "test_migrations.py",
    "test_checkin_delivery.py",
)
"""Modules with the longest tests (seconds each), run first: the two cores then share the
many short ones at the end, rather than one waiting on a long test started last."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = {name: n for n, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # stable: else as found


_counter = itertools.count()


def _admin_engine() -> Engine:
    assert PG_URL is not None
    url = make_url(normalise_url(PG_URL))
    return make_engine(url.set(database="postgres").render_as_string(hide_password=False))


def _pg_url(database: str) -> str:
    assert PG_URL is not None
    return (
        make_url(normalise_url(PG_URL)).set(database=database).render_as_string(hide_password=False)
    )


def _admin_run(sql: str) -> None:
    admin = _admin_engine()
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(sql)
    finally:
        admin.dispose()


SHAPE = """
SELECT string_agg(part, ';' ORDER BY part) FROM (
  SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
         || is_nullable || ' ' || coalesce(column_default, '') AS part
    FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'sequence ' || sequencename FROM pg_sequences
  UNION ALL SELECT 'view ' || viewname FROM pg_views WHERE schemaname = 'public'
  UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
    WHERE nspname !~ '^(pg_|information_schema)'
  UNION ALL SELECT 'extension ' || extname FROM pg_extension
  UNION ALL SELECT 'revision ' || version_num FROM alembic_version
) AS shape
"""
"""Everything but the rows that makes a kam database what the template is."""


class PostgresCopies:
    """Copies of the migrated template database for the tests of one process.

    Creating a database from the template and dropping it costs PostgreSQL a checkpoint
    each (0.5-3 s on this machine, more than most tests). So a test's copy is emptied
    after it instead (its rows deleted and its sequences restarted, a few milliseconds)
    and handed to the next test: it is then what a fresh copy is, schema, revision and
    ids alike. A copy whose schema the test changed, or that cannot be emptied, is
    dropped and never handed out again.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.free: list[str] = []
        self.made: list[str] = []
        self.shape = self._shape(template)

    def _shape(self, database: str) -> str | None:
        engine = make_engine(_pg_url(database))
        try:
            with engine.connect() as conn:
                return conn.exec_driver_sql(SHAPE).scalar()
        finally:
            engine.dispose()

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"kam_t_{os.getpid()}_{next(_counter)}"
        _admin_run(f'DROP DATABASE IF EXISTS "{name}"')
        _admin_run(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        _admin_run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        try:
            emptied = self._emptied(name)
        except Exception:  # a copy the test broke: not handed out again
            emptied = False
        if emptied:
            self.free.append(name)
        else:
            self.made.remove(name)
            _admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _emptied(self, name: str) -> bool:
        """Delete the copy's rows and restart its sequences, if its schema is the template's."""
        engine = make_engine(_pg_url(name))
        try:
            with engine.begin() as conn:
                if conn.exec_driver_sql(SHAPE).scalar() != self.shape:
                    return False
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no FKs
                for (table,) in conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                ):
                    conn.exec_driver_sql(f'DELETE FROM "{table}"')
                conn.exec_driver_sql(
                    "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename),"
                    " 1, false) FROM pg_sequences"
                )
            return True
        finally:
            engine.dispose()

    def close(self) -> None:
        for name in self.made:
            _admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (fast, and isolated)."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need KAM_TEST_POSTGRES_URL")
    name = f"kam_tpl_{os.getpid()}"
    _admin_run(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_run(f'CREATE DATABASE "{name}"')
    engine = open_database(_pg_url(name), create=True)
    engine.dispose()
    yield name
    _admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_copies(pg_template: str) -> Iterator[PostgresCopies]:
    copies = PostgresCopies(pg_template)
    yield copies
    copies.close()


def postgres_copy(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty PostgreSQL database for one test (see :class:`PostgresCopies`)."""
    copies: PostgresCopies = request.getfixturevalue("pg_copies")
    name = copies.take()
    try:
        yield _pg_url(name)
    finally:
        copies.give_back(name)


def fresh_postgres() -> Iterator[str]:
    """Create an empty PostgreSQL database, with no schema, for one test."""
    name = f"kam_t_{os.getpid()}_{next(_counter)}"
    _admin_run(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_run(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A URL of an empty database with no schema, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/kam.db"
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL tests need KAM_TEST_POSTGRES_URL")
        yield from fresh_postgres()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating takes a quarter second)."""
    path = tmp_path_factory.mktemp("template") / "kam.db"
    open_database(f"sqlite:///{path}", create=True).dispose()  # disposing checkpoints the WAL
    return path


def _checkpointed(path: Path) -> Path:
    """``path`` with its write-ahead log folded in: copying the one file copies it all."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``kam demo`` loads, loaded once per test process (it takes 1.5 s of CPU)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        try:
            run(["demo", "--db", f"sqlite:///{path}"])
        except SystemExit as exit_:
            assert not exit_.code, shown.getvalue()
    assert "85 accounts" in shown.getvalue()
    return _checkpointed(path)


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> str:
    """A SQLite file as ``kam demo --db`` leaves it (a copy of :func:`demo_template`)."""
    shutil.copyfile(demo_template, tmp_path / "demo.db")
    return f"sqlite:///{tmp_path}/demo.db"


@pytest.fixture(scope="session")
def tui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The terminal UI tests' portfolio (tests/tui_data.py), built once per test process."""
    path = tmp_path_factory.mktemp("tui") / "kam.db"
    build_portfolio(path).dispose()
    return _checkpointed(path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a migrated, empty kam database, on each backend."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "kam.db")
        yield f"sqlite:///{tmp_path}/kam.db"
    else:
        yield from postgres_copy(request)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a migrated database (both backends)."""
    eng = open_database(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session the test commits itself."""
    with Session(engine, expire_on_commit=False) as s:
        yield s
