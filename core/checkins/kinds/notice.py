"""Notice untold (habit 2, don't postpone): bad news the customer must hear from us by
its must-tell-by day.

From the day it is entered until it is marked told; urgency grows as the day
nears (yellow within ``notice_warning``). Once the day has passed the owner gets
a red reminder (``#late``) and the owner's manager is told too (``#manager``).
Done marks it told.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy import select as wide_select
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.checkins.keys import key_sql, leveled
from core.checkins.kind import (
    DAY,
    Context,
    Derived,
    Kind,
    MarkNoticeTold,
    Scope,
    about,
    day_of,
    due,
)
from core.checkins.sql import moment
from core.checkins.statements import TODAY, built
from core.clock import start_of_day_utc
from core.models import Account, Notice, User

OWNER = aliased(User, name="owner_user")
"""The notice owner's user row, which names their manager (built once: an ORM alias
copies every column of the table)."""

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "notice_untold"


def read(context: Context, reading: Reading) -> list[Derived]:
    """Bad news not yet told: from the day it is entered until it is marked told.

    Urgency grows as the must-tell-by day nears; once it has passed, the owner
    gets a red reminder and the owner's manager is told too.
    """
    config, today = context.config, context.now.date()
    told_owner, told_manager = _queries(context.scope.shape)
    values = context.values()

    def untold_in_time(
        row: Any, tell_by: date, priority: float, title: str, detail: str, reason: str
    ) -> Derived:
        """A red item about news whose day has passed (from the day after it)."""
        return due(
            row,
            NAME,
            subject_id=row.nid,
            due_at=start_of_day_utc(tell_by + DAY),
            priority=priority,
            severity="red",
            title=title,
            detail=detail,
            late_days=(today - tell_by).days,
            reason=reason,
        )

    found = []
    for row in reading.rows(told_owner, values):
        tell_by = day_of(row.tell_by)
        left = (tell_by - today).days
        if left >= 0:
            created = moment(row.created)
            assert created is not None
            lead = max((tell_by - created.date()).days, 1)
            urgency = min(max(1 - left / lead, 0.0), 1.0)
            found.append(
                due(
                    row,
                    NAME,
                    subject_id=row.nid,
                    due_at=created,
                    priority=1.0 + urgency,
                    severity="yellow" if left <= config.notice_warning.days else "info",
                    title=f"Tell {row.name}: {row.what}",
                    detail=f"They must hear it from us by {tell_by}"
                    + (" (today)." if left == 0 else f" ({left} days left).")
                    + " Bad news does not improve with age.",
                    late_days=-left,
                    reason="bad news to tell today"
                    if left == 0
                    else f"bad news to tell by {tell_by:%a %d %b}",
                )
            )
            continue
        found.append(
            untold_in_time(
                row,
                tell_by,
                2.0 - left / 7,
                f"Tell {row.name} now: {row.what}",
                f"They should have heard it by {tell_by}, {-left} days ago. "
                "Your manager has been told.",
                f"bad news {-left} day{'s' if -left > 1 else ''} past its must-tell-by",
            )
        )
    for row in reading.rows(told_manager, values):
        tell_by = day_of(row.tell_by)
        late_days = (today - tell_by).days
        found.append(
            untold_in_time(
                row,
                tell_by,
                2.0 + late_days / 7,
                f"{row.owner_name} has not told {row.name}: {row.what}",
                f"It had to be told by {tell_by} ({late_days} days ago).",
                f"{row.owner_name} is {late_days} day{'s' if late_days > 1 else ''} "
                "late telling bad news",
            )
        )
    return found


@built
def _queries(scope: Scope) -> tuple[Any, Any]:
    """The untold news of ``scope`` (a shape) for its owners, and the news past its
    day (before :data:`~core.checkins.statements.TODAY`) for their managers."""
    owner = func.coalesce(col(Notice.owner_id), col(Account.owner_id))
    news = key_sql(NAME, col(Notice.account_id), col(Notice.id))
    late = col(Notice.must_tell_by) < TODAY
    common_columns: tuple[Any, ...] = (
        col(Notice.id).label("nid"),
        col(Notice.what).label("what"),
        col(Notice.must_tell_by).label("tell_by"),
        col(Notice.created_at).label("created"),
        news.label("family"),
    )
    told_owner = (
        wide_select(
            *common_columns,
            *about(col(Notice.account_id), owner),
            leveled(news, "late", late).label("key"),
        )
        .join(Account, col(Account.id) == Notice.account_id)
        .where(
            col(Notice.communicated_at).is_(None),
            *scope.where(owner, col(Notice.account_id), assignee=col(Notice.owner_id)),
        )
    )
    owner_user = OWNER
    told_manager = (
        wide_select(
            *common_columns,
            *about(col(Notice.account_id), col(owner_user.manager_id)),
            leveled(news, "manager").label("key"),
            col(owner_user.name).label("owner_name"),
        )
        .join(Account, col(Account.id) == Notice.account_id)
        .join(owner_user, col(owner_user.id) == owner)
        .where(
            col(Notice.communicated_at).is_(None),
            late,
            col(owner_user.manager_id).is_not(None),
            *scope.where(col(owner_user.manager_id), col(Notice.account_id)),
            *scope.reporting(col(Notice.owner_id), col(Notice.account_id)),
        )
    )
    return told_owner, told_manager


DONE = MarkNoticeTold()
KIND = Kind(NAME, "Tell them", read, resolved_by="it is marked told", done=DONE)
