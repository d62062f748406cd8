"""Account review (habit 7): strategic and key accounts get a review every calendar
quarter.

Due in the last ``review_lead`` (six weeks) of the quarter when no review has been
recorded (``kam review``) and no interaction of kind review logged on the account
since the quarter began; yellow in its last two weeks. Recording or logging the
review resolves it; done logs one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, String, exists
from sqlmodel import col, select

from core.checkins.keys import key_sql
from core.checkins.kind import (
    DAY,
    Context,
    Derived,
    Kind,
    LogInteraction,
    Scope,
    due_by_tier,
    key_accounts,
    logged_since,
)
from core.checkins.statements import built, value
from core.models import Account, InteractionKind, Review
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "account_review"


def quarter(now: datetime) -> tuple[str, datetime, datetime]:
    """The calendar quarter of ``now``: its label (2026Q1), first moment and end."""
    index = (now.month - 1) // 3
    start = datetime(now.year, 3 * index + 1, 1, tzinfo=UTC)
    end = (
        datetime(now.year + 1, 1, 1, tzinfo=UTC)
        if index == 3
        else datetime(now.year, 3 * index + 4, 1, tzinfo=UTC)
    )
    return f"{now.year}Q{index + 1}", start, end


def read(context: Context, reading: Reading) -> list[Derived]:
    """Reviewed-tier accounts without a review this quarter, once the review window opens."""
    now, config = context.now, context.config
    label, q_start, q_end = quarter(now)
    review_due = q_end - config.review_lead
    if now < review_due:
        return []
    query = _query(context.scope.shape)
    values = context.values(quarter=label, quarter_start=q_start, quarter_day=q_start.date())
    found = []
    for row in reading.rows(query, values):
        name, tier_name = row.name, row.tier
        left = (q_end - now) / DAY
        derived = due_by_tier(
            row,
            NAME,
            config,
            due_at=review_due,
            priority=0.5 + (now - review_due) / config.review_lead,
            severity="yellow" if left <= 14 else "info",
            title=f"Quarterly account review with {name}",
            detail=f"{tier_name.capitalize()} accounts get a review every quarter; "
            f"none is logged for {label} (ends {(q_end - DAY):%Y-%m-%d}). "
            "Record it with `kam review` (or log an interaction of kind review).",
            reason=f"{tier_name} account without a review in {label} ({int(left)} days left)",
        )
        found.append(derived)
    return found


@built
def _query(scope: Scope) -> Any:
    """Reviewed-tier accounts of ``scope`` (a shape) with no review since the quarter
    began (``quarter_start``, ``quarter_day``), keyed by its label (``quarter``)."""
    since = value("quarter_start", UTCDateTime())
    reviewed = logged_since([InteractionKind.REVIEW], col(Account.id), since) | exists(
        select(col(Review.id)).where(
            col(Review.account_id) == col(Account.id),
            col(Review.held_on) >= value("quarter_day", Date()),
        )
    )
    # The key is spelled in SQL, so a sweep sets the rows against the reminder table there.
    key = key_sql(NAME, col(Account.id), value("quarter", String()))
    return key_accounts(scope, key.label("key")).where(~reviewed)


DONE = LogInteraction(InteractionKind.REVIEW, "Account review")
KIND = Kind(
    NAME,
    "Account review",
    read,
    resolved_by="a review is recorded (or logged as an interaction of kind review)",
    done=DONE,
)
