"""Match checked rows to what the database holds, then write them in chunks.

A row whose key (external id, name, e-mail…) matches a record updates it when
any imported value differs and is counted unchanged otherwise; other rows are
created. Every write happens inside the caller's transaction, so an import
either lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import bulk
from core.models import name_key
from core.transfer.check import Checked
from core.transfer.fields import Entity
from core.transfer.problems import FileProblem
from core.transfer.refs import Pending

CHUNK = bulk.CHUNK
SQLITE_CACHE_KB = 256 * 1024
Progress = Callable[[int], None]


@dataclass
class Plan:
    """What writing the good rows will do."""

    creates: list[int] = field(default_factory=list)
    updates: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    """(row index, record id, changed columns)."""
    unchanged: int = 0


FOLDED = ("email", "name")


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _key_values(key: tuple[str, ...], columns: dict[str, list[Any]]) -> list[Any]:
    """Each row's value of ``key`` in compared form, None where a part is missing."""
    parts = [columns[c] if c not in FOLDED else [_fold(v) for v in columns[c]] for c in key]
    if len(key) == 1:  # a single column's value is its own key, no tuple
        if not any(isinstance(v, Pending) for v in parts[0]):
            return parts[0]
        return [None if isinstance(v, Pending) else v for v in parts[0]]
    return [
        None if any(v is None or isinstance(v, Pending) for v in values) else values
        for values in zip(*parts, strict=True)
    ]


def plan(entity: Entity, checked: Checked, *, session: Session, file: str) -> Plan:
    """Sort the good rows into creates, updates and unchanged; flag duplicates.

    A row is identified by its first key with values (an external id, else a
    name…); a duplicate of that within the file is an error. It matches a
    record by any of its keys, in order. A value of a unique column that
    another record already holds is an error too.
    """
    table = entity.model.__table__  # type: ignore[attr-defined]
    columns = checked.columns
    keys = [k for k in entity.keys if all(c in columns for c in k)]
    uniques = [c.name for c in table.c if c.unique and c.name in columns]
    if keys and len(keys[0]) == 1 and keys[0][0] in uniques:
        uniques.remove(keys[0][0])  # the identity's own duplicates are caught as such
    compared = [c for c in columns if c != "id"]
    order = ["id", *sorted({c for k in keys for c in k} | set(uniques) | set(compared))]
    at = {c: j for j, c in enumerate(order)}
    existing = session.execute(select(*(table.c[c] for c in order))).all()
    index: list[dict[Any, Any]] = []
    for k in keys:
        spots = [(c in FOLDED, at[c]) for c in k]
        if len(spots) == 1:
            fold, j = spots[0]
            index.append({_fold(r[j]) if fold else r[j]: r for r in existing if r[j] is not None})
            continue
        index.append(
            {
                tuple(_fold(r[j]) if fold else r[j] for fold, j in spots): r
                for r in existing
                if all(r[j] is not None for _, j in spots)
            }
        )
    owners = [{_fold(r[at[u]]): r[0] for r in existing if r[at[u]] is not None} for u in uniques]
    del existing
    key_values = [_key_values(k, columns) for k in keys]
    unique_values = [[_fold(v) for v in columns[u]] for u in uniques]
    seen: list[dict[Any, int]] = [{} for _ in keys]
    seen_unique: list[dict[Any, int]] = [{} for _ in uniques]
    result = Plan()
    label = entity.label
    cells = [(columns[c], at[c], c) for c in compared]
    bad = checked.bad
    numbers = checked.numbers
    for i in range(len(numbers)):
        if i in bad:
            continue
        match = None
        identity = -1
        for n, values in enumerate(key_values):
            value = values[i]
            if value is None:
                continue
            if identity < 0:
                identity = n
                first = seen[n].setdefault(value, i)
                if first != i:
                    checked.fail(
                        file,
                        i,
                        keys[n][-1],
                        f"the same {_say(keys[n])} as row {numbers[first]}; "
                        f"each {label} may appear once",
                    )
                    break
            match = index[n].get(value)
            if match is not None:
                break
        if i in bad:
            continue
        problem = None
        for n, u in enumerate(uniques):
            value = unique_values[n][i]
            if value is None:
                continue
            first = seen_unique[n].setdefault(value, i)
            owner = owners[n].get(value)
            if first != i:
                problem = (u, f"the same {_say((u,))} as row {numbers[first]}")
            elif owner is not None and (match is None or owner != match[0]):
                problem = (u, f"another {label} already has this {_say((u,))}; change one of them")
            if problem:
                break
        if problem is not None:
            checked.fail(file, i, problem[0], problem[1])
        elif match is None:
            result.creates.append(i)
        else:
            changes = {c: values[i] for values, j, c in cells if values[i] != match[j]}
            if changes:
                result.updates.append((i, match[0], changes))
            else:
                result.unchanged += 1
    return result


