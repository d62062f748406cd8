"""Take everything a team cares about out of kam, as CSV or JSON, one file per kind.

The files are what ``kam import`` reads: references are written as names and
e-mails (an account by its name, a person by e-mail), contacts and deals by
kam's id, and every record keeps its id, so that ``kam import --profile kam
DIR`` rebuilds the same portfolio in an empty database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from core.models import Account, User
from core.progress import Progress
from core.transfer import csvfile
from core.transfer.fields import MODELS, Field, entity

ORDER = tuple(MODELS)
"""Users first, then accounts, then what hangs off them: the order a restore needs."""
FORMATS = ("csv", "json")


def cell(value: Any) -> str:
    """A value as CSV text that the importer reads back to the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet formula can start (OWASP's CSV-injection guidance)."""
QUOTE = "'"
"""What an export puts before such a text, so a spreadsheet shows it as text."""


def neutralised(text: str) -> str:
    """``text`` as a CSV export writes it: a text a spreadsheet would run as a formula gets
    a leading ``'``, and so does one that already starts with ``'`` (so the importer can
    tell them apart). :func:`restored` undoes it exactly."""
    return QUOTE + text if text.startswith((*FORMULA_START, QUOTE)) else text


def restored(text: str) -> str:
    """A CSV export's cell as it was stored: the inverse of :func:`neutralised`.

    Numbers and dates are written as they are (a negative amount stays ``-5.0``, which a
    spreadsheet reads as a number), so a cell that starts with ``'`` is always text an
    export neutralised."""
    return text[1:] if text.startswith(QUOTE) else text


def safe_cell(value: Any) -> str:
    """A value as a CSV export writes it: :func:`cell`, and text :func:`neutralised`."""
    return neutralised(value) if isinstance(value, str) else cell(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def exported_fields(kind: str) -> list[Field]:
    """The fields written for ``kind``: every column, references by name or id."""
    return [f for f in entity(kind, with_id=True).fields.values() if f.kind != "contact"]


def _rows(kind: str, *, session: Session) -> Iterator[list[Any]]:
    model = entity(kind, with_id=True).model
    table = model.__table__  # type: ignore[attr-defined]
    fields = exported_fields(kind)
    accounts = {r[0]: r[1] for r in session.execute(select(col(Account.id), col(Account.name)))}
    emails = {r[0]: r[1] for r in session.execute(select(col(User.id), col(User.email)))}
    names = {"account": accounts, "user": emails}
    lookups = [names.get(f.kind) for f in fields]
    query = select(*(table.c[f.column] for f in fields)).order_by(table.c.id)
    for row in session.execute(query.execution_options(yield_per=10_000)):
        yield [
            value if lookup is None or value is None else lookup[value]
            for value, lookup in zip(row, lookups, strict=True)
        ]


def export_all(
    folder: Path, *, session: Session, fmt: str = "csv", progress: Progress | None = None
) -> dict[str, int]:
    """Write one file per kind into ``folder``; return how many records each holds.

    ``progress`` hears each kind as it starts, as step *n* of the kinds.
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for done, kind in enumerate(ORDER):
        if progress:
            progress(f"Exporting {kind}", done, len(ORDER))
        header = [f.name for f in exported_fields(kind)]
        path = folder / f"{kind}.{fmt}"
        rows = _rows(kind, session=session)
        if fmt == "csv":
            counts[kind] = csvfile.write_csv(
                path, header, ([safe_cell(v) for v in r] for r in rows)
            )
        else:
            counts[kind] = _write_json(path, header, rows)
    if progress:
        progress("Exported", len(ORDER), len(ORDER))
    return counts


def _write_json(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    """A JSON array of objects, written a record at a time."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for row in rows:
            record = {k: _json_value(v) for k, v in zip(header, row, strict=True)}
            handle.write(",\n" if count else "\n")
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=False))
            count += 1
        handle.write("\n]\n")
    return count
