"""The scored portfolio: every score, tier and quadrant, and each account's explanation.

:func:`score_portfolio` runs the whole pipeline over :class:`Facts` in one
vectorised pass: attractiveness, then the tier it earns (a manual override
wins), then the check-in cadence of that tier, which relationship and health
are measured against. :class:`AccountScore` is one account's result; its
``breakdown`` is built only when someone asks to see it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from core import collector
from core.scoring.account_results import (
    AccountValue,
    Breakdown,
    CriterionRow,
    HealthDetail,
    HealthTrend,
    ScoreDetail,
    ScoreSummary,
    TierInfo,
    TrendFactor,
)
from core.scoring.attractiveness import attractiveness
from core.scoring.classify import (
    DEMANDING,
    TIER_LEVEL,
    OverCapacity,
    Staff,
    earned_tiers,
    quadrants,
    ranks,
    serve_within_capacity,
)
from core.scoring.config import TIERS, ScoringConfig
from core.scoring.criteria import BoolArray, FloatArray, IntArray, ScoreTable
from core.scoring.facts import Facts
from core.scoring.health import health
from core.scoring.relationship import relationship
from core.scoring.trend import health_trend
from core.scoring.value import (
    Retention,
    clv,
    contribution_12m,
    retention,
    share_of_wallet,
    wallet,
)

SCORES = ("attractiveness", "relationship", "health")


@dataclass
class ScoredPortfolio:
    """Every account's scores, as arrays aligned on ``facts.ids``."""

    facts: Facts
    config: ScoringConfig
    tables: dict[str, ScoreTable]
    rank: IntArray
    ranked_tier: list[str]  # what the scores earn with capacity set aside (its value)
    earned_tier: list[str]  # what they earn within capacity
    over_capacity: list[OverCapacity | None]  # why an account was held below its value
    staff: Staff
    tier: list[str]
    quadrant: list[str]
    band: list[str]
    cadence: FloatArray
    contribution: FloatArray
    contribution_known: BoolArray
    wallet: FloatArray
    share_of_wallet: FloatArray
    retention: Retention
    clv: FloatArray
    costly: BoolArray  # costs what a key account costs, and over a share of its revenue
    key_account_cost: float  # the median cost to serve of accounts whose value earns key; NaN
    over_served: BoolArray

    @property
    def size(self) -> int:
        """How many accounts were scored."""
        return self.facts.size

    def tier_counts(self) -> dict[str, int]:
        """How many accounts each tier holds (an override counting as the tier it sets),
        every tier strategic first: what counting :meth:`accounts` by tier gives, without
        making an object per account."""
        held = Counter(self.tier)
        return {tier: held[tier] for tier in TIERS}

    def score(self, name: str) -> FloatArray:
        """One score for every account."""
        return self.tables[name].score

    def index_of(self, account_id: int) -> int | None:
        """The position of an account in the arrays."""
        i = int(np.searchsorted(self.facts.ids, account_id))
        return i if i < self.facts.size and int(self.facts.ids[i]) == account_id else None

    def over_served_reasons(self, i: int) -> list[str]:
        """Why account ``i`` looks over-served ("importance inflation"), if it does."""
        f, reasons = self.facts, []
        cost, revenue = f.cost_to_serve[i], f.revenue_12m[i]
        if self.costly[i]:
            times = float(cost) / float(revenue) if revenue >= 1 else math.inf
            share = f"{times:.0%} of" if times < 10 else "more than ten times"
            typical = self.key_account_cost
            level = (
                f", as much as a typical key account ({typical:,.0f})"
                if not np.isnan(typical)
                else ""
            )
            reasons.append(f"cost to serve is {share} the revenue it brings{level}")
        override = f.tier_override[i]
        if _inflated(override, self.ranked_tier[i]):
            reasons.append(f"tier set by hand to {override}; its value earns {self.ranked_tier[i]}")
        return reasons

    def accounts(self, positions: list[int] | None = None) -> list[AccountScore]:
        """Results for the accounts at ``positions`` (all when None, in id order).

        Built column by column (100,000 of them at every rescore), from the chosen
        accounts' values only.
        """
        f = self.facts
        chosen = list(range(f.size)) if positions is None else positions
        at = slice(None) if positions is None else np.asarray(positions, dtype=np.intp)
        health = self.tables["health"].score
        change = np.round(health[at] - f.previous_health[at], 1).tolist()
        texts: list[list[Any]] = [
            f.names,
            self.band,
            self.tier,
            self.earned_tier,
            self.over_capacity,
            self.quadrant,
        ]
        if positions is not None:
            texts = [[values[i] for i in chosen] for values in texts]
        names, band, tier, earned, over_capacity, quadrant = texts
        columns: list[list[Any]] = [
            f.ids[at].tolist(),
            names,
            *(self.tables[name].score[at].tolist() for name in SCORES),
            band,
            tier,
            earned,
            over_capacity,
            quadrant,
            [None if c != c else c for c in change],  # NaN: no history
        ]
        with collector.paused():
            return list(map(AccountScore, *columns, repeat(self), chosen))

    def ranked(self, limit: int | None = None) -> list[AccountScore]:
        """The ``limit`` most attractive accounts (all when None), most attractive first,
        then by name, then in id order: the order ``kam score`` lists.

        Only the accounts that can be among the first ``limit`` (those at least as
        attractive as the ``limit``-th) are sorted and made into results, so listing 30
        of a million accounts makes a few dozen objects rather than a million.
        """
        attractiveness = self.score("attractiveness")
        n = self.facts.size
        if limit is not None and limit < n:
            least = np.partition(attractiveness, n - limit)[n - limit] if limit > 0 else np.inf
            results = self.accounts(np.flatnonzero(attractiveness >= least).tolist())
        else:
            results = self.accounts()
        results.sort(key=lambda r: (-r.attractiveness, r.account_name))
        return results[:limit]