def _say(key: tuple[str, ...]) -> str:
    words = {"name_key": "name", "idempotency_key": "external id", "account_id": "account"}
    return " and ".join(words.get(c, c.replace("_", " ")) for c in key)


def write(
    entity: Entity,
    checked: Checked,
    todo: Plan,
    *,
    session: Session,
    now: datetime,
    progress: Progress | None = None,
) -> None:
    """Insert the creates in chunks, apply the updates, then wire references within the file."""
    model = entity.model
    table = model.__table__  # type: ignore[attr-defined]
    columns = checked.columns
    names = list(columns)
    stamps = {c: now for c in ("created_at", "updated_at") if c in table.c and c not in columns}
    stamps |= {
        f.column: f.default
        for f in entity.fields.values()
        if f.column not in columns and f.default is not None
    }
    inward = {"accounts": "account", "users": "user"}.get(entity.kind)
    pending = [
        f.column
        for f in entity.fields.values()
        if f.kind == inward
        and f.column in columns
        and any(isinstance(v, Pending) for v in columns[f.column])
    ]
    plain = {c: [_plain(v) for v in columns[c]] if c in pending else columns[c] for c in names}
    if len(todo.creates) > CHUNK and session.get_bind().dialect.name == "sqlite":
        # SQLite's default 2 MB page cache makes a big load rewrite the same index pages
        # over and over; a larger one (allocated only as used) halves the writing time.
        session.execute(text(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}"))
    try:
        for chunk in _chunks(todo.creates):
            pick = itemgetter(*chunk) if len(chunk) > 1 else lambda col, i=chunk[0]: (col[i],)
            picked: dict[str, Sequence[Any]] = {c: [v] * len(chunk) for c, v in stamps.items()}
            picked |= {c: pick(values) for c, values in plain.items()}
            bulk.insert_columns(model, picked, session=session, chunk=CHUNK)
            if progress:
                progress(len(chunk))
        touch = (
            {"updated_at": now} if "updated_at" in table.c and "updated_at" not in columns else {}
        )
        for chunk in _chunks(todo.updates):
            session.execute(
                update(model),
                [
                    {"id": record_id, **touch, **{c: _plain(v) for c, v in changes.items()}}
                    for _, record_id, changes in chunk
                ],
            )
            if progress:
                progress(len(chunk))
        if pending:
            _wire(entity, checked, pending, session=session)
        session.flush()
    except IntegrityError as exc:
        raise FileProblem(
            f"The database refused the {entity.kind}: {_first_line(exc)}. Nothing was written; "
            "check the rows against the field rules in the README."
        ) from exc


def _plain(value: Any) -> Any:
    return None if isinstance(value, Pending) else value


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _wire(entity: Entity, checked: Checked, pending: list[str], *, session: Session) -> None:
    """Point parents and managers at records created by this same file."""
    table = entity.model.__table__  # type: ignore[attr-defined]
    rows: list[Any]
    if entity.kind == "accounts":
        rows = list(session.execute(select(table.c.id, table.c.name_key, table.c.external_id)))
        ids = {name_key(ext): i for i, _, ext in rows if ext} | {key: i for i, key, _ in rows}
        own = [name_key(n) for n in checked.columns["name"]]
    else:
        rows = list(session.execute(select(table.c.id, table.c.email, table.c.name)))
        ids = {name_key(n): i for i, _, n in rows} | {e: i for i, e, _ in rows}
        own = list(checked.columns["email"])
    changes = []
    for column in pending:
        for i, value in enumerate(checked.columns[column]):
            if isinstance(value, Pending) and i not in checked.bad:
                changes.append({"id": ids[own[i]], column: ids[value.key]})
    for chunk in _chunks(changes):
        session.execute(update(entity.model), chunk)


def reset_sequences(session: Session, tables: list[str]) -> None:
    """After writing explicit ids on PostgreSQL, let new records continue after them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


def _first_line(exc: IntegrityError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else "a constraint failed"
