"""Personal connect (habit 3): an order that completed or ran into a problem asks for
a personal call rather than a template e-mail.

It stays open for ``personal_connect_window``, or until a call, meeting or visit
is logged on the account after the order changed. A problem is red.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select as wide_select
from sqlmodel import col

from core.checkins.keys import key_sql
from core.checkins.kind import (
    Context,
    Derived,
    Kind,
    LogInteraction,
    Scope,
    about,
    due,
    logged_since,
)
from core.checkins.sql import moment
from core.checkins.statements import NOW, built, value
from core.models import Account, InteractionKind, Order, OrderStatus
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "personal_connect"
PERSONAL_KINDS = (InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.VISIT)


def read(context: Context, reading: Reading) -> list[Derived]:
    """Orders completed or in trouble within the window that nobody has called about."""
    query = _query(context.scope.shape)
    values = context.values(start=context.now - context.config.personal_connect_window)
    found = []
    for row in reading.rows(query, values):
        updated = moment(row.updated_at)
        assert updated is not None
        trouble = row.status == OrderStatus.PROBLEM.value
        name, what = row.name, row.what
        found.append(
            due(
                row,
                NAME,
                due_at=updated,
                priority=2.0 if trouble else 0.8,
                severity="red" if trouble else "info",
                title=(
                    f"Call {name} about the problem with {what}"
                    if trouble
                    else f"Call {name}: {what} is complete"
                ),
                detail=(f"The problem: {row.problem}. " if trouble and row.problem else "")
                + "A personal call, not a template e-mail.",
                subject_id=row.oid,
                reason="an order in trouble: call them" if trouble else "an order completed",
            )
        )
    return found


@built
def _query(scope: Scope) -> Any:
    """Orders of ``scope`` (a shape) completed or in trouble from ``start`` to
    :data:`~core.checkins.statements.NOW` that nobody has called about since."""
    key = key_sql(NAME, col(Order.account_id), "order-", col(Order.id), "-", col(Order.status))
    return (
        wide_select(
            col(Order.id).label("oid"),
            *about(col(Order.account_id)),
            col(Order.what).label("what"),
            col(Order.status).label("status"),
            col(Order.problem).label("problem"),
            col(Order.updated_at).label("updated_at"),
            key.label("key"),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(
            col(Order.status).in_([OrderStatus.COMPLETED.value, OrderStatus.PROBLEM.value]),
            col(Order.updated_at) >= value("start", UTCDateTime()),
            col(Order.updated_at) <= NOW,
            ~logged_since(PERSONAL_KINDS, col(Order.account_id), col(Order.updated_at)),
            *scope.where(col(Account.owner_id), col(Account.id)),
            *scope.owned(col(Order.account_id)),
        )
    )


DONE = LogInteraction(InteractionKind.CALL, "Personal call")
KIND = Kind(
    NAME, "Personal call", read, resolved_by="a call, meeting or visit, or 7 days", done=DONE
)
