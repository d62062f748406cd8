"""Goals against actuals: the targets a KAM team tracks, each with its actual and progress.

A :class:`~core.models.Goal` names a metric, a target, a scope (the whole team
or one team by name, a tier, or one account by name or id) and a period
(``2026``, ``2026-Q2``, ``2026-05`` or ``12m``). Metrics measured over time
(revenue won, CSAT, NPS, commitments kept) are read for the period up to now;
the others are the portfolio's current figures for the scope. Every metric
counts as met when its actual reaches the target. A goal kam cannot evaluate
(a metric it does not know, a team, tier or account that does not exist, a
period it cannot read) is listed with the reason, never dropped.

Each measured metric is one query grouped by account over the period, then
summed over the scope's accounts in numpy: never a query per account.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import and_, case, func, literal, or_, select
from sqlmodel import Session, col

from core.models import Commitment, Deal, Feedback, Goal
from core.results import JsonResult
from core.scoring import sql
from core.scoring.config import TIERS
from core.scoring.criteria import BoolArray, FloatArray
from core.scoring.facts import _columns, _only
from core.scoring.revenue import last_12_months
from core.scoring.scored import ScoredPortfolio
from core.types import UTCDateTime

ALL_TEAMS = {"", "all", "team", "portfolio"}

GoalStatus = Literal[
    "met",
    "on_track",
    "behind",
    "missed",
    "not_started",
    "no_data",
    "unknown_metric",
    "unknown_scope",
    "unknown_period",
]


@dataclass(frozen=True)
class Window(JsonResult):
    """A goal's period: [start, end) in UTC days, and how much of it has passed at ``now``."""

    start: date
    end: date
    now: datetime

    @property
    def until(self) -> date:
        """The first day not yet counted: the period's end, or tomorrow while it runs."""
        return min(self.end, self.now.date() + timedelta(days=1))

    @property
    def elapsed(self) -> float:
        """The share of the period that has passed (0 before it starts, 1 after it ends)."""
        begin = datetime.combine(self.start, time(), UTC)
        finish = datetime.combine(self.end, time(), UTC)
        return float(np.clip((self.now - begin) / (finish - begin), 0.0, 1.0))

    @property
    def last(self) -> date:
        """The period's last day."""
        return self.end - timedelta(days=1)

    def as_json(self) -> dict[str, str]:
        """The period's first and last day."""
        return {"from": self.start.isoformat(), "to": self.last.isoformat()}


