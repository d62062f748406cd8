"""The few expressions SQLite and PostgreSQL spell differently.

Day arithmetic is done in the database so that aggregates come back as plain
numbers, never as one timestamp per row to parse in Python.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    cast,
    distinct,
    extract,
    func,
    literal,
    literal_column,
)
from sqlalchemy.sql.elements import ColumnElement

from core.types import UTCDateTime


def days_since(column: Any, now: datetime, dialect: str) -> ColumnElement[float]:
    """Days (with fractions) from a UTC timestamp column to ``now``."""
    moment = literal(now, UTCDateTime)
    if dialect == "sqlite":
        return cast(func.julianday(moment) - func.julianday(column), Float)
    return cast(extract("epoch", moment - column) / 86400.0, Float)


def whole_days_since(column: Any, now: datetime, dialect: str) -> ColumnElement[int]:
    """Whole days from a UTC timestamp column to ``now`` (rounded down; the column is ≤ now)."""
    if dialect == "sqlite":  # CAST truncates, which is rounding down for days in the past
        return cast(days_since(column, now, dialect), Integer)
    return cast(func.floor(days_since(column, now, dialect)), Integer)


def days_since_day(column: Any, today: date, dialect: str) -> ColumnElement[float]:
    """Whole days from a date column to ``today``."""
    if dialect == "sqlite":
        return cast(func.julianday(literal(today, Date)) - func.julianday(column), Float)
    return cast(literal(today, Date) - column, Float)


def utc_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, comparable with a date column."""
    if dialect == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def unindexed(column: Any, dialect: str) -> ColumnElement[Any]:
    """``column`` in a form SQLite will not use an index for (its unary ``+``).

    Grouping interactions by account reads the (account, time) index in order;
    a filter on the time alone would otherwise make SQLite pick the time index
    and sort a million rows to group them. PostgreSQL plans this well by itself.
    """
    if dialect == "sqlite":
        return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)
    return column  # type: ignore[no-any-return]


def bit_mask(bit: Any, dialect: str) -> ColumnElement[int]:
    """Aggregate: the OR of ``1 << bit`` over a group (bits 0–62)."""
    one = literal(1, BigInteger)
    if dialect == "sqlite":  # no bitwise-or aggregate, but distinct powers of two sum to their OR
        return func.sum(distinct(one.op("<<")(bit)))
    return func.bit_or(one.op("<<")(cast(bit, Integer)))


def json_member(column: Any, path: tuple[str, ...], dialect: str) -> ColumnElement[Any]:
    """SQL: the value at ``path`` (object keys) of a JSON column, NULL where there is
    none; a number comes back as a number on SQLite and as its text on PostgreSQL."""
    if dialect == "sqlite":
        return func.json_extract(column, "$." + ".".join(path))
    return func.json_extract_path_text(column, *path)
