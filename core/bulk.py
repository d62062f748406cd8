"""Set-based writes for loaders: many rows per statement, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from operator import itemgetter, methodcaller
from typing import Any

import numpy as np
from sqlmodel import Session, SQLModel

from core.types import UTCDateTime

CHUNK = 5_000
ROWS_PER_STATEMENT = 1_000
VARIABLES_PER_STATEMENT = 32_766  # SQLite's limit on bound values per statement (since 3.32)


def insert_rows(
    model: type[SQLModel],
    rows: Iterable[Mapping[str, Any]],
    *,
    session: Session,
    chunk: int = CHUNK,
) -> int:
    """Insert ``rows`` (dicts of column values) in chunks; return how many were written.

    A column some rows leave out is NULL in those rows; a column every row leaves
    out gets its default. Each chunk is turned into columns and written by
    :func:`insert_columns`, so only ``chunk`` rows are held at a time.
    """
    written = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, chunk)):
        first = batch[0].keys()
        columns: dict[str, Sequence[Any]]
        if not all(map(first.__eq__, map(methodcaller("keys"), batch))):
            keys = list(dict.fromkeys(key for row in batch for key in row))
            columns = {key: [row.get(key) for row in batch] for key in keys}
        elif len(first) == 1:
            (key,) = first
            columns = {key: [row[key] for row in batch]}
        else:  # transposed in C: the loads this serves write millions of rows
            rows_as_tuples = map(itemgetter(*first), batch)
            columns = dict(zip(first, zip(*rows_as_tuples, strict=True), strict=True))
        written += insert_columns(model, columns, session=session, chunk=chunk)
    return written


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
    """``values`` as the driver takes them, through the column type's bind processor
    (once per distinct value: a load stamps thousands of rows with the same moment)."""
    if dialect.name == "sqlite" and isinstance(column.type, UTCDateTime):
        texts = _sqlite_moments(values)
        if texts is not None:
            return texts
    process = column.type._cached_bind_processor(dialect)
    if process is None:
        return values
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _sqlite_moments(values: Sequence[Any]) -> list[str | None] | None:
    """Timezone-aware moments as SQLite stores them (their UTC wall time, as text with
    microseconds, what :class:`~core.types.UTCDateTime` binds), each distinct one once.

    Formatting a million timestamps one by one through the type was the largest
    single cost of a synthetic load; numpy formats them in one call. None when a
    value is not an aware datetime, so the type's own checks turn it away.
    """
    try:
        distinct = dict.fromkeys(values)
        distinct.pop(None, None)
        moments = list(distinct)
        micros = np.fromiter(
            ((moment - _EPOCH) // _MICROSECOND for moment in moments),
            dtype=np.int64,
            count=len(moments),
        )
    except TypeError:  # a naive datetime, a date, or not a moment at all
        return None
    text_of: dict[Any, str | None] = {None: None}
    if moments:
        texts = np.char.replace(np.datetime_as_string(micros.astype("datetime64[us]")), "T", " ")
        text_of.update(zip(moments, texts.tolist(), strict=True))
    return list(map(text_of.__getitem__, values))
