"""Check every cell of a mapped table and turn it into typed column values.

Work is done a column at a time with one reader per column (dates and names
repeat, so each distinct text is read once). Nothing here writes: the result
says which rows are good, and what is wrong with the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from core import numbers
from core.clock import zone
from core.models import name_key
from core.transfer import values as read
from core.transfer.fields import Entity, Field
from core.transfer.mapping import Mapped
from core.transfer.options import ImportOptions
from core.transfer.problems import RowProblem
from core.transfer.refs import Pending, References
from core.transfer.table import TextTable
from core.validation import NUL_SENTENCE

Reader = Callable[[str], Any]


@dataclass
class Checked:
    """Typed values per table column, row numbers, and the rows that failed."""

    columns: dict[str, list[Any]]
    numbers: list[int]
    problems: list[RowProblem] = field(default_factory=list)
    bad: set[int] = field(default_factory=set)
    headings: dict[str, str] = field(default_factory=dict)
    """Table column -> the file's heading for it (for messages)."""

    def fail(self, file: str, index: int, column: str | None, message: str) -> None:
        """Record a problem with row ``index``."""
        heading = self.headings.get(column, column) if column else None
        self.problems.append(RowProblem(file, self.numbers[index], heading, message))
        self.bad.add(index)


STAGE_WORDS = {"won": "won", "lost": "lost"}


def _choice(f: Field, entity: Entity) -> Reader:
    choices = {c.replace("_", " "): c for c in f.choices}

    def reader(text: str) -> str:
        key = " ".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())
        found = choices.get(key)
        if found is not None:
            return found
        if entity.kind == "deals" and f.name == "stage":
            words = set(key.split())
            return next((v for w, v in STAGE_WORDS.items() if w in words), "open")
        raise ValueError(f"{text!r} is not one of {', '.join(f.choices)}")

    return reader


def _text(f: Field, entity: Entity) -> Reader:
    limit = f.max_length

    def reader(text: str) -> str:
        value = text.strip()  # blank after stripping: "" tells the caller to look again
        if "\x00" in value:
            raise ValueError(f"the text {NUL_SENTENCE}")
        if limit is not None and len(value) > limit:
            raise ValueError(f"the text is {len(value):,} characters; the limit is {limit:,}")
        return value

    if entity.kind == "users" and f.name == "email":

        def email(text: str) -> str:
            value = reader(text).lower()
            if "@" not in value:
                raise ValueError(f"{text!r} is not an e-mail address")
            return value

        return email
    if entity.kind == "users" and f.name == "timezone":

        def timezone(text: str) -> str:
            value = reader(text)
            try:
                zone(value)
            except Exception:
                raise ValueError(
                    f"{text!r} is not a time zone; use an IANA name such as Europe/Oslo"
                ) from None
            return value

        return timezone
    if entity.kind == "accounts" and f.name == "name":

        def account_name(text: str) -> str:
            value = " ".join(reader(text).split())
            if not any(ch.isalnum() for ch in value):
                raise ValueError("an account name needs at least one letter or digit")
            return value

        return account_name
    return reader


def _bounded(f: Field, base: Reader) -> Reader:
    low, high, above = f.minimum, f.maximum, f.above
    if low is None and high is None and above is None:
        return base

    def reader(text: str) -> Any:
        value = base(text)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"from {low}" + (f" to {high}" if high is not None else " up")
            raise ValueError(f"{value} is out of range; it must be {span}")
        if above is not None and value <= above:
            raise ValueError(f"{value} must be more than {above}")
        return value

    return reader


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("this is not valid JSON") from None


def _id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a kam id (a whole number)") from None
    if not 0 < value <= numbers.MAX_INT:
        raise ValueError(f"{text!r} is not a kam id (from 1 to {numbers.MAX_INT:,})")
    return value