def period_window(period: str, now: datetime) -> Window | None:
    """The days a period covers: a year, a quarter, a month, or the last 12 months."""
    text = period.strip().lower()
    if match := re.fullmatch(r"(\d{4})", text):
        year = int(match[1])
        return Window(date(year, 1, 1), date(year + 1, 1, 1), now)
    if match := re.fullmatch(r"(\d{4})-?q([1-4])", text):
        year, quarter = int(match[1]), int(match[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Window(start, end, now)
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            return None
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Window(date(year, month, 1), end, now)
    if text in ("12m", "last 12 months", "last-12-months", "rolling"):
        last = last_12_months(now)
        return Window(last.first, last.last + timedelta(days=1), now)
    return None


@dataclass(frozen=True)
class Measured:
    """A metric's actual over a scope: None when there is nothing to measure it on."""

    actual: float | None
    basis: int  # how many things it was measured on (deals, ratings, promises, accounts)


Measure = Callable[["Goals", BoolArray, Window], Measured]


@dataclass(frozen=True)
class Metric:
    """A metric a goal can track."""

    label: str
    unit: str  # money, share, rating, nps, count, score, ratio
    total: bool = False  # accumulates over the period (so part of it is due part-way through)
    over_period: bool = False  # measured over the goal's period; otherwise the current figure


class Goals:
    """Evaluates the goals of one scored portfolio (caches each period's per-account sums)."""

    def __init__(
        self, p: ScoredPortfolio, *, session: Session, account_ids: Sequence[int] | None = None
    ) -> None:
        """``account_ids``: ``p`` holds only these accounts (the facts of one account, for
        its plan), so the grouped queries read only their rows."""
        self.p = p
        self.session = session
        self._only = _only(account_ids)
        self._cache: dict[tuple[str, date, date], list[FloatArray]] = {}

    def per_account(self, name: str, window: Window, query: Any, width: int) -> list[FloatArray]:
        """Per-account sums of a grouped query over ``window`` (run once per period)."""
        key = (name, window.start, window.until)
        if key not in self._cache:
            narrowed = self._only(query)
            self._cache[key] = _columns(self.session, narrowed, self.p.facts.ids, width=width)
        return self._cache[key]


def _sum(values: FloatArray, scope: BoolArray) -> float:
    return float(np.nansum(values[scope]))  # NaN: an account with rows but no value (SUM of NULLs)


def _mean(values: FloatArray, scope: BoolArray) -> Measured:
    known = scope & ~np.isnan(values)
    count = int(known.sum())
    return Measured(float(values[known].mean()) if count else None, count)


def revenue(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Won revenue closed within the period so far."""
    closed = col(Deal.closed_on)
    query = (
        select(col(Deal.account_id), func.sum(func.coalesce(col(Deal.amount), 0.0)), func.count())
        .where(
            col(Deal.stage) == "won",
            col(Deal.account_id).is_not(None),
            closed >= w.start,
            closed < w.until,
        )
        .group_by(col(Deal.account_id))
    )
    total, deals = g.per_account("revenue", w, query, 2)
    return Measured(round(_sum(total, scope), 2), int(_sum(deals, scope)))


def _feedback(g: Goals, w: Window) -> list[FloatArray]:
    at = col(Feedback.at)
    start = datetime.combine(w.start, time(), UTC)
    until = min(datetime.combine(w.until, time(), UTC), g.p.facts.now)
    nps = col(Feedback.nps)
    query = (
        select(
            col(Feedback.account_id),
            func.sum(col(Feedback.csat)),
            func.count(col(Feedback.csat)),
            func.count(case((nps >= 9, 1), else_=None)),
            func.count(case((nps <= 6, 1), else_=None)),
            func.count(nps),
        )
        .where(at >= literal(start, UTCDateTime), at <= literal(until, UTCDateTime))
        .group_by(col(Feedback.account_id))
    )
    return g.per_account("feedback", w, query, 5)


def csat(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Average CSAT (1–5) of the ratings given within the period."""
    total, given, *_ = _feedback(g, w)
    n = int(_sum(given, scope))
    return Measured(round(_sum(total, scope) / n, 2) if n else None, n)


def nps(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), within the period."""
    *_, promoters, detractors, given = _feedback(g, w)
    n = int(_sum(given, scope))
    if not n:
        return Measured(None, 0)
    return Measured(round(100.0 * (_sum(promoters, scope) - _sum(detractors, scope)) / n, 1), n)


def commitments_kept(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Share of the promises due within the period (so far) that were kept on time."""
    dialect = g.session.get_bind().dialect.name
    due, done = col(Commitment.due_on), col(Commitment.done_at)
    today = g.p.facts.now.date()
    assessed = or_(due < today, done.is_not(None))
    on_time = and_(done.is_not(None), sql.utc_day(done, dialect) <= due)
    query = (
        select(
            col(Commitment.account_id),
            func.count(case((assessed, 1), else_=None)),
            func.count(case((on_time, 1), else_=None)),
        )
        .where(due >= w.start, due < w.until)
        .group_by(col(Commitment.account_id))
    )
    judged, kept = g.per_account("commitments", w, query, 2)
    n = int(_sum(judged, scope))
    return Measured(round(_sum(kept, scope) / n, 4) if n else None, n)


def _criterion(score: str, name: str) -> Callable[[Goals], FloatArray]:
    def raw(g: Goals) -> FloatArray:
        table = g.p.tables[score]
        k = [c.name for c in table.criteria].index(name)
        values: FloatArray = table.raw[k]
        return values

    return raw


def _average(read: Callable[[Goals], FloatArray], digits: int) -> Measure:
    def measure(g: Goals, scope: BoolArray, w: Window) -> Measured:
        m = _mean(read(g), scope)
        return Measured(None if m.actual is None else round(m.actual, digits), m.basis)

    return measure


def revenue_12m(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Won revenue over the last 12 months."""
    return Measured(round(_sum(g.p.facts.revenue_12m, scope), 2), int(scope.sum()))


def revenue_growth(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Revenue over the last 12 months against the 12 before, as a growth rate."""
    now, before = _sum(g.p.facts.revenue_12m, scope), _sum(g.p.facts.revenue_prev_12m, scope)
    return Measured(round(now / before - 1.0, 4) if before > 0 else None, int(scope.sum()))


def decision_maker_coverage(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Share of the accounts with at least one decision maker among their contacts."""
    n = int(scope.sum())
    covered = int((g.p.facts.decision_makers[scope] > 0).sum())
    return Measured(round(covered / n, 4) if n else None, n)


def share_of_wallet(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """Our revenue over the customers' category spend, where that spend is known."""
    known = scope & ~np.isnan(g.p.wallet)
    spend = float(g.p.wallet[known].sum())
    ours = float(g.p.facts.revenue_12m[known].sum())
    return Measured(round(ours / spend, 4) if spend > 0 else None, int(known.sum()))


def key_accounts(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """How many strategic and key accounts the scope holds."""
    tier = np.array(g.p.tier, dtype=object)
    return Measured(float(((tier == "strategic") | (tier == "key"))[scope].sum()), int(scope.sum()))


def accounts(g: Goals, scope: BoolArray, w: Window) -> Measured:
    """How many accounts the scope holds."""
    return Measured(float(scope.sum()), int(scope.sum()))


METRICS: dict[str, tuple[Metric, Measure]] = {
    "revenue": (
        Metric("Revenue won", "money", total=True, over_period=True),
        revenue,
    ),
    "revenue_12m": (Metric("Revenue, 12 months", "money"), revenue_12m),
    "revenue_growth": (Metric("Revenue growth, 12 months", "ratio"), revenue_growth),
    "csat": (Metric("CSAT (average)", "rating", over_period=True), csat),
    "nps": (Metric("NPS", "nps", over_period=True), nps),
    "commitments_kept": (
        Metric("Promises kept", "share", over_period=True),
        commitments_kept,
    ),
    "cadence_kept": (
        Metric("Check-ins kept", "share"),
        _average(_criterion("relationship", "cadence_kept"), 4),
    ),
    "contact_coverage": (
        Metric("Contacts per account", "count"),
        _average(lambda g: g.p.facts.contacts.astype(np.float64), 2),
    ),
    "decision_maker_coverage": (
        Metric("Decision makers known", "share"),
        decision_maker_coverage,
    ),
    "relationship_stage": (
        Metric("McDonald stage", "rating"),
        _average(lambda g: g.p.facts.relationship_stage, 2),
    ),
    "health": (
        Metric("Health (average)", "score"),
        _average(lambda g: g.p.score("health"), 1),
    ),
    "share_of_wallet": (Metric("Share of wallet", "share"), share_of_wallet),
    "key_accounts": (Metric("Key accounts", "count"), key_accounts),
    "accounts": (Metric("Accounts", "count"), accounts),
}


def metric_key(name: str) -> str:
    """A metric name as typed ("CSAT", "cadence kept") in its canonical form."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _scope(g: Goals, scope: str, ref: str | None) -> tuple[BoolArray | None, str]:
    """The accounts a goal covers, and how to name them (or None and why not)."""
    f = g.p.facts
    ref_text = (ref or "").strip()
    if scope == "team":
        if ref_text.lower() in ALL_TEAMS:
            return np.ones(f.size, dtype=bool), "everyone"
        owners = [
            uid for uid, (_, team) in f.users.items() if (team or "").lower() == ref_text.lower()
        ]
        if not owners:
            return None, f"no one is in a team called {ref_text!r}"
        return np.isin(f.owner_id, owners), f"team {ref_text}"
    if scope == "tier":
        tier = ref_text.lower()
        if tier not in TIERS:
            return None, f"{ref_text!r} is not a tier (tiers: {', '.join(TIERS)})"
        return np.array(g.p.tier, dtype=object) == tier, f"{tier} accounts"
    if scope == "account":
        i = None
        if ref_text.isdigit():
            i = g.p.index_of(int(ref_text))
        if i is None:
            wanted = ref_text.casefold()
            i = next((k for k, name in enumerate(f.names) if name.casefold() == wanted), None)
        if i is None:
            return None, f"no account is called {ref_text!r}"
        chosen = np.zeros(f.size, dtype=bool)
        chosen[i] = True
        return chosen, f.names[i]
    return None, f"{scope!r} is not a goal scope (team, tier or account)"


def _target(metric: Metric, target: float) -> float:
    """A share typed as a percentage (95 for 95%) is read as the share."""
    if metric.unit == "share" and target > 1:
        return target / 100.0
    return target


@dataclass(frozen=True, slots=True, kw_only=True)
class GoalProgress(JsonResult):
    """One goal with its actual, progress and status, or the reason kam cannot measure it."""

    id: int | None
    metric: str  # canonical when kam knows it, else as it was set
    label: str | None = None
    unit: str | None = None  # money, share, ratio, rating, nps, count, score
    scope: str  # team, tier or account
    scope_ref: str | None
    scope_label: str | None = None
    period: str
    window: Window | None = None
    target: float  # a share set as a percentage (95) is read as the share (0.95)
    actual: float | None = None
    basis: int = 0  # how many deals, ratings, promises or accounts it was measured on
    progress: float | None = None  # actual / target, when the target is above 0
    expected_by_now: float | None = None  # what is due by now, for totals over a period
    status: GoalStatus
    note: str | None = None  # why kam cannot measure it


def evaluate(g: Goals, goal: Any) -> GoalProgress:
    """One goal with its actual, progress and status."""
    now = g.p.facts.now
    key = metric_key(goal.metric)
    asked = GoalProgress(
        id=goal.id,
        metric=goal.metric,
        scope=str(goal.scope),
        scope_ref=goal.scope_ref,
        period=goal.period,
        target=goal.target,
        status="unknown_metric",
    )
    known = METRICS.get(key)
    if known is None:
        return replace(
            asked,
            note=f"kam does not know the metric {goal.metric!r}; it knows {', '.join(METRICS)}.",
        )
    metric, measure = known
    target = _target(metric, float(goal.target))
    asked = replace(asked, metric=key, label=metric.label, unit=metric.unit, target=target)
    scope, named = _scope(g, str(goal.scope), goal.scope_ref)
    if scope is None:
        return replace(asked, status="unknown_scope", note=f"Cannot measure this goal: {named}.")
    asked = replace(asked, scope_label=named)
    window = period_window(str(goal.period), now)
    if window is None:
        return replace(
            asked,
            status="unknown_period",
            note=f"Cannot read the period {goal.period!r}; write a year (2026), a quarter "
            "(2026-Q2), a month (2026-05) or 12m.",
        )
    asked = replace(asked, window=window)
    if metric.over_period and window.elapsed <= 0:
        return replace(asked, status="not_started")
    result = measure(g, scope, window)
    if result.actual is None:
        return replace(asked, basis=result.basis, status="no_data")
    actual = result.actual
    expected = target * window.elapsed if metric.total else target
    status: GoalStatus
    if actual >= target:
        status = "met"
    elif window.elapsed >= 1.0 and metric.over_period:
        status = "missed"
    elif metric.total and actual >= expected:
        status = "on_track"
    else:
        status = "behind"
    return replace(
        asked,
        actual=actual,
        basis=result.basis,
        # how far along: 0 at nothing (or worse), 1 at the target
        progress=round(max(actual / target, 0.0), 4) if target > 0 else None,
        expected_by_now=round(expected, 2) if metric.total else None,
        status=status,
    )


def goal_progress(p: ScoredPortfolio, *, session: Session) -> list[GoalProgress]:
    """Every goal, in the order they were set, with its actual and progress."""
    goals = session.execute(
        select(
            col(Goal.id),
            col(Goal.metric),
            col(Goal.target),
            col(Goal.scope),
            col(Goal.scope_ref),
            col(Goal.period),
        ).order_by(col(Goal.id))
    ).all()
    evaluator = Goals(p, session=session)
    return [evaluate(evaluator, goal) for goal in goals]
