"""Onboarding (habit 7): an account newly classified strategic or key gets a checklist:
owner confirmed, a decision maker among the contacts, a plan with an objective.

Due for ``onboarding_window`` (90 days) from the day its current run of strategic
or key snapshots began (or, in the tier by override only, from when the account
last changed), until the checklist is complete. Only an account that *became*
strategic or key: its run began after the portfolio's first scoring (it was scored
lower before, or it is new since), so the first scoring of a portfolio, which
classifies every account at once, onboards nobody.

Decided in SQL like the other kinds: the run's start is kept with each snapshot
(``tier_since``, :mod:`core.tier_runs`) and, for the newest, in ``current_tiers``, so
one look-up by key answers it whatever the number of nightly scorings, and the
checklist is three look-ups per account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, not_, or_
from sqlalchemy import select as wide_select
from sqlmodel import col, select

from core.checkins.config import REVIEWED_TIERS
from core.checkins.keys import key_sql
from core.checkins.kind import (
    Context,
    Derived,
    Kind,
    Scope,
    due_by_tier,
    kept,
    key_accounts,
)
from core.checkins.sql import moment
from core.checkins.statements import built, value
from core.models import Account, Contact, PlanObjective
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "onboarding"
STEPS = ("owner confirmed", "decision maker among contacts", "plan with an objective")


def read(context: Context, reading: Reading) -> list[Derived]:
    """Accounts in a reviewed tier for less than the window whose checklist is not done."""
    now, config = context.now, context.config
    first_scoring, last_scoring = reading.scorings()
    query = _query(
        context.scope.shape,
        one_scoring=first_scoring == last_scoring,
        scored=first_scoring is not None,
    )
    values = context.values(
        first_scoring=first_scoring, window_start=now - config.onboarding_window
    )
    found = []
    for row in reading.rows(query, values):
        started = moment(row.since)
        assert started is not None
        checklist = {step: bool(getattr(row, f"step{n}")) for n, step in enumerate(STEPS)}
        found.append(
            due_by_tier(
                row,
                NAME,
                config,
                due_at=started,
                priority=0.6,
                severity="info",
                title=f"Onboard {row.name} as a {row.tier} account",
                detail="Checklist: "
                + "; ".join(f"[{'x' if ok else ' '}] {step}" for step, ok in checklist.items()),
                reason=f"newly {row.tier} since {started:%d %b}: "
                f"{sum(checklist.values())} of {len(checklist)} onboarding steps done",
            )
        )
    return found


@built
def _query(scope: Scope, *, one_scoring: bool, scored: bool) -> Any:
    """Accounts of ``scope`` (a shape) in a reviewed tier since ``window_start`` or
    later, whose checklist is not done. After ``one_scoring`` (or none) only an
    override is news; once ``scored``, only a run that began after ``first_scoring``."""
    accounts = key_accounts(
        scope,
        kept("tier_since").label("entered"),
        col(Account.updated_at).label("updated_at"),
    )
    if one_scoring:
        accounts = accounts.where(col(Account.tier_override).in_(sorted(REVIEWED_TIERS)))
    # OFFSET 0 keeps the planners from repeating the snapshot look-ups in each
    # expression below.
    a = accounts.offset(0).subquery("key_accounts")
    # In the tier by override only (no run of snapshots): since the account last changed.
    since = func.coalesce(a.c.entered, a.c.updated_at)
    steps = (
        a.c.user_id.is_not(None),
        exists(
            select(col(Contact.id)).where(
                col(Contact.account_id) == a.c.account_id,
                col(Contact.decision_maker),
                col(Contact.retired_at).is_(None),
            )
        ),
        exists(
            select(col(PlanObjective.id)).where(col(PlanObjective.account_id) == a.c.account_id)
        ),
    )
    first_scoring = value("first_scoring", UTCDateTime())
    became = [or_(a.c.entered.is_(None), a.c.entered > first_scoring)] if scored else []
    return wide_select(
        a.c.account_id,
        a.c.name,
        a.c.user_id,
        a.c.tier,
        since.label("since"),
        *(step.label(f"step{n}") for n, step in enumerate(steps)),
        key_sql(NAME, a.c.account_id, a.c.tier).label("key"),
    ).where(
        *became,  # classified by the first scoring: it did not become key, it was
        since >= value("window_start", UTCDateTime()),
        not_(and_(*steps)),
    )


KIND = Kind(NAME, "Onboarding", read, resolved_by="the checklist is complete")
