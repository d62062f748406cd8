"""Everything scoring needs, loaded for the whole portfolio in a handful of queries.

Each query aggregates one table grouped by account; the results land in numpy
arrays aligned on the account ids (sorted), so the scores are computed in one
vectorised pass. Nothing here issues a query per account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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
from core.scoring.revenue import YEAR, revenue_windows
from core.teams import team_leads
from core.types import UTCDateTime

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
CountArray = np.ndarray[Any, np.dtype[np.int32]]
"""How many of something an account has: 4 bytes each, not 8 (a million accounts)."""
COUNT = np.int32

FETCH = 50_000
"""Rows read from the database at a time."""


@dataclass
class Facts:
    """Per-account inputs, one array entry per account (``ids`` sorted); NaN is unknown."""

    now: datetime
    ids: IntArray
    names: list[str]
    owner_id: IntArray  # -1: no owner
    has_parent: np.ndarray[Any, np.dtype[np.bool_]]
    subsidiaries: CountArray
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
    # won deals, over the windows of core.scoring.revenue
    revenue_12m: FloatArray
    revenue_prev_12m: FloatArray
    revenue_6m: FloatArray
    revenue_prev_6m: FloatArray
    costed_revenue_12m: FloatArray
    deal_cost_12m: FloatArray
    # won and lost deals over the last 24 months (the 12 months and the 12 before)
    deals_won_24m: FloatArray
    deals_lost_24m: FloatArray
    # interactions
    days_since_contact: FloatArray
    contact_weeks: np.ndarray[Any, np.dtype[np.uint64]]  # bit w: a contact w weeks ago (0–51)
    interactions_52w: FloatArray  # how many in the last 52 weeks
    # contacts
    contacts: CountArray
    decision_makers: CountArray
    # feedback, per window: recent (last N days) and earlier (rest of the year): counts
    # and sums of whole-number ratings
    feedback: dict[str, CountArray]
    # commitments and notices
    commitments_due: CountArray
    commitments_kept: CountArray
    commitments_overdue: CountArray
    notices_untold: CountArray
    notices_overdue: CountArray
    # the newest snapshot before now
    previous_at: list[datetime | None]
    previous_health: FloatArray
    previous_points: FloatArray  # (n, k): its health points per factor; NaN unknown
    # people
    users: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # id: (email, team)
    team_leads: dict[int, int] = field(default_factory=dict)  # id: their team's lead (core.teams)
    previous_factors: tuple[str, ...] = ()  # the factors of previous_points' columns

    @property
    def size(self) -> int:
        """How many accounts."""
        return len(self.ids)

    def previous_health_points(self, i: int) -> dict[str, float]:
        """Account ``i``'s health points per factor in the previous snapshot (empty if none).

        Read as numbers from the stored breakdowns by the database, factor by factor,
        so a rescore of a million accounts holds a number per factor rather than a
        million JSON texts; a factor whose stored value is not a number counts as none.
        """
        row = self.previous_points[i].tolist()
        return {name: v for name, v in zip(self.previous_factors, row, strict=True) if v == v}


Only = Callable[[Any], Any]
"""A query narrowed to the accounts asked for (its first column names the account)."""


def _only(account_ids: Sequence[int] | None) -> Only:
    """What narrows each of :func:`load_facts`' queries: nothing for the whole portfolio."""
    if account_ids is None:
        return lambda query: query
    wanted = sorted(set(account_ids))
    return lambda query: query.where(query.selected_columns[0].in_(wanted))


def _array(n: int, fill: float = np.nan) -> FloatArray:
    return np.full(n, fill, dtype=np.float64)


