"""Set-based writes for loaders: many rows per statement, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlmodel import Session, SQLModel

CHUNK = 5_000

_Processor = Callable[[Any], Any]


def insert_rows(
    model: type[SQLModel],
    rows: Iterable[Mapping[str, Any]],
    *,
    session: Session,
    chunk: int = CHUNK,
) -> int:
    """Insert ``rows`` (dicts of column values) in chunks; return how many were written.

    A column some rows leave out is NULL in those rows.
    """
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    prepared: dict[tuple[str, ...], _Prepared | None] = {}
    written = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, chunk)):
        first = batch[0].keys()
        if any(row.keys() != first for row in batch):
            keys = {key for row in batch for key in row}
            batch = [{key: row.get(key) for key in keys} for row in batch]
        if connection.dialect.name == "sqlite":
            columns = tuple(batch[0])
            if columns not in prepared:
                prepared[columns] = _Prepared.of(table, columns, connection)
            fast = prepared[columns]
            if fast is not None:
                fast.run(batch, connection)
                written += len(batch)
                continue
        session.execute(insert(table), batch)
        written += len(batch)
    return written


class _Prepared:
    """One compiled INSERT and its columns' value converters, for SQLite's executemany.

    SQLAlchemy compiles and converts every row anew, which costs more than
    SQLite's own work on large loads; here the statement is compiled once and
    each column's converter runs once per distinct value in a chunk (a load
    stamps thousands of rows with the same ``created_at``).
    """

    def __init__(self, sql: str, order: list[str], processors: Sequence[_Processor | None]) -> None:
        self.sql = sql
        self.values: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
        )
        self.converters = [(i, p) for i, p in enumerate(processors) if p is not None]

    @classmethod
    def of(cls, table: Table, columns: tuple[str, ...], connection: Connection) -> _Prepared | None:
        """Compile for these columns, or None when the statement needs more than the rows give."""
        dialect = connection.dialect
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        order = list(compiled.positiontup or ())
        if not order or set(order) - set(columns):
            return None
        processors = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
        ]
        return cls(compiled.string, order, processors)

    def run(self, batch: Sequence[Mapping[str, Any]], connection: Connection) -> None:
        """Convert the batch's values column by column, then execute it at once."""
        columns: list[Sequence[Any]] = list(zip(*map(self.values, batch), strict=True))
        for i, process in self.converters:
            columns[i] = _convert(columns[i], process)
        connection.exec_driver_sql(self.sql, list(zip(*columns, strict=True)))


_MISSING = object()


def _convert(values: Sequence[Any], process: _Processor) -> list[Any]:
    """``process`` each value, once per distinct value."""
    seen: dict[Any, Any] = {}
    get = seen.get
    converted: list[Any] = []
    append = converted.append
    for value in values:
        try:
            out = get(value, _MISSING)
        except TypeError:  # unhashable (a JSON document): convert every time
            append(process(value))
            continue
        if out is _MISSING:
            out = seen[value] = process(value)
        append(out)
    return converted


@contextmanager
def secondary_indexes_deferred(*models: type[SQLModel], session: Session) -> Iterator[None]:
    """Drop the tables' non-unique indexes for a large load, and build them once after it.

    Building an index from all rows at once is far cheaper than updating it row
    by row (PostgreSQL's "Populating a Database" advice; SQLite gains as much).
    Unique indexes and constraints stay, so they are checked as rows go in.
    Everything happens in the caller's transaction: a load that fails rolls
    back, and the indexes with it.
    """
    connection = session.connection()
    indexes = [
        index
        for model in models
        for index in sorted(model.__table__.indexes, key=lambda i: str(i.name))  # type: ignore[attr-defined]
        if not index.unique
    ]
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)


def ids_by(model: type[SQLModel], column: str, *, session: Session) -> dict[Any, int]:
    """Map a unique column's values to row ids (to wire foreign keys after a bulk insert)."""
    table = model.__table__  # type: ignore[attr-defined]
    pairs: Sequence[Any] = session.execute(
        table.select().with_only_columns(table.c[column], table.c.id)
    ).all()
    return {value: row_id for value, row_id in pairs}
