"""Setting derived occurrences against the reminder table.

The due list needs every due occurrence that nobody put away. A sweep needs
far less: only the occurrences nobody has claimed yet, or whose snooze has
ended; everything already delivered it only counts. So a sweep lets the
database do the sorting: each kind's query carries the occurrence's key (and
its family's, see :mod:`core.checkins.keys`) as columns, :func:`triaged` joins
them to the reminder table by its unique key, and one aggregate row comes
back: the counts, and the few rows that need work packed as JSON. Both ways
follow the same rules as :func:`hidden`.
"""

from __future__ import annotations

import functools
import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import String, and_, bindparam, case, func, not_, or_
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins.keys import family
from core.checkins.sql import among_bound, chunked, json_rows, moment, rows
from core.checkins.statements import NOW, built, scorings
from core.models import Reminder, ReminderState, User

CLOSED = frozenset({ReminderState.DONE.value, ReminderState.DISMISSED.value})
SNOOZED = ReminderState.SNOOZED.value
HELD = ReminderState.HELD.value

CONTRACT = frozenset({"key", "user_id"})
"""The columns every kind's query has (``family`` too where the kind escalates)."""

# How a due occurrence stands against the reminder table.
HIDDEN, UNASSIGNED, NEW, WOKEN, CLAIMED = range(5)

REMINDERS = Reminder.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]

# The tables as :func:`triaged` joins them, built once: an alias makes a copy of each of
# its table's columns when first read, which was half the time of building a sweep's
# statements (a sweep of a two-account portfolio: 37 of its 79 ms). A construct does not
# change once built, so every statement can share them.
OWN = REMINDERS.alias("own")
FAM = REMINDERS.alias("fam")
PERSON = USERS.alias("person")

T = TypeVar("T")


# what the reminder table says -----------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRow:
    """What the reminder table says about one key."""

    key: str
    state: str
    snoozed_until: datetime | None
    attempts: int
    updated_at: datetime


def reminder_rows(keys: Iterable[str], *, session: Session) -> dict[str, ReminderRow]:
    """The stored state of these keys (and of their families)."""
    wanted = sorted({k for key in keys for k in (key, family(key))})
    out = {}
    for part in chunked(wanted):
        for key, state, until, attempts, updated in rows(session, STORED, {KEYS.key: part}):
            out[key] = ReminderRow(key, str(state), moment(until), attempts, moment(updated))  # type: ignore[arg-type]
    return out


KEYS: Any = bindparam("keys", type_=String(), required=True)
STORED = wide_select(
    col(Reminder.key),
    col(Reminder.state),
    col(Reminder.snoozed_until),
    col(Reminder.attempts),
    col(Reminder.updated_at),
).where(among_bound(col(Reminder.key), KEYS))
"""The reminder table's rows of some keys (``keys``), built once."""


def hidden(key: str, stored: dict[str, ReminderRow], now: datetime) -> bool:
    """True when the person did, dismissed or (for now) snoozed this occurrence.

    Done or dismissed covers every escalation of the same situation; a snooze
    covers only the level it was given on, so an escalation breaks through.
    """
    own = stored.get(key)
    if own is not None:
        if own.state in CLOSED:
            return True
        if own.state == SNOOZED and own.snoozed_until and own.snoozed_until > now:
            return True
    base = stored.get(family(key))
    return base is not None and base.key != key and base.state in CLOSED


# the sweep's reading --------------------------------------------------------------------------


@dataclass
class Tally:
    """What a sweep's reading counted without fetching it."""

    due: int = 0
    claimed: int = 0
    unassigned: int = 0
    woken: set[str] = field(default_factory=set)

    def add(self, other: Tally) -> None:
        """Count in what another reading counted."""
        self.due += other.due
        self.claimed += other.claimed
        self.unassigned += other.unassigned
        self.woken |= other.woken


def triaged(query: Any, now: datetime | Any) -> Any:
    """``query`` (with ``key`` and ``user_id`` columns, and ``family`` where the kind
    escalates) reduced to what a sweep must act on: new occurrences, and ended
    snoozes and holds, of people who are active.

    One row comes back, in one pass over the due rows: the counts ``n_due``,
    ``n_claimed`` and ``n_unassigned``, and ``fresh``, the rows to act on as a
    JSON array of ``[cls, *columns]`` (:data:`NEW` or :data:`WOKEN`). A window
    over the due rows would copy every one of them to count them (a third of
    the check-in query's time); an aggregate only counts.
    """
    due = query.subquery("due")
    own, person = OWN, PERSON
    closed = sorted(CLOSED)
    put_away = [
        own.c.state.in_(closed),
        and_(own.c.state == SNOOZED, own.c.snoozed_until > now),
    ]
    joins = due.outerjoin(own, own.c.key == due.c.key)
    if "family" in due.c:
        fam = FAM
        put_away.append(fam.c.state.in_(closed))
        joins = joins.outerjoin(fam, and_(fam.c.key == due.c.family, due.c.family != due.c.key))
    standing = case(
        (or_(*put_away), HIDDEN),
        (not_(person.c.active.is_(True)), UNASSIGNED),
        (own.c.state.is_(None), NEW),
        (own.c.state == SNOOZED, WOKEN),
        (and_(own.c.state == HELD, own.c.snoozed_until <= now), WOKEN),
        else_=CLAIMED,
    )
    sorted_out = (
        wide_select(due, standing.label("cls"))
        .select_from(joins.outerjoin(person, person.c.id == due.c.user_id))
        .subquery("sorted_out")
    )
    cls = sorted_out.c.cls
    return wide_select(
        func.count(case((cls != HIDDEN, 1))).label("n_due"),
        func.count(case((cls == CLAIMED, 1))).label("n_claimed"),
        func.count(case((cls == UNASSIGNED, 1))).label("n_unassigned"),
        json_rows(cls, *(sorted_out.c[c.name] for c in due.c))
        .filter(cls.in_([NEW, WOKEN]))
        .label("fresh"),
    )