class Readers:
    """Builds the reader for each mapped column of one file."""

    def __init__(
        self, table: TextTable, entity: Entity, refs: References, options: ImportOptions
    ) -> None:
        self.table, self.entity, self.refs, self.options = table, entity, refs, options
        self.decimal_comma = table.delimiter == ";"
        self.self_keys: set[str] = set()

    def for_column(self, mapped: Mapped, cells: list[str]) -> Reader:
        """The reader for one column (dates look at the whole column first)."""
        f = mapped.field
        kind = f.kind
        if kind in ("date", "moment"):
            order = None
            if not self.options.date_format:
                distinct = {c for c in cells if c}
                order = read.date_order(distinct, column=mapped.heading, file=self.table.name)
            dates = read.DateReader(self.options.date_format, order)
            return dates if kind == "date" else read.MomentReader(dates, self.options.timezone)
        if kind == "text":
            return _text(f, self.entity)
        if kind == "choice":
            return _memo(_choice(f, self.entity))
        if kind == "int":
            return _bounded(f, numbers.read_int)
        if kind == "number":
            comma = self.decimal_comma
            return _bounded(f, lambda t: numbers.read_amount(t, decimal_comma=comma))
        if kind == "bool":
            return read.read_bool
        if kind == "time":
            return read.read_time
        if kind == "json":
            return _json
        if kind == "id":
            return _id
        if kind in ("contact_id", "deal_id"):
            return lambda t: self.refs.exists(kind, _id(t))
        if kind == "account":
            return self._self_or(self.refs.account, "accounts", name_key)
        if kind == "user":
            return self._self_or(self.refs.user, "users", _user_key)
        raise AssertionError(f"no reader for {kind}")  # contact: resolved per row

    def _self_or(self, lookup: Reader, kind: str, key: Callable[[str], str]) -> Reader:
        """Look up in the database, or (for a parent or manager) in the file itself."""
        if self.entity.kind != kind:
            return _memo(lookup)
        keys = self.self_keys

        def reader(text: str) -> Any:
            try:
                return lookup(text)
            except ValueError:
                if key(text) in keys:
                    return Pending(key(text))
                raise

        return _memo(reader)


def _user_key(text: str) -> str:
    return text.strip().lower() if "@" in text else name_key(text)


def _memo(reader: Reader) -> Reader:
    cache: dict[str, Any] = {}

    def memo(text: str) -> Any:
        try:
            return cache[text]
        except KeyError:
            cache[text] = value = reader(text)
            return value

    return memo


def check(
    table: TextTable,
    entity: Entity,
    mapped: list[Mapped],
    *,
    refs: References,
    options: ImportOptions,
    now: datetime,
    progress: Callable[[float], None] | None = None,
) -> Checked:
    """Read every mapped cell; collect typed columns and every problem found.

    ``progress`` is told the share of the work done after each column.
    """
    checked = Checked(
        columns={},
        numbers=table.numbers,
        problems=list(table.problems),
        headings={m.field.column: m.heading for m in mapped},
    )
    readers = Readers(table, entity, refs, options)
    cells = {m.field.name: list(map(itemgetter(m.index), table.rows)) for m in mapped}
    _collect_self_keys(readers, entity, cells)
    contact: Mapped | None = None
    for done, m in enumerate(mapped, start=1):
        if m.field.kind == "contact":
            contact = m
            continue
        column = cells[m.field.name]
        reader = readers.for_column(m, column)
        checked.columns[m.field.column] = _read_column(
            column, reader, m, entity, options.values.get(m.field.name), checked, table.name, now
        )
        if progress:
            progress(done / len(mapped))
    if contact is not None:
        checked.columns[contact.field.column] = _contacts(
            cells[contact.field.name], checked, refs, table.name
        )
    _derive(entity, checked, table.name)
    if entity.kind == "accounts":
        _refuse_parent_cycles(checked, refs, table.name)
    if entity.kind == "interactions":
        _refuse_future(checked, "occurred_at", now + FUTURE_SKEW, table.name)
    return checked


def _collect_self_keys(readers: Readers, entity: Entity, cells: dict[str, list[str]]) -> None:
    """The names (and e-mails) of the file's own rows, which a parent or manager may name."""
    if entity.kind == "accounts" and "name" in cells:
        readers.self_keys = {name_key(t) for t in cells["name"]}
        if "external_id" in cells:
            readers.self_keys |= {name_key(t) for t in cells["external_id"] if t}
    elif entity.kind == "users":
        keys = {_user_key(t) for t in cells.get("email", [])}
        keys |= {name_key(t) for t in cells.get("name", [])}
        readers.self_keys = keys


