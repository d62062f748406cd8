"""Statements built once and run again with the values of the moment.

Building a statement, and computing the cache key SQLAlchemy finds its compiled form
by, cost more than running it: one person's due list spent half of its client time
building its sixteen statements anew on every call. So a kind builds each statement
once for each shape it takes (:func:`built`), names the values it compares with as
bound parameters (:func:`value`, :data:`NOW`, :data:`TODAY`, the scope's ids), and
passes them when the statement runs (:meth:`core.checkins.kind.Context.values`).
SQLAlchemy keeps a construct's cache key, so a statement run again costs only its
execution.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Date, Integer, bindparam, func
from sqlalchemy import select as wide_select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, select

from core.checkins.sql import moment
from core.models import ScoreSnapshot
from core.types import UTCDateTime

F = TypeVar("F", bound=Callable[..., Any])


def built(build: F) -> F:
    """A kind's statement, built once for each shape it takes and run again and again
    with the values of the moment (:func:`value`).

    ``build``'s arguments say what changes the SQL (whose scope:
    :attr:`core.checkins.kind.Scope.shape`; how many tiers or days a setting lists),
    never a value it is compared with: those are bound parameters, passed when it runs.
    """
    cached = functools.lru_cache(maxsize=16)(build)
    _BUILT.append(cached)
    return cached  # type: ignore[return-value]


_BUILT: list[Any] = []


def forget_built() -> None:
    """Drop every :func:`built` statement, so the next reading builds them again (what
    the tests compare a statement run again with)."""
    for cached in _BUILT:
        cached.cache_clear()


def value(name: str, type_: Any) -> BindParameter[Any]:
    """A value a :func:`built` statement is run with, by name: required, so a statement
    run without it fails rather than use a value of another moment or person."""
    return bindparam(name, type_=type_, required=True)


NOW = value("now", UTCDateTime())
"""The moment a reading is for (every reading passes it)."""
TODAY = value("today", Date())
"""The UTC day of :data:`NOW`."""
SCOPE_USERS = bindparam("scope_users", type_=Integer(), expanding=True, required=True)
"""The ids of a scope's people (:meth:`core.checkins.kind.Scope.params`)."""
SCOPE_ACCOUNTS = bindparam("scope_accounts", type_=Integer(), expanding=True, required=True)
"""The ids of a scope's accounts."""


def scorings(session: Session) -> tuple[datetime | None, datetime | None]:
    """The moments of the portfolio's first and latest scoring (None, None before any).

    Read through the snapshots' index on ``at``: a kind that compares an account's
    snapshots (a tier entered, a health drop) has nothing to find until a second
    scoring, and says so without reading every account's history.
    """
    first, last = session.exec(SCORINGS).one()
    return moment(first), moment(last)


# Two look-ups, one at each end of the index, in one statement: asked for both in one
# aggregate, the database reads every snapshot instead (a second at 30 nightly runs of
# 100,000).
SCORINGS: Any = wide_select(
    select(func.min(ScoreSnapshot.at)).scalar_subquery(),
    select(func.max(ScoreSnapshot.at)).scalar_subquery(),
)
