"""The account list: every account with its owner, tier, last contact and 12-month revenue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, select

from core.clock import utcnow
from core.models import Account, Deal, Interaction, User
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

    Ordered and cut by the database, and counted without the revenue and contact
    look-ups, so a short list costs little however large the portfolio.
    """
    snap, newest = newest_snapshot(col(Account.id))
    counted = select(func.count()).select_from(Account)
    if tier is not None:
        counted = counted.outerjoin(snap, newest).where(held_tier(snap) == tier)
    if owner is not None:
        counted = counted.where(col(Account.owner_id) == owner.id)
    total = int(session.exec(counted).one())
    rows = _rows(session=session, tier=tier, owner=owner, now=now, limit=limit)
    return AccountPage(rows=rows, total=total)


def _rows(
    *,
    session: Session,
    tier: str | None,
    owner: User | None,
    now: datetime | None,
    limit: int | None,
) -> list[AccountRow]:
    now = now or utcnow()
    window = last_12_months(now)
    # Each account's revenue and newest interaction are looked up through its own index
    # entries ((account, stage, closed) and (account, occurred)): grouping every deal and
    # every interaction of the portfolio cost more, above all for a short page.
    revenue = (
        select(func.sum(Deal.amount))
        .where(col(Deal.account_id) == col(Account.id), col(Deal.stage) == "won")
        .where(window.holds(col(Deal.closed_on)))
        .scalar_subquery()
    )
    last_contact = (
        select(func.max(col(Interaction.occurred_at)))
        .where(col(Interaction.account_id) == col(Account.id))
        .scalar_subquery()
    )
    snap, newest = newest_snapshot(col(Account.id))
    owner_table = select(User.id, User.email).subquery()
    query = (
        select(  # type: ignore[call-overload]
            # Columns, not Account objects: building 100,000 of those took half the time.
            col(Account.id),
            col(Account.name),
            col(Account.sector),
            col(Account.country),
            owner_table.c.email,
            func.coalesce(revenue, 0.0).label("revenue_12m"),
            last_contact.label("last"),
            held_tier(snap).label("tier"),
        )
        .outerjoin(owner_table, owner_table.c.id == Account.owner_id)
        .outerjoin(snap, newest)
        .order_by(literal_column("revenue_12m").desc(), col(Account.name))
    )
    if owner is not None:
        query = query.where(Account.owner_id == owner.id)
    if tier is not None:
        query = query.where(held_tier(snap) == tier)
    if limit is not None:
        query = query.limit(limit)
    rows = []
    for row in session.exec(query).all():
        rows.append(
            AccountRow(
                id=row.id,
                name=row.name,
                sector=row.sector,
                country=row.country,
                owner=row.email,
                tier=row.tier,
                revenue_12m=float(row.revenue_12m or 0),
                last_contact=as_aware(row.last),
            )
        )
    return rows