def costly_to_serve(
    facts: Facts, ranked: list[str], config: ScoringConfig
) -> tuple[BoolArray, float]:
    """Accounts served like key accounts without bringing what one brings, and the
    cost that counts as key-account service.

    An account is costly when its cost to serve is above ``over_served_cost_share``
    of its 12-month revenue *and* at least the median cost to serve of the accounts
    whose scores earn strategic or key: a small account whose modest cost is a large
    share of its revenue is served cheaply already (serve it efficiently), not
    over-served. With no such account to compare with, the share alone decides.
    """
    cost = facts.cost_to_serve
    known = ~np.isnan(cost) & (cost > 0)
    worth_key = np.fromiter((t in DEMANDING for t in ranked), dtype=bool, count=len(ranked))
    reference = cost[known & worth_key]
    typical = float(np.median(reference)) if reference.size else math.nan
    spent = np.nan_to_num(cost)
    costly = known & (spent > config.value.over_served_cost_share * facts.revenue_12m)
    if not math.isnan(typical):
        costly &= spent >= typical
    return costly, typical


def _inflated(override: str | None, earned: str) -> bool:
    return (
        override is not None
        and TIER_LEVEL.get(override, 0) >= TIER_LEVEL["key"]
        and TIER_LEVEL[earned] < TIER_LEVEL["key"]
    )


def cadence_of(facts: Facts, tiers: list[str], config: ScoringConfig) -> FloatArray:
    """Each account's check-in interval in days: its own, else its tier's."""
    by_tier = {t: float(config.cadence_days(t)) for t in TIERS}
    tier_days = np.array([by_tier[t] for t in tiers], dtype=np.float64)
    return np.where(np.isnan(facts.cadence_override), tier_days, facts.cadence_override)