@built
def _triaged_once(query: Any) -> Any:
    """:func:`triaged` of a kind's statement, as it runs with the moment bound
    (:data:`~core.checkins.statements.NOW`): built once for a statement built once,
    which is the same object at every sweep (a statement a kind still builds on every
    call is a new one each time, kept only until the cache drops it)."""
    return triaged(query, NOW)


def unpacked(query: Any, fresh: str | list[list[Any]] | None) -> list[Any]:
    """The rows :func:`triaged` packed as JSON, with ``cls`` and the query's columns
    as attributes. Values come back as JSON has them: timestamps and dates as
    ISO text (:func:`moment` reads both), flags as numbers or booleans."""
    if fresh is None:  # PostgreSQL's json_agg of no rows
        return []
    packed = json.loads(fresh) if isinstance(fresh, str) else fresh
    shape = _shape(tuple(c.name for c in query.selected_columns))
    return [shape(*values) for values in packed]


@functools.cache
def _shape(columns: tuple[str, ...]) -> Any:
    """The row type of a kind's unpacked rows, made once per set of columns (making a
    named tuple compiles its code: a millisecond per kind and sweep)."""
    return namedtuple("Fresh", ["cls", *columns])


class Reading:
    """How the kinds read their due rows: all of them (the due list), or, for a
    sweep (``new_only``), only those nobody has claimed yet, counting the rest."""

    def __init__(self, session: Session, now: datetime, *, new_only: bool = False) -> None:
        self.session = session
        self.now = now
        self.new_only = new_only
        self.tally = Tally()
        self._active: dict[int, bool] | None = None
        self._scorings: tuple[datetime | None, datetime | None] | None = None

    def scorings(self) -> tuple[datetime | None, datetime | None]:
        """The first and latest scoring's moments (:func:`~core.checkins.statements.scorings`),
        read once for the kinds that ask."""
        if self._scorings is None:
            self._scorings = scorings(self.session)
        return self._scorings

    def rows(self, query: Any, values: Mapping[str, Any] | None = None) -> Sequence[Any]:
        """The rows of a kind's query (with ``key``, ``user_id`` and, where the kind
        escalates, ``family`` columns: the contract of :mod:`core.checkins.kind`), run
        with ``values`` for its bound parameters (:meth:`~core.checkins.kind.Context.values`;
        the reading's moment is always given as :data:`~core.checkins.statements.NOW`)."""
        missing = CONTRACT - set(query.selected_columns.keys())
        if missing:
            raise TypeError(f"a reminder kind's query lacks the columns {sorted(missing)}")
        params = {NOW.key: self.now, **(values or {})}
        if not self.new_only:
            return rows(self.session, query, params)
        (counts,) = rows(self.session, _triaged_once(query), params)
        self.tally.due += counts.n_due
        self.tally.claimed += counts.n_claimed
        self.tally.unassigned += counts.n_unassigned
        found = unpacked(query, counts.fresh)
        self.tally.woken.update(r.key for r in found if r.cls == WOKEN)
        return found

    def keep(
        self, items: Sequence[T], key_of: Callable[[T], str], user_of: Callable[[T], int | None]
    ) -> list[T]:
        """The same sorting for items a kind built in Python (keys not known to SQL)."""
        if not self.new_only:
            return list(items)
        if self._active is None:
            self._active = {
                uid: bool(active)
                for uid, active in self.session.exec(select(User.id, User.active)).all()
                if uid is not None
            }
        stored = reminder_rows((key_of(i) for i in items), session=self.session)
        kept = []
        for item in items:
            key = key_of(item)
            if hidden(key, stored, self.now):
                continue
            self.tally.due += 1
            user_id = user_of(item)
            if user_id is None or not self._active.get(user_id, False):
                self.tally.unassigned += 1
                continue
            row = stored.get(key)
            if row is None:
                kept.append(item)
            elif row.state == SNOOZED or (
                row.state == HELD
                and row.snoozed_until is not None
                and row.snoozed_until <= self.now
            ):
                self.tally.woken.add(key)
                kept.append(item)
            else:
                self.tally.claimed += 1
        return kept
