"""Writing a sweep's claims: new reminder rows, each inserted unless its key is there.

``INSERT … ON CONFLICT (key) DO NOTHING RETURNING key`` on both backends; what comes
back are the keys this statement inserted, so of two sweepers racing for a key only
one hears of it (the first step of the delivery guarantee, :mod:`core.checkins.sweeper`).

SQLite gets the rows as one multi-row ``VALUES`` list a batch. PostgreSQL gets the
batch as one JSON text that the server reads into rows (``json_to_recordset``): with a
``VALUES`` list, psycopg parsed the statement's twelve thousand placeholders a batch
anew (too long for its cache), 8.5 s of a 100,000-account portfolio's 19 s first sweep;
as one array a column, it quoted every value with a regular expression (5 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Integer,
    String,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from core.models import Reminder
from core.types import UTCDateTime

REMINDERS = Reminder.__table__  # type: ignore[attr-defined]

COLUMNS: dict[str, Any] = {
    "key": String(),
    "kind": String(),
    "account_id": Integer(),
    "user_id": Integer(),
    "due_at": DateTime(timezone=True),
    "state": String(),
    "snoozed_until": DateTime(timezone=True),
    "attempts": Integer(),
    "payload": JSON(),
    "created_at": DateTime(timezone=True),
    "updated_at": DateTime(timezone=True),
}
"""What a claim writes of a reminder (the rest keep their defaults), and the type each
column is read as from the batch PostgreSQL is given as JSON."""
MOMENTS = frozenset(name for name, kind in COLUMNS.items() if isinstance(kind, DateTime))


def insert_new(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Insert the reminder ``rows`` (:data:`COLUMNS` each) whose keys are not stored yet;
    the keys inserted."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        batch = [_as_json(row, conn.dialect) for row in rows]
        return [str(key) for (key,) in conn.execute(FROM_JSON, {"batch": batch})]
    return [str(key) for (key,) in conn.execute(VALUES, list(rows))]


def _as_json(row: dict[str, Any], dialect: Any) -> dict[str, Any]:
    """A row as JSON holds it: each moment checked as the column type checks it (aware,
    made UTC) and written in ISO 8601."""
    out = dict(row)
    for name in MOMENTS:
        moment = UTC_TYPE.process_bind_param(row[name], dialect)
        out[name] = None if moment is None else moment.isoformat()
    return out


def _from_json() -> Any:
    """PostgreSQL's statement: the batch as one JSON text, read into rows by the server."""
    given = (
        func.json_to_recordset(bindparam("batch", type_=JSON()))
        .table_valued(*(column(name, kind) for name, kind in COLUMNS.items()))
        .render_derived(name="given", with_types=True)
    )
    return (
        postgresql.insert(REMINDERS)
        .from_select(list(COLUMNS), select(*(given.c[name] for name in COLUMNS)))
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(REMINDERS.c.key)
    )


UTC_TYPE = UTCDateTime()
VALUES = (
    sqlite.insert(REMINDERS)
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(REMINDERS.c.key)
)
"""SQLite's statement: the rows as parameters, one ``VALUES`` row each."""
FROM_JSON = _from_json()
