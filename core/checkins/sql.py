"""The SQL the reminder kinds are written in: functions each backend spells its own
way, text and moments built in SQL, and reading rows back whatever the driver gives.

Both SQLite and PostgreSQL run every kind's query; where they differ (a UTC day as
text, days between two moments, a list the planner should look up through an index)
the difference is declared once here, by :func:`spelled`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ARRAY, String, any_, bindparam, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlmodel import Session

from core.clock import as_utc
from core.types import UTCDateTime

CHUNK = 5_000

T = TypeVar("T")


E = TypeVar("E", bound=type[FunctionElement[Any]])


def spelled(*, sqlite: str, postgresql: str) -> Callable[[E], E]:
    """How each backend writes a SQL function of kam's: a template over its
    arguments, ``{0}``, ``{1}``… one by one or ``{args}`` all of them.

    The function is named after its class, and SQLAlchemy caches its statements like
    any function's (by its arguments), so a class says only what it returns.
    """

    def writer(template: str) -> Callable[..., str]:
        def write(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
            args = [compiler.process(c, **kw) for c in element.clauses]
            return template.format(*args, args=", ".join(args))

        return write

    def register(element: E) -> E:
        element.name = element.__name__  # type: ignore[attr-defined]
        element.inherit_cache = True
        compiles(element)(writer(sqlite))
        compiles(element, "postgresql")(writer(postgresql))
        return element

    return register


# SQLite keeps the UTC wall time as text, 'YYYY-MM-DD HH:MM:SS.ffffff'.
@spelled(sqlite="substr({0}, 1, 10)", postgresql="to_char(({0}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
class utc_day(FunctionElement[str]):
    """The UTC calendar day of a stored timestamp, as ``YYYY-MM-DD`` text."""

    type = String()


# SQLite keeps a date as 'YYYY-MM-DD' text; substr costs far less than strftime.
@spelled(sqlite="substr({0}, 6, 5)", postgresql="to_char({0}, 'MM-DD')")
class month_day(FunctionElement[str]):
    """The month and day of a stored calendar date, as ``MM-DD`` text (for anniversaries)."""

    type = String()


@spelled(
    sqlite="(julianday({0}) - julianday({1}))",
    postgresql="(date_part('epoch', {0} - {1}) / 86400.0)",
)
class days_between(FunctionElement[float]):
    """``days_between(later, earlier)``: the days from one timestamp to another, fractional."""


# SQLite: 'YYYY-MM-DD' sorts before every 'YYYY-MM-DD HH:MM:SS…' of that day and after
# the day before, so the day itself compares as its first moment.
@spelled(sqlite="({0})", postgresql="(CAST({0} AS timestamp) AT TIME ZONE 'UTC')")
class utc_midnight(FunctionElement[datetime]):
    """The first moment (UTC) of a stored calendar day, comparable with stored timestamps."""

    type = UTCDateTime()


@spelled(sqlite="{0} IN {1}", postgresql="{0} = ANY(ARRAY{1})")
class among(FunctionElement[bool]):
    """``among(column, subquery)``: the column holds one of the values the subquery returns.

    Spelled so each planner finds the rows through the column's index: SQLite
    with ``IN``; PostgreSQL with ``= ANY(ARRAY(…))``, which it plans as a list of
    values (a bitmap index scan) where ``IN (subquery)`` next to an ``OR`` becomes
    a filter over the whole table (one person's promises: 2 ms against 37 ms).

    Untyped: a boolean-typed expression is compared with 1 in SQLite's WHERE
    (``… IN (…) = 1``), which no index answers, so an ``OR`` beside it scanned the
    whole table (one person's promises: 7 ms against 1 ms).
    """


class among_bound(FunctionElement[bool]):
    """``among_bound(column, bindparam(name))``: the column holds one of the values of
    the list given as ``name`` when the statement runs.

    SQLite gets ``IN`` over the list, one placeholder a value; PostgreSQL one array,
    ``= ANY(…)``, so the statement's text does not grow with the list: psycopg parsed
    a due list's reminder and contact look-ups anew on every call (longer than its
    statement cache keeps), and SQLAlchemy wrote out their placeholders each time.
    """

    name = "among_bound"
    inherit_cache = True


@compiles(among_bound)
def _among_listed(element: among_bound, compiler: Any, **kw: Any) -> str:
    column, param = element.clauses
    listed = bindparam(param.key, type_=param.type, expanding=True, required=True)
    return str(compiler.process(column.in_(listed), **kw))


@compiles(among_bound, "postgresql")
def _among_array(element: among_bound, compiler: Any, **kw: Any) -> str:
    column, param = element.clauses
    array = bindparam(param.key, type_=ARRAY(param.type), required=True)
    return str(compiler.process(column == any_(array), **kw))


@spelled(sqlite="+{0}", postgresql="{0}")
class unindexed(FunctionElement[Any]):
    """A column compared without its index: the planner scans instead.

    SQLite plans without statistics and takes any index on a compared column,
    even where reading most of the table through the index costs several times
    a plain scan (open promises: 0.21 s against 0.05 s at 100k accounts), or
    where another index names the few rows wanted. PostgreSQL, which has
    statistics, gets the column as it is.
    """

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@spelled(
    sqlite="json_group_array(json_array({args}))",
    postgresql="json_agg(json_build_array({args}))",
)
class json_rows(FunctionElement[Any]):
    """An aggregate: the group's rows as one JSON array of arrays (one per row)."""


def joined(*parts: Any) -> ColumnElement[str]:
    """SQL text made of literal pieces and columns (numbers are written in decimal)."""
    out: ColumnElement[str] | None = None
    for part in parts:
        piece: ColumnElement[Any] = (
            literal(part, String()) if isinstance(part, str) else part.cast(String())
        )
        out = piece if out is None else out.concat(piece)
    assert out is not None
    return out


def at(moment: datetime) -> ColumnElement[datetime]:
    """A moment as a bound timestamp, for arithmetic in SQL."""
    return literal(moment, UTCDateTime())


def moment(value: datetime | str | None) -> datetime | None:
    """A timestamp read through an aggregate, made UTC-aware whatever the driver gave."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is UTC:
        return value
    return as_utc(value)


def rows(session: Session, query: Any, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
    """Run a select of more columns than sqlmodel's typed ``select`` covers, with
    ``params`` for its bound parameters.

    Run as Core on the session's connection, after flushing what the session holds
    (as the ORM's autoflush would): for rows of columns the ORM's execution adds only
    its cost, a fifth of a due list's client time on SQLite (3 of 15 ms).
    """
    if session.autoflush:
        session.flush()
    result: Sequence[Any] = session.connection().execute(query, params).all()
    return result


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices small enough for an IN list on every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