def bands(health: FloatArray, config: ScoringConfig) -> list[str]:
    """red, yellow or green for every health score (as :meth:`ScoringConfig.band`)."""
    b = config.bands
    code = np.where(health <= b.red, 0, np.where(health <= b.yellow, 1, 2))
    names = ("red", "yellow", "green")  # one shared str per band, not one per account
    return list(map(names.__getitem__, code.tolist()))


def score_portfolio(facts: Facts, config: ScoringConfig) -> ScoredPortfolio:
    """Score every account in ``facts``."""
    a = attractiveness(facts, config)
    rank = ranks(a.score, facts.revenue_12m, facts.ids)
    ranked = earned_tiers(a.score, rank, config)
    staff = Staff(facts.users, facts.team_leads)
    served = serve_within_capacity(ranked, rank, facts.owner_id, facts.tier_override, staff, config)
    earned = served.tiers
    tier = [o or e for o, e in zip(facts.tier_override, earned, strict=True)]
    cadence = cadence_of(facts, tier, config)
    r = relationship(facts, cadence, config)
    h = health(facts, cadence, config)
    contribution, known = contribution_12m(facts, config)
    kept = retention(facts, config)
    costly, typical = costly_to_serve(facts, ranked, config)
    inflated = np.array(
        [_inflated(o, e) for o, e in zip(facts.tier_override, ranked, strict=True)], dtype=bool
    ).reshape(facts.size)
    return ScoredPortfolio(
        facts=facts,
        config=config,
        tables={"attractiveness": a, "relationship": r, "health": h},
        rank=rank,
        ranked_tier=ranked,
        earned_tier=earned,
        over_capacity=served.over_capacity,
        staff=staff,
        tier=tier,
        quadrant=quadrants(a.score, r.score, config),
        band=bands(h.score, config),
        cadence=cadence,
        contribution=contribution,
        contribution_known=known,
        wallet=wallet(facts),
        share_of_wallet=share_of_wallet(facts),
        retention=kept,
        clv=clv(contribution, kept, config),
        costly=costly,
        key_account_cost=typical,
        over_served=costly | inflated,
    )


@dataclass(eq=False, slots=True)
class AccountScore:
    """One account's scores, tier and quadrant; ``breakdown`` explains every point.

    Slotted: a rescore returns one per account, a million of them at most.
    """

    account_id: int
    account_name: str
    attractiveness: float
    relationship: float
    health: float
    band: str
    tier: str
    earned_tier: str
    over_capacity: OverCapacity | None
    quadrant: str
    health_change: float | None
    source: ScoredPortfolio = field(repr=False, compare=False)
    index: int = field(repr=False, compare=False)
    _breakdown: Breakdown | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def breakdown(self) -> Breakdown:
        """Each criterion's raw value, normalised value, weight and points; what moved health
        (worked out when first asked for, then kept)."""
        if self._breakdown is None:
            self._breakdown = explain(self.source, self.index)
        return self._breakdown

    def summary(self) -> ScoreSummary:
        """The headline figures (what ``kam score`` lists), value and over-service included."""
        i, p = self.index, self.source
        override = p.facts.tier_override[i]
        return ScoreSummary(
            account_id=self.account_id,
            account_name=self.account_name,
            attractiveness=self.attractiveness,
            relationship=self.relationship,
            health=self.health,
            band=self.band,
            health_change=self.health_change,
            tier=self.tier,
            earned_tier=self.earned_tier,
            tier_override_reason=p.facts.tier_override_reason[i] if override else None,
            over_capacity=self.over_capacity,
            quadrant=self.quadrant,
            revenue_12m=round(float(p.facts.revenue_12m[i]), 2),
            clv=round(float(p.clv[i]), 2),
            over_served=bool(p.over_served[i]),
        )


def _number(value: float, unit: str) -> float | int | None:
    if np.isnan(value):
        return None
    if unit in ("count", "rating"):
        return round(value)
    if unit == "money":
        return round(float(value), 2)
    if unit == "days":
        return round(float(value), 1)
    return round(float(value), 4)


