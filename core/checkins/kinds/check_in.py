"""Check-in due (habit 5, reliable and proactive): an account not contacted within its
tier's cadence.

Due once the last interaction (or, with none, the day kam started tracking the
account) is older than the cadence of its tier (or its own
``checkin_cadence_days``); yellow at the interval, red at ``red_after`` times it.
The occurrence is the cycle, named by the day it began, so any interaction
logged starts a new one: that is what resolves it. Priority is the catch-up
formula of DESIGN.md: max(now − last − interval, 0) / interval, weighted by tier.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Float, and_, case, func, literal, or_
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins.keys import ReminderKey, family, key_sql, leveled
from core.checkins.kind import (
    DAY,
    Context,
    Derived,
    Kind,
    LogInteraction,
    Scope,
    about,
    current_tier,
    due,
    with_current_tier,
)
from core.checkins.sql import days_between, moment, utc_day
from core.checkins.statements import NOW, built, value
from core.models import (
    Account,
    AccountStatus,
    Interaction,
    InteractionKind,
    Reminder,
    ReminderState,
    Tier,
)
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "check_in_due"
CLOSED = (ReminderState.DONE.value, ReminderState.DISMISSED.value)


def read(context: Context, reading: Reading) -> list[Derived]:
    """Accounts whose last interaction is older than their cadence (tier or override).

    The cadence test, and whether it has reached red, run in SQL, so only due
    rows come back, each with its key.
    """
    now, config = context.now, context.config
    tiers = tuple(config.cadence_days)
    deadlines = {
        f"{level}_{n}": now - timedelta(days=days * factor)
        for level, factor in (("due", 1.0), ("red", config.red_factor))
        for n, days in enumerate(
            [*config.cadence_days.values(), config.cadence(Tier.STANDARD, None)]
        )
    }
    query = _query(context.scope.shape, tiers)
    values = context.values(red_factor=config.red_factor, **deadlines)
    found = []
    for row in reading.rows(query, values):
        started = moment(row.since)
        assert started is not None
        interval_days = config.cadence(row.tier, row.override)
        elapsed_time = now - started
        if elapsed_time < timedelta(days=interval_days):
            continue  # within a millisecond of the boundary, where SQL rounds
        is_red = bool(row.red)
        days = elapsed_time / DAY
        if row.never:
            detail = f"No contact logged since kam started tracking ({started:%Y-%m-%d})."
        else:
            detail = f"Last contact {int(days)} days ago ({started:%Y-%m-%d})."
        detail += f" {row.tier.capitalize()} accounts are called every {interval_days} days."
        if is_red:
            red_days = round(interval_days * config.red_factor)
            reason = (
                f"{row.tier} account past its red line: {int(days)} days without contact "
                f"(red after {red_days})"
            )
        else:
            reason = f"{int(days)} days without contact, past its {interval_days}-day cadence"
        found.append(
            due(
                row,
                NAME,
                due_at=started
                + timedelta(days=interval_days * (config.red_factor if is_red else 1)),
                priority=max(days - interval_days, 0.0) / interval_days * config.weight(row.tier),
                severity="red" if is_red else "yellow",
                title=f"Check in with {row.name}",
                detail=detail,
                tier=row.tier,
                reason=reason,
            )
        )
    return found


@built
def _query(scope: Scope, tiers: tuple[str, ...]) -> Any:
    """The due check-ins of ``scope`` (a shape), the cadence of each of ``tiers`` (and of
    any other tier, last) bound as a deadline per level, ``due_<n>`` and ``red_<n>``."""
    # The newest interaction, kept on the account's row by the database (migration
    # 0016): a look-up per account through the (account, occurred) index was most of
    # the reading at a million accounts.
    last = col(Account.last_contact_at)
    tier = current_tier(joined=True)
    accounts = with_current_tier(
        wide_select(
            *about(col(Account.id)),
            col(Account.checkin_cadence_days).label("override"),
            tier.label("tier"),
            last.label("last"),
            col(Account.created_at).label("created_at"),
        )
    ).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        *scope.where(col(Account.owner_id), col(Account.id)),
    )
    # OFFSET 0 keeps the planners from inlining the subquery's expressions (the current
    # tier's COALESCE) into each expression below, where SQLite would repeat them a dozen
    # times per account (it did so with the look-up of the last contact it once held).
    a = accounts.offset(0).subquery("accounts_due")
    since = func.coalesce(a.c.last, a.c.created_at)
    override = func.coalesce(a.c.override, 0)

    def overdue(level: str) -> ColumnElement[bool]:
        """SQL: the account's interval, times the level's factor, has passed since its
        last contact.

        A tier's interval is a moment to compare the stored timestamp with (no date
        arithmetic per account); only an account's own cadence needs the arithmetic.
        """
        deadline = case(
            *(
                (a.c.tier == name, value(f"{level}_{n}", UTCDateTime()))
                for n, name in enumerate(tiers)
            ),
            else_=value(f"{level}_{len(tiers)}", UTCDateTime()),
        )
        factor = literal(1.0) if level == "due" else value("red_factor", Float())
        return or_(
            and_(override <= 0, since <= deadline),
            and_(override > 0, days_between(NOW, since) >= a.c.override * factor),
        )

    red = overdue("red")
    cycle = key_sql(NAME, a.c.account_id, utc_day(since))
    return wide_select(
        a.c.account_id,
        a.c.name,
        a.c.user_id,
        a.c.override,
        a.c.tier,
        since.label("since"),
        a.c.last.is_(None).label("never"),
        red.label("red"),
        leveled(cycle, "red", red).label("key"),
        cycle.label("family"),
    ).where(overdue("due"))


def close_earlier_cycles(account_id: int, session: Session, now: datetime) -> int:
    """An interaction was logged: earlier check-in occurrences of the account are done.

    Only occurrences of cycles that began before the account's newest
    interaction are closed, so back-dating an old call resolves nothing.
    """
    newest = session.exec(
        select(Interaction.occurred_at)
        .where(Interaction.account_id == account_id)
        .order_by(col(Interaction.occurred_at).desc())
        .limit(1)
    ).first()
    if newest is None:
        return 0
    current = str(ReminderKey(NAME, account_id, newest.date().isoformat()))
    open_rows = session.exec(
        select(Reminder).where(
            Reminder.account_id == account_id,
            Reminder.kind == NAME,
            col(Reminder.state).not_in(CLOSED),
        )
    ).all()
    closed = 0
    for stored in open_rows:
        if family(stored.key) != current:
            stored.state = ReminderState.DONE
            stored.snoozed_until = None
            stored.updated_at = now
            stored.payload = {**(stored.payload or {}), "resolved_by": "interaction"}
            session.add(stored)
            closed += 1
    if closed:
        session.flush()
    return closed


DONE = LogInteraction(InteractionKind.CALL, "Checked in")
KIND = Kind(
    NAME,
    "Check-in",
    read,
    resolved_by="any interaction is logged",
    on_interaction=close_earlier_cycles,
    done=DONE,
)
