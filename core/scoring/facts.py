"""Everything scoring needs, loaded for the whole portfolio in a handful of queries.

Each query aggregates one table grouped by account; the results land in numpy
arrays aligned on the account ids (sorted), so the scores are computed in one
vectorised pass. Nothing here issues a query per account.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, literal, or_, select
from sqlmodel import Session, col

from core.clock import as_utc
from core.models import (
    Account,
    Commitment,
    Contact,
    Deal,
    Feedback,
    Interaction,
    Notice,
    ScoreSnapshot,
    User,
)
from core.scoring import sql
from core.scoring.config import ScoringConfig
from core.types import UTCDateTime

YEAR = 365
HALF_YEAR = 182
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass
class Facts:
    """Per-account inputs, one array entry per account (``ids`` sorted); NaN is unknown."""

    now: datetime
    ids: IntArray
    names: list[str]
    owner_id: IntArray  # -1: no owner
    has_parent: np.ndarray[Any, np.dtype[np.bool_]]
    subsidiaries: IntArray
    annual_revenue: FloatArray
    employees: FloatArray
    relationship_stage: FloatArray
    financial_health: FloatArray
    industry_influence: FloatArray
    category_spend: FloatArray
    cost_to_serve: FloatArray
    gross_margin: FloatArray
    cadence_override: FloatArray
    customer_days: FloatArray  # days since customer_since
    tier_override: list[str | None]
    tier_override_reason: list[str | None]
    # won deals
    revenue_12m: FloatArray
    revenue_prev_12m: FloatArray
    revenue_6m: FloatArray
    revenue_prev_6m: FloatArray
    costed_revenue_12m: FloatArray
    deal_cost_12m: FloatArray
    # interactions
    days_since_contact: FloatArray
    periods_contacted: dict[int, IntArray]  # by cadence length in days
    override_periods_contacted: IntArray
    # contacts
    contacts: IntArray
    decision_makers: IntArray
    # feedback, per window: recent (last N days) and earlier (rest of the year)
    feedback: dict[str, FloatArray]
    # commitments and notices
    commitments_due: IntArray
    commitments_kept: IntArray
    commitments_overdue: IntArray
    notices_untold: IntArray
    notices_overdue: IntArray
    # the newest snapshot before now
    previous_at: list[datetime | None]
    previous_health: FloatArray
    previous_health_points: list[dict[str, float] | None]
    # people
    users: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # id: (email, team)

    @property
    def size(self) -> int:
        """How many accounts."""
        return len(self.ids)


def period_window(cadence: int) -> int:
    """Days of whole check-in periods that fit in the last year (at least one period)."""
    return max(YEAR // cadence, 1) * cadence


def _array(n: int, fill: float = np.nan) -> FloatArray:
    return np.full(n, fill, dtype=np.float64)


def _positions(ids: IntArray, rows: Sequence[Sequence[Any]]) -> tuple[IntArray, FloatArray]:
    """Where each row's account sits in ``ids``, and the row's other values as floats."""
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0))
    table = np.array(rows, dtype=np.float64)
    account = table[:, 0].astype(np.int64)
    where = np.searchsorted(ids, account)
    where = np.clip(where, 0, max(len(ids) - 1, 0))
    known = ids[where] == account if len(ids) else np.zeros(len(account), dtype=bool)
    return where[known], table[known, 1:]


def _scatter(n: int, where: IntArray, values: FloatArray, fill: float) -> list[FloatArray]:
    """One full-length array per value column, ``fill`` where an account had no row."""
    columns = []
    for k in range(values.shape[1] if values.size else 0):
        out = _array(n, fill)
        out[where] = values[:, k]
        columns.append(out)
    return columns


def _columns(
    session: Session, query: Any, ids: IntArray, width: int, fill: float = 0.0
) -> list[FloatArray]:
    rows = session.execute(query).all()
    where, values = _positions(ids, rows)
    if not len(where):
        return [_array(len(ids), fill) for _ in range(width)]
    return _scatter(len(ids), where, values, fill)


def load_facts(*, session: Session, now: datetime, config: ScoringConfig) -> Facts:
    """Load the whole portfolio's scoring inputs as of ``now``."""
    now = as_utc(now)
    dialect = session.get_bind().dialect.name
    today = now.date()
    accounts = session.execute(
        select(
            col(Account.id),
            col(Account.name),
            col(Account.owner_id),
            col(Account.parent_id),
            col(Account.annual_revenue),
            col(Account.employees),
            col(Account.relationship_stage),
            col(Account.financial_health),
            col(Account.industry_influence),
            col(Account.category_spend),
            col(Account.cost_to_serve),
            col(Account.gross_margin),
            col(Account.checkin_cadence_days),
            col(Account.customer_since),
            col(Account.tier_override),
            col(Account.tier_override_reason),
        ).order_by(col(Account.id))
    ).all()
    n = len(accounts)
    ids = np.fromiter((r[0] for r in accounts), dtype=np.int64, count=n)
    numeric = np.array([r[2:13] for r in accounts], dtype=np.float64).reshape(n, 11)
    parent = numeric[:, 1]
    subsidiaries = np.zeros(n, dtype=np.int64)
    with_parent = ~np.isnan(parent)
    if with_parent.any():
        parents = np.searchsorted(ids, parent[with_parent].astype(np.int64))
        np.add.at(subsidiaries, np.clip(parents, 0, n - 1), 1)
    customer_days = _array(n)
    for i, r in enumerate(accounts):
        if r[13] is not None:
            customer_days[i] = (today - _as_date(r[13])).days

    (r12, p12, r6, p6, costed, cost) = _columns(session, _deal_query(today), ids, width=6, fill=0.0)
    cadences = sorted({config.cadence_days(t) for t in ("strategic", "key", "growth", "standard")})
    contact = _columns(
        session, _interaction_query(now, dialect, cadences), ids, width=1 + len(cadences), fill=0.0
    )
    last = _columns(session, _last_contact_query(now, dialect), ids, width=1, fill=np.nan)[0]
    (override_periods,) = _columns(
        session, _override_cadence_query(now, dialect), ids, width=1, fill=0.0
    )
    contacts, decision_makers = _columns(session, _contact_query(), ids, width=2, fill=0.0)
    feedback_names = [f"{w}_{m}" for w in ("recent", "earlier") for m in FEEDBACK_MEASURES]
    feedback_values = _columns(
        session,
        _feedback_query(now, config.scales.satisfaction_recent_days),
        ids,
        width=len(feedback_names),
        fill=0.0,
    )
    due, kept, overdue = _columns(
        session, _commitment_query(today, dialect), ids, width=3, fill=0.0
    )
    untold, untold_overdue = _columns(
        session, _notice_query(today, config.scales.notice_warning_days), ids, width=2, fill=0.0
    )
    previous_at, previous_health, previous_points = _previous_snapshots(session, now, ids)
    users = {
        row[0]: (row[1], row[2])
        for row in session.execute(select(col(User.id), col(User.email), col(User.team))).all()
    }
    as_int = np.int64
    owner = numeric[:, 0]
    return Facts(
        now=now,
        ids=ids,
        names=[r[1] for r in accounts],
        owner_id=np.where(np.isnan(owner), -1, owner).astype(as_int),
        has_parent=with_parent,
        subsidiaries=subsidiaries,
        annual_revenue=numeric[:, 2],
        employees=numeric[:, 3],
        relationship_stage=numeric[:, 4],
        financial_health=numeric[:, 5],
        industry_influence=numeric[:, 6],
        category_spend=numeric[:, 7],
        cost_to_serve=numeric[:, 8],
        gross_margin=numeric[:, 9],
        cadence_override=numeric[:, 10],
        customer_days=customer_days,
        tier_override=[r[14] for r in accounts],
        tier_override_reason=[r[15] for r in accounts],
        revenue_12m=r12,
        revenue_prev_12m=p12,
        revenue_6m=r6,
        revenue_prev_6m=p6,
        costed_revenue_12m=costed,
        deal_cost_12m=cost,
        days_since_contact=last,
        periods_contacted={c: contact[1 + i].astype(as_int) for i, c in enumerate(cadences)},
        override_periods_contacted=override_periods.astype(as_int),
        contacts=contacts.astype(as_int),
        decision_makers=decision_makers.astype(as_int),
        feedback=dict(zip(feedback_names, feedback_values, strict=True)),
        commitments_due=due.astype(as_int),
        commitments_kept=kept.astype(as_int),
        commitments_overdue=overdue.astype(as_int),
        notices_untold=untold.astype(as_int),
        notices_overdue=untold_overdue.astype(as_int),
        previous_at=previous_at,
        previous_health=previous_health,
        previous_health_points=previous_points,
        users=users,
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def revenue_windows(today: date) -> dict[str, date]:
    """The day each revenue window starts after (a deal counts when closed_on > the day)."""
    return {
        "12m": today - timedelta(days=YEAR),
        "24m": today - timedelta(days=2 * YEAR),
        "6m": today - timedelta(days=HALF_YEAR),
        "prev_6m": today - timedelta(days=2 * HALF_YEAR),
    }


def _deal_query(today: date) -> Any:
    w = revenue_windows(today)
    amount = func.coalesce(col(Deal.amount), 0.0)
    closed = col(Deal.closed_on)

    def total(condition: Any, value: Any = amount) -> Any:
        return func.sum(case((condition, value), else_=0.0))

    costed = and_(closed > w["12m"], col(Deal.cost).is_not(None))
    return (
        select(
            col(Deal.account_id),
            total(closed > w["12m"]),
            total(and_(closed > w["24m"], closed <= w["12m"])),
            total(closed > w["6m"]),
            total(and_(closed > w["prev_6m"], closed <= w["6m"])),
            total(costed),
            total(costed, col(Deal.cost)),
        )
        .where(col(Deal.stage) == "won", col(Deal.account_id).is_not(None), closed > w["24m"])
        .group_by(col(Deal.account_id))
    )


def _interaction_query(now: datetime, dialect: str, cadences: Iterable[int]) -> Any:
    """Per account: contacts in the last year, and for each cadence the periods with a contact."""
    inner = (
        select(
            col(Interaction.account_id).label("account_id"),
            sql.whole_days_since(col(Interaction.occurred_at), now, dialect).label("days"),
        )
        .where(
            col(Interaction.occurred_at) <= literal(now, UTCDateTime),
            col(Interaction.occurred_at) > literal(now - timedelta(days=YEAR), UTCDateTime),
        )
        .subquery()
    )
    days = inner.c.days
    periods = [
        func.count(func.distinct(case((days < period_window(c), days // c), else_=None)))
        for c in cadences
    ]
    return select(inner.c.account_id, func.count(), *periods).group_by(inner.c.account_id)


def _last_contact_query(now: datetime, dialect: str) -> Any:
    last = func.max(col(Interaction.occurred_at))
    return (
        select(col(Interaction.account_id), sql.days_since(last, now, dialect))
        .where(col(Interaction.occurred_at) <= literal(now, UTCDateTime))
        .group_by(col(Interaction.account_id))
    )


def _override_cadence_query(now: datetime, dialect: str) -> Any:
    """Periods with a contact for the (few) accounts that set their own cadence."""
    cadence = col(Account.checkin_cadence_days)
    days = sql.whole_days_since(col(Interaction.occurred_at), now, dialect)
    window = case((cadence > YEAR, cadence), else_=(literal(YEAR) // cadence) * cadence)
    return (
        select(
            col(Interaction.account_id),
            func.count(func.distinct(case((days < window, days // cadence), else_=None))),
        )
        .join(Account, col(Account.id) == col(Interaction.account_id))
        .where(
            cadence.is_not(None),
            col(Interaction.occurred_at) <= literal(now, UTCDateTime),
            col(Interaction.occurred_at) > literal(now - timedelta(days=2 * YEAR), UTCDateTime),
        )
        .group_by(col(Interaction.account_id))
    )


def _contact_query() -> Any:
    return select(
        col(Contact.account_id),
        func.count(),
        func.sum(case((col(Contact.decision_maker), 1), else_=0)),
    ).group_by(col(Contact.account_id))


FEEDBACK_MEASURES = (
    "csat_sum",
    "csat_n",
    "nps_sum",
    "nps_n",
    "exceeded",
    "met",
    "below",
)


def _feedback_query(now: datetime, recent_days: int) -> Any:
    at = col(Feedback.at)
    split = literal(now - timedelta(days=recent_days), UTCDateTime)
    windows = {"recent": at > split, "earlier": at <= split}
    columns = []
    for condition in windows.values():
        csat, nps, expectation = col(Feedback.csat), col(Feedback.nps), col(Feedback.expectation)
        columns += [
            func.sum(case((condition, csat), else_=None)),
            func.count(case((and_(condition, csat.is_not(None)), 1), else_=None)),
            func.sum(case((condition, nps), else_=None)),
            func.count(case((and_(condition, nps.is_not(None)), 1), else_=None)),
            func.count(case((and_(condition, expectation == "exceeded"), 1), else_=None)),
            func.count(case((and_(condition, expectation == "met"), 1), else_=None)),
            func.count(case((and_(condition, expectation == "below"), 1), else_=None)),
        ]
    return (
        select(col(Feedback.account_id), *columns)
        .where(
            at <= literal(now, UTCDateTime),
            at > literal(now - timedelta(days=YEAR), UTCDateTime),
        )
        .group_by(col(Feedback.account_id))
    )


def _commitment_query(today: date, dialect: str) -> Any:
    due, done = col(Commitment.due_on), col(Commitment.done_at)
    assessed = or_(due < today, done.is_not(None))
    on_time = and_(done.is_not(None), sql.utc_day(done, dialect) <= due)
    return (
        select(
            col(Commitment.account_id),
            func.count(case((and_(due > today - timedelta(days=YEAR), assessed), 1), else_=None)),
            func.count(case((and_(due > today - timedelta(days=YEAR), on_time), 1), else_=None)),
            func.count(case((and_(done.is_(None), due < today), 1), else_=None)),
        )
        .where(or_(due > today - timedelta(days=YEAR), done.is_(None)))
        .group_by(col(Commitment.account_id))
    )


def _notice_query(today: date, warning_days: int) -> Any:
    by = col(Notice.must_tell_by)
    return (
        select(
            col(Notice.account_id),
            func.count(),
            func.count(case((by < today, 1), else_=None)),
        )
        .where(
            col(Notice.communicated_at).is_(None),
            by <= today + timedelta(days=warning_days),
        )
        .group_by(col(Notice.account_id))
    )


def _previous_snapshots(
    session: Session, now: datetime, ids: IntArray
) -> tuple[list[datetime | None], FloatArray, list[dict[str, float] | None]]:
    """Each account's newest snapshot strictly before ``now``: when, health, health factors."""
    n = len(ids)
    at: list[datetime | None] = [None] * n
    health = _array(n)
    points: list[dict[str, float] | None] = [None] * n
    before = literal(now, UTCDateTime)
    newest = (
        select(
            col(ScoreSnapshot.account_id).label("account_id"),
            func.max(col(ScoreSnapshot.at)).label("at"),
        )
        .where(col(ScoreSnapshot.at) < before)
        .group_by(col(ScoreSnapshot.account_id))
        .subquery()
    )
    rows = session.execute(
        select(
            col(ScoreSnapshot.account_id),
            col(ScoreSnapshot.at),
            col(ScoreSnapshot.health),
            col(ScoreSnapshot.breakdown)["health"],
        ).join(
            newest,
            and_(
                col(ScoreSnapshot.account_id) == newest.c.account_id,
                col(ScoreSnapshot.at) == newest.c.at,
            ),
        )
    ).all()
    if not rows or not n:
        return at, health, points
    account = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    where = np.clip(np.searchsorted(ids, account), 0, n - 1)
    for row, i in zip(rows, where.tolist(), strict=True):
        if ids[i] != row[0]:
            continue
        at[i] = row[1]
        health[i] = row[2]
        points[i] = row[3] if isinstance(row[3], dict) else None
    return at, health, points
