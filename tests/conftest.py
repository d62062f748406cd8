"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
``KAM_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it; without it those
runs are skipped, so a newcomer's ``pytest`` passes)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from core.db import make_engine, normalise_url, open_database
from tests.capture_servers import dovecot, radicale  # noqa: F401  (fixtures)

PG_URL = os.environ.get("KAM_TEST_POSTGRES_URL")
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


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (fast, and isolated)."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need KAM_TEST_POSTGRES_URL")
    name = f"kam_tpl_{os.getpid()}"
    admin = _admin_engine()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = open_database(_pg_url(name), create=True)
    engine.dispose()
    yield name
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def fresh_postgres(template: str | None) -> Iterator[str]:
    """Create an empty (or template-copied) PostgreSQL database for one test."""
    name = f"kam_t_{os.getpid()}_{next(_counter)}"
    admin = _admin_engine()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
    try:
        yield _pg_url(name)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A URL of an empty database with no schema, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/kam.db"
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL tests need KAM_TEST_POSTGRES_URL")
        yield from fresh_postgres(None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating takes a quarter second)."""
    path = tmp_path_factory.mktemp("template") / "kam.db"
    open_database(f"sqlite:///{path}", create=True).dispose()  # disposing checkpoints the WAL
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a migrated, empty kam database, on each backend."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "kam.db")
        yield f"sqlite:///{tmp_path}/kam.db"
    else:
        template = request.getfixturevalue("pg_template")
        yield from fresh_postgres(template)


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