def _read_column(
    column: list[str],
    reader: Reader,
    m: Mapped,
    entity: Entity,
    translate: Mapping[str, str] | None,
    checked: Checked,
    file: str,
    now: datetime,
) -> list[Any]:
    f = m.field
    empty = f.default
    if empty is None and f.kind == "moment" and not entity.model.__table__.c[f.column].nullable:  # type: ignore[attr-defined]
        empty = now
    if translate:
        folded = {k.casefold(): v for k, v in translate.items()}
        column = [translate.get(t, folded.get(t.strip().casefold(), t)) for t in column]
    if "" not in column:
        # The usual case, a full column of good values: read it in one sweep. Anything
        # unusual (a blank, a bad value) is read again cell by cell below.
        try:
            quick = list(map(reader, column))
        except ValueError:
            pass
        else:
            if "" not in quick:
                return quick
    out: list[Any] = [empty] * len(column)
    for i, text in enumerate(column):
        if not text or text.isspace():
            if f.required:
                checked.fail(
                    file, i, f.column, f"the {f.name.replace('_', ' ')} is empty; it is required"
                )
            continue
        try:
            out[i] = reader(text)
        except ValueError as exc:
            checked.fail(file, i, f.column, str(exc))
    return out


def _contacts(column: list[str], checked: Checked, refs: References, file: str) -> list[Any]:
    """Contacts are named within the row's account."""
    accounts = checked.columns.get("account_id")
    out: list[Any] = [None] * len(column)
    for i, text in enumerate(column):
        if not text or text.isspace() or accounts is None or accounts[i] is None:
            continue
        try:
            out[i] = refs.contact(accounts[i], text)
        except ValueError as exc:
            checked.fail(file, i, "contact_id", str(exc))
    return out


def _derive(entity: Entity, checked: Checked, file: str) -> None:
    """Columns computed from others (an account's name key), and no account its own parent."""
    if entity.kind == "accounts" and "name" in checked.columns:
        keys = [name_key(n) if n is not None else None for n in checked.columns["name"]]
        checked.columns["name_key"] = keys
        for i, parent in enumerate(checked.columns.get("parent_id", ())):
            if isinstance(parent, Pending) and parent.key == keys[i]:
                checked.fail(file, i, "parent_id", "an account cannot be its own parent group")


FUTURE_SKEW = timedelta(days=1)
"""How far ahead of now an interaction may be dated: clocks and time zones differ by
hours, a call logged next month is a typo (9999 for 2025)."""


def _refuse_future(checked: Checked, column: str, latest: datetime, file: str) -> None:
    """Refuse rows dated after ``latest``: what happened cannot be in the future."""
    for i, moment in enumerate(checked.columns.get(column, ())):
        if isinstance(moment, datetime) and moment > latest:
            checked.fail(
                file,
                i,
                column,
                f"{moment:%Y-%m-%d %H:%M} is in the future; an interaction is dated when it "
                "happened (a promise for later is a commitment)",
            )


def _refuse_parent_cycles(checked: Checked, refs: References, file: str) -> None:
    """Refuse a parent that leads back to the row's own account (A in B, B in A), through
    the file's rows and the parents already stored."""
    names, parents = checked.columns.get("name_key"), checked.columns.get("parent_id")
    if names is None or parents is None:
        return
    node: dict[str, int | str] = {k: refs.account_id(k) or k for k in names if k is not None}
    up: dict[int | str, int | str] = {}
    for key, parent in zip(names, parents, strict=True):
        if key is not None and parent is not None:
            up[node[key]] = parent.key if isinstance(parent, Pending) else parent
    for i, key in enumerate(names):
        if key is None or parents[i] is None:
            continue
        start, seen = node[key], set()
        step: int | str | None = up.get(start)
        while step is not None and step not in seen and step != start:
            seen.add(step)
            step = up[step] if step in up else refs.stored_parent(step)
        if step == start:
            checked.fail(
                file,
                i,
                "parent_id",
                "its parent group leads back to the account itself (a cycle); "
                "one of them must not be the other's parent",
            )
