"""Customer requests as the front ends list them: one account's, and the portfolio's gaps.

A gap is something customers ask for that we do not offer; the portfolio list ranks
them by how often they are asked for, so the team sees which missing offer costs
the most (habit 4, *alternatives*). Requests are the same gap when their text is
the same once case and spacing are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.models import Account, CustomerRequest, RequestOutcome, User
from core.results import JsonResult, result_from


@dataclass(frozen=True)
class RequestRow(JsonResult):
    """One request: what was asked, what we offered, what became of it."""

    id: int | None
    account: str
    what: str
    alternatives: str | None
    outcome: str
    by: str | None
    at: datetime


@dataclass(frozen=True)
class Gap(JsonResult):
    """Something customers ask for that we do not offer, and how often they ask."""

    what: str
    asked: int
    accounts: int
    open: int
    alternative: int
    """Times they took an alternative we offered."""
    lost: int
    """Times they went elsewhere for it."""
    last_asked: datetime


def request_rows(
    *, session: Session, account: Account | None = None, limit: int = 200
) -> list[RequestRow]:
    """The newest requests, of one account or of every account."""
    query = (
        select(CustomerRequest, col(Account.name), col(User.email))
        .join(Account, col(Account.id) == col(CustomerRequest.account_id))
        .outerjoin(User, col(User.id) == col(CustomerRequest.user_id))
        .order_by(col(CustomerRequest.created_at).desc(), col(CustomerRequest.id).desc())
        .limit(limit)
    )
    if account is not None:
        query = query.where(col(CustomerRequest.account_id) == account.id)
    found: list[Any] = list(session.exec(query).all())
    return [
        result_from(RequestRow, r, account=name, by=email, at=r.created_at, outcome=str(r.outcome))
        for r, name, email in found
    ]


def request_gaps(*, session: Session, limit: int = 50) -> list[Gap]:
    """The portfolio's gaps, the most often asked for first."""
    key = func.lower(func.trim(col(CustomerRequest.what)))
    outcome = col(CustomerRequest.outcome)

    def counted(value: RequestOutcome) -> Any:
        return func.sum(case((outcome == value.value, 1), else_=0))

    query = (
        wide_select(
            func.min(col(CustomerRequest.what)),
            func.count(),
            func.count(func.distinct(col(CustomerRequest.account_id))),
            counted(RequestOutcome.OPEN),
            counted(RequestOutcome.ALTERNATIVE),
            counted(RequestOutcome.LOST),
            func.max(col(CustomerRequest.created_at)),
        )
        .group_by(key)
        .order_by(func.count().desc(), func.max(col(CustomerRequest.created_at)).desc())
        .limit(limit)
    )
    rows: list[Any] = list(session.execute(query).all())
    return [
        Gap(
            what=what,
            asked=asked,
            accounts=accounts,
            open=int(open_ or 0),
            alternative=int(alternative or 0),
            lost=int(lost or 0),
            last_asked=last,
        )
        for what, asked, accounts, open_, alternative, lost, last in rows
    ]
