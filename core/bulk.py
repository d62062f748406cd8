"""Set-based writes for loaders: many rows per statement, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, insert
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

CHUNK = 5_000
ROWS_PER_STATEMENT = 1_000
VARIABLES_PER_STATEMENT = 32_766  # SQLite's limit on bound values per statement (since 3.32)

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


def insert_columns(
    model: type[SQLModel],
    columns: Mapping[str, Sequence[Any]],
    *,
    session: Session,
    chunk: int = CHUNK,
    serialised: Collection[str] = (),
) -> int:
    """Insert rows given column by column (equal-length sequences); return how many.

    The same rows as :func:`insert_rows` would write, for loads of a million
    rows: values pass through each column's type once per distinct date or
    timestamp rather than once per row, and rows travel as tuples straight to
    the driver (COPY on PostgreSQL; on SQLite a thousand rows per INSERT, which
    is twice as fast as executemany, where SQLite re-runs a statement's set-up,
    such as the lists its CHECK constraints test against, for every row). A column left out
    gets its default. Columns named in ``serialised`` hold values already in the
    driver's form (JSON as text, say) and go to it as they are.
    """
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    dialect = connection.dialect
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    filled: dict[str, Sequence[Any]] = dict(columns)
    for column in table.c:
        if column.name not in filled and column.default is not None and not column.primary_key:
            filled[column.name] = [_default(column.default)] * count
    names = list(filled)
    preparer = dialect.identifier_preparer
    values = [
        filled[n] if n in serialised else _bound(table.c[n], filled[n], dialect) for n in names
    ]
    if dialect.name == "postgresql":
        columns_sql = ", ".join(preparer.quote(n) for n in names)
        driver = connection.connection.driver_connection  # same transaction as the session
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {preparer.format_table(table)} ({columns_sql}) FROM STDIN") as copy,
        ):
            for row in zip(*values, strict=True):
                copy.write_row(row)
        return count
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    head = (
        f"INSERT INTO {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(n) for n in names)}) VALUES "
    )
    row_marks = f"({', '.join([mark] * len(names))})"
    per_statement = max(1, min(chunk, ROWS_PER_STATEMENT, VARIABLES_PER_STATEMENT // len(names)))
    for start in range(0, count, per_statement):
        stop = min(start + per_statement, count)
        flat = tuple(chain.from_iterable(zip(*(v[start:stop] for v in values), strict=True)))
        connection.exec_driver_sql(head + ", ".join([row_marks] * (stop - start)), flat)
    return count


def _default(default: Any) -> Any:
    """A column default's value: the constant, or what its function returns now."""
    if not default.is_callable:
        return default.arg
    try:
        return default.arg(None)
    except TypeError:
        return default.arg()


def _bound(column: Any, values: Sequence[Any], dialect: Any) -> Sequence[Any]:
    """``values`` as the driver takes them, through the column type's bind processor."""
    process = column.type._cached_bind_processor(dialect)
    if process is None:
        return values
    if not isinstance(column.type, (Date, DateTime, TypeDecorator)):
        return [process(v) for v in values]
    seen: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            out.append(seen[value])
        except KeyError:
            seen[value] = converted = process(value)
            out.append(converted)
        except TypeError:  # unhashable (a JSON document)
            out.append(process(value))
    return out
