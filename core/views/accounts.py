"""The account list: every account with its owner, tier, last contact and 12-month revenue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.clock import utcnow
from core.models import Account, Deal, ScoreSnapshot, User
from core.results import JsonResult
from core.scoring.revenue import last_12_months
from core.scoring.snapshots import held_tier, newest_snapshot
from core.views.common import as_aware


@dataclass(frozen=True, slots=True)
class AccountRow(JsonResult):
    """One account as ``kam accounts`` and ``/kam list`` show it."""

    id: int
    name: str
    sector: str | None
    country: str | None
    owner: str | None
    """The owner's e-mail."""
    tier: str | None
    """The hand-set tier, else the newest snapshot's; None before the first scoring."""
    revenue_12m: float
    last_contact: datetime | None


@dataclass(frozen=True, slots=True)
class AccountPage(JsonResult):
    """The first rows of an account list and how many accounts the whole list holds."""

    rows: list[AccountRow]
    total: int


def list_accounts(
    *,
    session: Session,
    tier: str | None = None,
    owner: User | None = None,
    now: datetime | None = None,
) -> list[AccountRow]:
    """Every account (of ``owner``, in ``tier``), largest revenue over 12 months first.

    What a person scans to pick whom to call; the same rows feed the CLI, its
    JSON and Slack.
    """
    return _rows(session=session, tier=tier, owner=owner, now=now, limit=None)


def account_page(
    *,
    session: Session,
    limit: int,
    tier: str | None = None,
    owner: User | None = None,
    now: datetime | None = None,
) -> AccountPage:
    """The first ``limit`` rows of :func:`list_accounts` and the number of all of them.

    Ordered and cut by the database: the order needs every account's 12-month revenue
    (and, for ``tier``, its held tier), but the owner, the newest contact and the tier
    shown are looked up for the ``limit`` rows kept only; the count reads no revenue.
    """
    now = now or utcnow()
    snap, newest = newest_snapshot(col(Account.id))
    counted = select(func.count()).select_from(Account)
    if tier is not None:
        counted = counted.outerjoin(snap, newest).where(held_tier(snap) == tier)
    total = int(session.exec(_chosen(counted, owner)).one())
    first: Any = sa_select(
        col(Account.id).label("id"), func.coalesce(_revenue_12m(now), 0.0).label("revenue_12m")
    )
    if tier is not None:
        first = first.outerjoin(snap, newest).where(held_tier(snap) == tier)
    first = _chosen(first, owner).order_by(*ORDER).limit(limit).subquery()
    query, _ = _columns(first.c.revenue_12m)
    ordered = query.join(first, first.c.id == col(Account.id)).order_by(
        first.c.revenue_12m.desc(), col(Account.name)
    )
    return AccountPage(rows=_read(session, ordered), total=total)


ORDER: tuple[Any, ...] = (literal_column("revenue_12m").desc(), col(Account.name))
"""Largest revenue over 12 months first; names (unique) break ties."""


def _revenue_12m(now: datetime) -> Any:
    """SQL: the account's won revenue over the 12 months before ``now`` (None: none),
    through its own (account, stage, closed) index entries: grouping every deal of the
    portfolio cost more, above all for a short page."""
    window = last_12_months(now)
    return (
        select(func.sum(Deal.amount))
        .where(col(Deal.account_id) == col(Account.id), col(Deal.stage) == "won")
        .where(window.holds(col(Deal.closed_on)))
        .scalar_subquery()
    )


def _columns(revenue_12m: Any) -> tuple[Any, type[ScoreSnapshot]]:
    """The query of account rows (an :class:`AccountRow`'s columns, with ``revenue_12m``)
    and the alias of the newest snapshot it joins."""
    last_contact = col(Account.last_contact_at)  # kept by the database (migration 0016)
    snap, newest = newest_snapshot(col(Account.id))
    owner_table = select(User.id, User.email).subquery()
    query = (
        select(  # type: ignore[call-overload]
            # Columns, not Account objects: building 100,000 of those took half the time.
            col(Account.id),
            col(Account.name),
            col(Account.sector),
            col(Account.country),
            owner_table.c.email.label("owner"),
            revenue_12m.label("revenue_12m"),
            last_contact.label("last_contact"),
            held_tier(snap).label("tier"),
        )
        .outerjoin(owner_table, owner_table.c.id == Account.owner_id)
        .outerjoin(snap, newest)
    )
    return query, snap


def _chosen(query: Any, owner: User | None) -> Any:
    """``query`` kept to ``owner``'s accounts, when one is given."""
    return query if owner is None else query.where(col(Account.owner_id) == owner.id)


def _rows(
    *,
    session: Session,
    tier: str | None,
    owner: User | None,
    now: datetime | None,
    limit: int | None,
) -> list[AccountRow]:
    query, snap = _columns(func.coalesce(_revenue_12m(now or utcnow()), 0.0))
    if tier is not None:
        query = query.where(held_tier(snap) == tier)
    query = _chosen(query, owner).order_by(*ORDER)
    if limit is not None:
        query = query.limit(limit)
    return _read(session, query)


def _read(session: Session, query: Any) -> list[AccountRow]:
    """The rows of ``query``, whose columns are named as :class:`AccountRow`'s fields."""
    rows = []
    for row in session.exec(query).all():
        found = dict(row._mapping)
        found["revenue_12m"] = float(found["revenue_12m"] or 0)
        found["last_contact"] = as_aware(found["last_contact"])
        rows.append(AccountRow(**found))
    return rows
