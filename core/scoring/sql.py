"""The few expressions SQLite and PostgreSQL spell differently.

Day arithmetic is done in the database so that aggregates come back as plain
numbers, never as one timestamp per row to parse in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Date, Float, Integer, cast, extract, func, literal
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


def utc_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, comparable with a date column."""
    if dialect == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)
