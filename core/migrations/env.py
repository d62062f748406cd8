"""Alembic environment: the engine is handed in by ``core.db``; the model is the target.

An upgrade runs in ONE transaction on both stores, so a failure or an interrupted
process (Ctrl-C, SIGKILL, a lost connection) leaves the schema as it was. PostgreSQL
has transactional DDL and ``engine.begin()`` gives it. SQLite has it too, but Python's
sqlite3 driver opens its implicit transaction only before an INSERT, UPDATE or DELETE,
so every CREATE or DROP before one was committed on its own; here the driver's own
transaction handling is turned off and kam says ``BEGIN IMMEDIATE`` itself (the recipe
in SQLAlchemy's SQLite dialect notes), which also makes a second kam wait for the first
one's upgrade instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection, Engine
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


@contextmanager
def one_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds every statement, DDL included."""
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


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from core.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with one_transaction(engine) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