def read_chunks(session: Session, query: Any) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a query as the driver gives them, ``FETCH`` at a time.

    These queries return only numbers and plain text, which need no conversion,
    so the rows are taken straight from the driver's cursor (at 100,000 accounts
    that halves the time spent reading them), and a chunk at a time, so a
    million accounts' rows are never all held as Python tuples at once.
    """
    result = session.connection().execute(query)
    try:
        while chunk := result.cursor.fetchmany(FETCH):
            yield list(chunk)
    finally:
        result.close()


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


def _columns(
    session: Session, query: Any, ids: IntArray, width: int, fill: float = 0.0
) -> list[FloatArray]:
    """Run a grouped query whose first column is the account id; one array per other column."""
    columns = [_array(len(ids), fill) for _ in range(width)]
    for chunk in read_chunks(session, query):
        where, values = _positions(ids, chunk)
        for k, column in enumerate(columns if len(where) else ()):
            column[where] = values[:, k]
    return columns


def load_facts(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig,
    account_ids: Sequence[int] | None = None,
) -> Facts:
    """Load the whole portfolio's scoring inputs as of ``now`` (or only ``account_ids``',
    each query then reading those accounts' rows through its index: the facts of one
    account, for a view of one account, cost the same in any portfolio)."""
    now = as_utc(now)
    dialect = session.get_bind().dialect.name
    today = now.date()
    only = _only(account_ids)

    def columns(query: Any, width: int, fill: float) -> list[FloatArray]:
        return _columns(session, only(query), ids, width=width, fill=fill)

    names: list[str] = []
    overrides: list[str | None] = []
    reasons: list[str | None] = []
    id_chunks: list[IntArray] = []
    numeric_chunks: list[FloatArray] = []
    for chunk in read_chunks(
        session,
        only(
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
                sql.days_since_day(col(Account.customer_since), today, dialect),
                col(Account.tier_override),
                col(Account.tier_override_reason),
            )
        ).order_by(col(Account.id)),
    ):
        id_chunks.append(np.fromiter((r[0] for r in chunk), dtype=np.int64, count=len(chunk)))
        names.extend(r[1] for r in chunk)
        numeric_chunks.append(np.array([r[2:14] for r in chunk], dtype=np.float64))
        overrides.extend(r[14] for r in chunk)
        reasons.extend(r[15] for r in chunk)
    n = len(names)
    ids = np.concatenate(id_chunks) if id_chunks else np.zeros(0, dtype=np.int64)
    numeric = (np.concatenate(numeric_chunks) if numeric_chunks else np.zeros(0)).reshape(n, 12)
    parent = numeric[:, 1]
    subsidiaries = np.zeros(n, dtype=COUNT)
    with_parent = ~np.isnan(parent)
    if with_parent.any():
        parents = np.searchsorted(ids, parent[with_parent].astype(np.int64))
        np.add.at(subsidiaries, np.clip(parents, 0, n - 1), 1)

    r12, p12, r6, p6, costed, cost, won, lost = columns(_deal_query(now), 8, 0.0)
    last, weeks, engaged = columns(_contact_query_by_week(now, dialect), 3, np.nan)
    weeks = np.nan_to_num(weeks, nan=0.0)
    engaged = np.nan_to_num(engaged, nan=0.0)
    contacts, decision_makers = columns(_contact_query(), 2, 0.0)
    feedback = _feedback(session, now, config.scales.satisfaction_recent_days, ids, only)
    due, kept, overdue = columns(_commitment_query(today, dialect), 3, 0.0)
    untold, untold_overdue = columns(
        _notice_query(today, config.scales.notice_warning_days), 2, 0.0
    )
    factors = tuple(c.name for c in config.health.criteria())
    previous_at, previous_health, previous_points = _previous_snapshots(
        session, now, ids, only, factors, dialect
    )
    people = session.execute(
        select(col(User.id), col(User.email), col(User.team), col(User.manager_id))
    ).all()
    users = {row[0]: (row[1], row[2]) for row in people}
    owner = numeric[:, 0]
    return Facts(
        now=now,
        ids=ids,
        names=names,
        owner_id=np.where(np.isnan(owner), -1, owner).astype(np.int64),
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
        customer_days=numeric[:, 11],
        tier_override=overrides,
        tier_override_reason=reasons,
        revenue_12m=r12,
        revenue_prev_12m=p12,
        revenue_6m=r6,
        revenue_prev_6m=p6,
        costed_revenue_12m=costed,
        deal_cost_12m=cost,
        deals_won_24m=won,
        deals_lost_24m=lost,
        days_since_contact=last,
        contact_weeks=weeks.astype(np.uint64),
        interactions_52w=engaged,
        contacts=contacts.astype(COUNT),
        decision_makers=decision_makers.astype(COUNT),
        feedback=feedback,
        commitments_due=due.astype(COUNT),
        commitments_kept=kept.astype(COUNT),
        commitments_overdue=overdue.astype(COUNT),
        notices_untold=untold.astype(COUNT),
        notices_overdue=untold_overdue.astype(COUNT),
        previous_at=previous_at,
        previous_health=previous_health,
        previous_points=previous_points,
        previous_factors=factors,
        users=users,
        team_leads=team_leads({row[0]: row[3] for row in people}),
    )


def _deal_query(now: datetime) -> Any:
    """Per account: won revenue over each window, costed revenue and cost, and how many
    deals were won and lost over the 24 months, in one pass over the closed deals."""
    w = revenue_windows(now)
    amount = func.coalesce(col(Deal.amount), 0.0)
    closed = col(Deal.closed_on)
    won = col(Deal.stage) == "won"

    def total(condition: Any, value: Any = amount) -> Any:
        return func.sum(case((condition, value), else_=0.0))

    costed = and_(won, w["12m"].holds(closed), col(Deal.cost).is_not(None))
    return (
        select(
            col(Deal.account_id),
            total(and_(won, w["12m"].holds(closed))),
            total(and_(won, w["prev_12m"].holds(closed))),
            total(and_(won, w["6m"].holds(closed))),
            total(and_(won, w["prev_6m"].holds(closed))),
            total(costed),
            total(costed, col(Deal.cost)),
            total(won, 1.0),
            total(~won, 1.0),
        )
        .where(
            col(Deal.stage).in_(("won", "lost")),
            col(Deal.account_id).is_not(None),
            closed > w["prev_12m"].after,
            closed <= w["12m"].last,
        )
        .group_by(col(Deal.account_id))
    )


WEEKS = 52


def _contact_query_by_week(now: datetime, dialect: str) -> Any:
    """Per account: days since the last contact, the weeks of the last 52 with a contact, and
    how many interactions those weeks hold.

    The weeks come as a bit mask (bit 0: the last seven days), which is all that
    cadence kept needs, at any cadence, from a single pass over the interactions.
    """
    at = sql.unindexed(Interaction.__table__.c.occurred_at, dialect)  # type: ignore[attr-defined]
    occurred = col(Interaction.occurred_at)
    week = sql.whole_days_since(occurred, now, dialect) // 7
    in_range = occurred > literal(now - timedelta(weeks=WEEKS), UTCDateTime)
    return (
        select(
            col(Interaction.account_id),
            sql.days_since(func.max(occurred), now, dialect),
            sql.bit_mask(case((in_range, week), else_=None), dialect),
            func.count(case((in_range, 1), else_=None)),
        )
        .where(at <= literal(now, UTCDateTime))
        .group_by(col(Interaction.account_id))
    )


def _contact_query() -> Any:
    return (
        select(
            col(Contact.account_id),
            func.count(),
            func.sum(case((col(Contact.decision_maker), 1), else_=0)),
        )
        .where(col(Contact.retired_at).is_(None))
        .group_by(col(Contact.account_id))
    )


FEEDBACK_MEASURES = ("csat_sum", "csat_n", "nps_sum", "nps_n", "exceeded", "met", "below")


def _feedback(
    session: Session, now: datetime, recent_days: int, ids: IntArray, only: Only
) -> dict[str, CountArray]:
    """Feedback sums and counts per account over the year, split into recent and earlier."""
    at = col(Feedback.at)
    recent = case((at > literal(now - timedelta(days=recent_days), UTCDateTime), 1), else_=0)
    csat, nps, expectation = col(Feedback.csat), col(Feedback.nps), col(Feedback.expectation)
    query = (
        select(
            col(Feedback.account_id),
            recent,
            # A window without a CSAT (or NPS) sums to NULL; as 0 its count of 0 says "none".
            func.coalesce(func.sum(csat), 0),
            func.count(csat),
            func.coalesce(func.sum(nps), 0),
            func.count(nps),
            func.count(case((expectation == "exceeded", 1), else_=None)),
            func.count(case((expectation == "met", 1), else_=None)),
            func.count(case((expectation == "below", 1), else_=None)),
        )
        .where(
            at <= literal(now, UTCDateTime),
            at > literal(now - timedelta(days=YEAR), UTCDateTime),
        )
        .group_by(col(Feedback.account_id), recent)
    )
    columns = {
        f"{window}_{m}": _array(len(ids), 0.0)
        for window in ("recent", "earlier")
        for m in FEEDBACK_MEASURES
    }
    for chunk in read_chunks(session, only(query)):
        for flag, window in ((1, "recent"), (0, "earlier")):
            where, values = _positions(ids, [(r[0], *r[2:]) for r in chunk if r[1] == flag])
            for k, m in enumerate(FEEDBACK_MEASURES if len(where) else ()):
                columns[f"{window}_{m}"][where] = values[:, k]
    return {name: column.astype(COUNT) for name, column in columns.items()}


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
    session: Session,
    now: datetime,
    ids: IntArray,
    only: Only,
    factors: tuple[str, ...],
    dialect: str,
) -> tuple[list[datetime | None], FloatArray, FloatArray]:
    """The previous run's snapshots (the newest moment before ``now``): when, health, and
    the health points per factor (one column per ``factors``) stored in their breakdowns.

    Every run snapshots every account, so the newest moment holds the previous
    scores of all but accounts added since; reading that one moment through its
    index stays fast however long the history grows.
    """
    n = len(ids)
    at = col(ScoreSnapshot.at)
    moment = session.execute(select(func.max(at)).where(at < literal(now, UTCDateTime))).scalar()
    health = _array(n)
    points = np.full((n, len(factors)), np.nan)
    when = np.full(n, None, dtype=object)
    if moment is None:
        return when.tolist(), health, points
    breakdown = col(ScoreSnapshot.breakdown)
    query = select(
        col(ScoreSnapshot.account_id),
        col(ScoreSnapshot.health),
        *(sql.json_member(breakdown, ("health", name), dialect) for name in factors),
    ).where(at == literal(moment, UTCDateTime))
    for chunk in read_chunks(session, only(query)):
        if not n:
            break
        found = np.array([r[0] for r in chunk], dtype=np.int64)
        where = np.clip(np.searchsorted(ids, found), 0, n - 1)
        known = ids[where] == found
        where = where[known]
        values = _numbers([r[1:] for r in chunk], 1 + len(factors))[known]
        health[where] = values[:, 0]
        points[where] = values[:, 1:]
        when[where] = as_utc(moment)
    return when.tolist(), health, points


def _numbers(rows: list[tuple[Any, ...]], width: int) -> FloatArray:
    """``rows`` as a float matrix, NaN for a value that is not a number (PostgreSQL gives
    JSON members as text; a breakdown not written by kam may hold anything)."""
    try:
        return np.array(rows, dtype=np.float64).reshape(len(rows), width)
    except (TypeError, ValueError):
        return np.array([[_number(v) for v in row] for row in rows]).reshape(len(rows), width)


def _number(value: Any) -> float:
    if value is None:
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan
