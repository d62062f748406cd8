"""Repair what an interrupted upgrade of an older kam left behind in a SQLite file.

Before upgrades ran in one transaction (:func:`core.db.schema_transaction`), Python's
sqlite3 driver committed each CREATE, DROP and ALTER on its own, so Ctrl-C or a kill
part way through left a half-done schema: an ``_alembic_tmp_`` copy of a table, some
of a migration's indexes or columns but not its revision number. Every later upgrade
then stopped at "already exists". :func:`repair_interrupted_upgrade` compares the file
with the schema its recorded revision should have (built afresh, in memory, by the
same migrations) and undoes the difference, in one transaction; the upgrade then runs
from that revision as if never interrupted. It never drops a table that holds rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from core.db import Engine, _alembic_config, current_revision, make_engine, schema_transaction
from core.errors import DatabaseNotReady

UNFINISHED_COPY = "_alembic_tmp_"
"""How alembic names the copy of a table it rebuilds on SQLite."""


@dataclass(frozen=True)
class Schema:
    """The tables (with their columns) and indexes of one SQLite database."""

    columns: dict[str, list[str]]
    indexes: dict[str, tuple[str, tuple[str, ...], bool, str]]
    """Index name → (table, columns, unique, the SQL that creates it)."""

    @classmethod
    def of(cls, connection: Connection) -> Schema:
        """Read the schema of the database behind ``connection``."""
        run = connection.exec_driver_sql
        tables = [
            str(row[0])
            for row in run(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        columns = {t: [row[1] for row in run(f'PRAGMA table_info("{t}")')] for t in tables}
        indexes: dict[str, tuple[str, tuple[str, ...], bool, str]] = {}
        for row in run(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).all():
            name, table, sql = (str(value) for value in row)
            held = tuple(row[2] for row in run(f'PRAGMA index_info("{name}")'))
            unique = "UNIQUE" in sql.split("(")[0].upper()
            indexes[name] = (table, held, unique, sql)
        return cls(columns, indexes)


def schema_at(revision: str | None) -> Schema:
    """The schema kam's migrations build up to ``revision``, built in memory."""
    from alembic import command

    scratch = make_engine("sqlite://")
    try:
        if revision is not None:
            command.upgrade(_alembic_config(scratch), revision)
        with scratch.connect() as connection:
            return Schema.of(connection)
    finally:
        scratch.dispose()


def repair_interrupted_upgrade(url: str) -> list[str]:
    """Bring the SQLite database at ``url`` back to the schema of the revision it records.

    Returns one sentence per change made (none for a sound database, or for
    PostgreSQL, whose upgrades were always one transaction). Raises DatabaseNotReady
    when the difference is not one an interrupted upgrade makes (a table or column
    missing, rows in a table the revision does not have), or the file cannot be read.
    """
    engine = make_engine(url)
    try:
        if engine.dialect.name != "sqlite":
            return []
        return _repair(engine)
    except OperationalError as exc:
        raise DatabaseNotReady(
            f"Cannot repair the database {engine.url.database}: {exc.orig}. kam changed "
            "nothing; restore it from a backup copy."
        ) from exc
    finally:
        engine.dispose()


def _repair(engine: Engine) -> list[str]:
    revision = current_revision(engine)
    wanted = schema_at(revision)
    done: list[str] = []
    with schema_transaction(engine) as connection:
        run = connection.exec_driver_sql
        for table in list(Schema.of(connection).columns):
            if not table.startswith(UNFINISHED_COPY):
                continue
            original = table[len(UNFINISHED_COPY) :]
            if original in Schema.of(connection).columns:
                run(f'DROP TABLE "{table}"')
                done.append(f"removed {table}, an unfinished copy of {original}")
            else:  # the original was dropped: its rows are in the copy
                run(f'ALTER TABLE "{table}" RENAME TO "{original}"')
                done.append(f"restored {original} from its copy {table}")
        found = Schema.of(connection)
        for name, (table, held, unique, _sql) in found.indexes.items():
            if wanted.indexes.get(name, (None,))[:3] != (table, held, unique):
                run(f'DROP INDEX "{name}"')
                done.append(f"removed index {name}")
        ours = set(SQLModel.metadata.tables)
        for table in found.columns.keys() - wanted.columns.keys() - {"alembic_version"}:
            if table not in ours:
                continue  # not kam's: leave it alone
            rows = run(f'SELECT count(*) FROM "{table}"').scalar()
            if rows:
                raise _cannot(engine, f"the table {table} holds {rows} rows", revision)
            run(f'DROP TABLE "{table}"')
            done.append(f"removed the table {table}")
        for table, columns in wanted.columns.items():
            have = found.columns.get(table)
            if have is None or set(columns) - set(have):
                raise _cannot(engine, f"the table {table} lacks columns it should have", revision)
            for column in [c for c in have if c not in columns]:
                run(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
                done.append(f"removed the column {table}.{column}")
        now = Schema.of(connection).indexes
        for name, (_table, _held, _unique, sql) in wanted.indexes.items():
            if name not in now:
                run(sql)
                done.append(f"rebuilt index {name}")
    return done


def _cannot(engine: Engine, what: str, revision: str | None) -> DatabaseNotReady:
    return DatabaseNotReady(
        f"The database {engine.url.database} does not match kam's schema {revision or '(none)'}: "
        f"{what}. kam changed nothing; restore it from a backup copy."
    )