def _rows(table: ScoreTable, i: int) -> tuple[CriterionRow, ...]:
    weights = table.weights_of(i).tolist()
    return tuple(
        CriterionRow(
            criterion=c.name,
            label=c.label,
            raw=_number(float(table.raw[k][i]), c.unit),
            normalised=round(float(table.normalised[i, k]), 4),
            weight=weights[k],
            points=int(table.tenths[i, k]) / 10.0,
            missing=bool(table.missing[i, k]),
            method=c.method,
            unit=c.unit,
        )
        for k, c in enumerate(table.criteria)
    )


def _optional(value: float, digits: int = 2) -> float | None:
    return None if np.isnan(value) else round(float(value), digits)


def _detail(p: ScoredPortfolio, name: str, i: int) -> ScoreDetail:
    return ScoreDetail(score=float(p.tables[name].score[i]), criteria=_rows(p.tables[name], i))


def explain(p: ScoredPortfolio, i: int) -> Breakdown:
    """Account ``i``'s full explanation."""
    f = p.facts
    override = f.tier_override[i]
    spend = p.wallet[i]
    health = p.tables["health"]
    return Breakdown(
        account_id=int(f.ids[i]),
        account_name=f.names[i],
        attractiveness=_detail(p, "attractiveness", i),
        relationship=_detail(p, "relationship", i),
        health=HealthDetail(
            score=float(health.score[i]),
            criteria=_rows(health, i),
            band=p.band[i],
            trend=_trend(p, i),
        ),
        tier=TierInfo(
            tier=p.tier[i],
            earned=p.earned_tier[i],
            override=override,
            override_reason=f.tier_override_reason[i] if override else None,
            rank=int(p.rank[i]),
            of=f.size,
            cadence_days=int(p.cadence[i]),
            over_capacity=p.over_capacity[i],
        ),
        quadrant=p.quadrant[i],
        value=AccountValue(
            revenue_12m=round(float(f.revenue_12m[i]), 2),
            revenue_prev_12m=round(float(f.revenue_prev_12m[i]), 2),
            contribution_12m=round(float(p.contribution[i]), 2),
            contribution_assumed=not bool(p.contribution_known[i]),
            wallet=_optional(spend),
            headroom=None if np.isnan(spend) else round(float(spend - f.revenue_12m[i]), 2),
            share_of_wallet=_optional(p.share_of_wallet[i], 4),
            clv=round(float(p.clv[i]), 2),
            retention=round(p.retention.rate, 4),
            over_served=bool(p.over_served[i]),
            over_served_reasons=tuple(p.over_served_reasons(i)),
        ),
        missing=tuple(
            f"{name}.{c.name}"
            for name in SCORES
            for k, c in enumerate(p.tables[name].criteria)
            if p.tables[name].missing[i, k]
        ),
    )


def _trend(p: ScoredPortfolio, i: int) -> HealthTrend | None:
    """Health against the previous snapshot, and the factors that moved it."""
    previous = p.facts.previous_health[i]
    if np.isnan(previous):
        return None
    table = p.tables["health"]
    moved_by = health_trend(float(table.score[i]), float(previous), p.config)
    before = p.facts.previous_health_points(i)
    moves: list[tuple[float, str, str]] = []
    for k, c in enumerate(table.criteria):
        points = int(table.tenths[i, k]) / 10.0
        was = before.get(c.name)
        moved = 0.0 if was is None or np.isnan(was) else round(points - was, 1)
        if moved:
            moves.append((moved, c.name, c.label))
    moves.sort(key=lambda m: (-abs(m[0]), m[1]))
    return HealthTrend(
        previous=float(previous),
        previous_at=p.facts.previous_at[i],
        change=moved_by.change,
        direction=moved_by.direction,
        factors=tuple(TrendFactor(name, label, moved) for moved, name, label in moves),
    )
