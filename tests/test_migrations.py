"""Alembic owns the schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from core.db import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    upgrade,
)
from core.errors import DatabaseNotReady


def test_upgrade_from_empty_creates_every_table(empty_db_url: str) -> None:
    engine = open_database(empty_db_url, create=True)
    try:
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_migrations_match_the_model(empty_db_url: str) -> None:
    """A model change without a migration fails here."""
    engine = open_database(empty_db_url, create=True)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_back(empty_db_url: str) -> None:
    from alembic import command

    engine = open_database(empty_db_url, create=True)
    try:
        command.downgrade(_alembic_config(engine), "base")
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_commands_refuse_a_database_without_schema(empty_db_url: str) -> None:
    with pytest.raises(DatabaseNotReady, match="Run `kam init`"):
        open_database(empty_db_url)


def test_unknown_database_kind_is_a_clear_error() -> None:
    from core.errors import KamError

    with pytest.raises(KamError, match="SQLite or PostgreSQL"):
        make_engine("mysql://localhost/kam")


def test_a_command_on_an_older_schema_says_it_is_upgrading(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    from tests.test_cli import kam

    engine = open_database(empty_db_url, create=True)
    command.downgrade(_alembic_config(engine), "0002")
    engine.dispose()
    code, _, err = kam(capsys, "accounts", "--db", empty_db_url)
    assert code == 0 and f"Upgrading the database from schema 0002 to {head_revision()}" in err
    engine = make_engine(empty_db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    code, _, err = kam(capsys, "accounts", "--db", empty_db_url)
    assert code == 0 and "Upgrading" not in err
