"""Set-based writes for loaders: many rows per statement, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel

CHUNK = 5_000


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
    written = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, chunk)):
        keys = {key for row in batch for key in row}
        if any(len(row) != len(keys) for row in batch):
            batch = [{key: row.get(key) for key in keys} for row in batch]
        session.execute(insert(table), batch)
        written += len(batch)
    return written


def ids_by(model: type[SQLModel], column: str, *, session: Session) -> dict[Any, int]:
    """Map a unique column's values to row ids (to wire foreign keys after a bulk insert)."""
    table = model.__table__  # type: ignore[attr-defined]
    pairs: Sequence[Any] = session.execute(
        table.select().with_only_columns(table.c[column], table.c.id)
    ).all()
    return {value: row_id for value, row_id in pairs}
