"""Properties of the scores for any portfolio, including missing fields and a single account."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.scoring.config import HealthWeights, ScoringConfig
from core.scoring.criteria import allocate_tenths, row_weights
from core.scoring.facts import FEEDBACK_MEASURES, Facts
from core.scoring.scored import SCORES, ScoredPortfolio, score_portfolio
from core.scoring.snapshots import snapshot_breakdowns
from tests.conftest import examples

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CONFIG = ScoringConfig()

money = st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False))
rating = st.one_of(st.none(), st.integers(1, 5))
count = st.integers(0, 20)

account = st.fixed_dictionaries(
    {
        "annual_revenue": money,
        "employees": st.one_of(st.none(), st.integers(0, 500_000)),
        "relationship_stage": rating,
        "financial_health": rating,
        "industry_influence": rating,
        "category_spend": money,
        "cost_to_serve": money,
        "gross_margin": st.one_of(st.none(), st.floats(-0.5, 80, allow_nan=False)),
        "cadence_override": st.one_of(st.none(), st.integers(1, 400)),
        "customer_days": st.one_of(st.none(), st.integers(0, 5000)),
        "tier_override": st.one_of(st.none(), st.sampled_from(["strategic", "key", "growth"])),
        "revenue_12m": st.floats(0, 1e8, allow_nan=False),
        "revenue_prev_12m": st.floats(0, 1e8, allow_nan=False),
        "revenue_6m_share": st.floats(0, 1),
        "revenue_prev_6m": st.floats(0, 1e8, allow_nan=False),
        "costed_share": st.floats(0, 1),
        "cost_rate": st.floats(0, 2),
        "days_since_contact": st.one_of(st.none(), st.floats(0, 3000, allow_nan=False)),
        "contact_weeks": st.integers(0, 2**52 - 1),
        "interactions_52w": st.integers(0, 500),
        "deals_won_24m": count,
        "deals_lost_24m": count,
        "contacts": count,
        "decision_makers": count,
        "feedback": st.lists(st.integers(0, 12), min_size=14, max_size=14),
        "commitments_due": count,
        "commitments_kept_share": st.floats(0, 1),
        "commitments_overdue": count,
        "notices_untold": count,
        "subsidiaries": st.integers(0, 6),
        "has_parent": st.booleans(),
        "previous_health": st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
    }
)
portfolios = st.lists(account, min_size=1, max_size=25)


def _f(values: list[Any]) -> np.ndarray[Any, Any]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def facts_of(accounts: list[dict[str, Any]]) -> Facts:
    """Facts for a made-up portfolio, shaped as the loader shapes them."""
    n = len(accounts)

    def col(key: str) -> list[Any]:
        return [a[key] for a in accounts]

    r12 = _f(col("revenue_12m"))
    costed = r12 * _f(col("costed_share"))
    due = np.array(col("commitments_due"), dtype=np.int32)
    feedback: dict[str, Any] = {}
    for w, window in enumerate(("recent", "earlier")):
        for m, measure in enumerate(FEEDBACK_MEASURES):
            values = [a["feedback"][w * 7 + m] for a in accounts]
            if measure == "csat_sum":
                values = [v * 5 // 12 for v in values]  # keep the mean within the scale
            feedback[f"{window}_{measure}"] = np.array(values, dtype=np.int32)
    for window in ("recent", "earlier"):
        for kind, top in (("csat", 5), ("nps", 10)):
            n_given = feedback[f"{window}_{kind}_n"]
            feedback[f"{window}_{kind}_sum"] = np.minimum(
                np.maximum(
                    feedback[f"{window}_{kind}_sum"], n_given * (1 if kind == "csat" else 0)
                ),
                n_given * top,
            )
    return Facts(
        now=NOW,
        ids=np.arange(1, n + 1, dtype=np.int64),
        names=[f"Account {i}" for i in range(n)],
        owner_id=np.full(n, -1, dtype=np.int64),
        has_parent=np.array(col("has_parent"), dtype=bool),
        subsidiaries=np.array(col("subsidiaries"), dtype=np.int32),
        annual_revenue=_f(col("annual_revenue")),
        employees=_f(col("employees")),
        relationship_stage=_f(col("relationship_stage")),
        financial_health=_f(col("financial_health")),
        industry_influence=_f(col("industry_influence")),
        category_spend=_f(col("category_spend")),
        cost_to_serve=_f(col("cost_to_serve")),
        gross_margin=_f(col("gross_margin")),
        cadence_override=_f(col("cadence_override")),
        customer_days=_f(col("customer_days")),
        tier_override=col("tier_override"),
        tier_override_reason=["a reason" if t else None for t in col("tier_override")],
        revenue_12m=r12,
        revenue_prev_12m=_f(col("revenue_prev_12m")),
        revenue_6m=r12 * _f(col("revenue_6m_share")),
        revenue_prev_6m=_f(col("revenue_prev_6m")),
        costed_revenue_12m=costed,
        deal_cost_12m=costed * _f(col("cost_rate")),
        days_since_contact=_f(col("days_since_contact")),
        contact_weeks=np.array(col("contact_weeks"), dtype=np.uint64),
        interactions_52w=_f(col("interactions_52w")),
        deals_won_24m=_f(col("deals_won_24m")),
        deals_lost_24m=_f(col("deals_lost_24m")),
        contacts=np.array(col("contacts"), dtype=np.int32),
        decision_makers=np.array(col("decision_makers"), dtype=np.int32),
        feedback=feedback,
        commitments_due=due,
        commitments_kept=np.floor(due * _f(col("commitments_kept_share"))).astype(np.int32),
        commitments_overdue=np.array(col("commitments_overdue"), dtype=np.int32),
        notices_untold=np.array(col("notices_untold"), dtype=np.int32),
        notices_overdue=np.zeros(n, dtype=np.int32),
        previous_at=[None if a["previous_health"] is None else NOW for a in accounts],
        previous_health=_f(col("previous_health")),
        previous_points=np.where(
            np.isnan(_f(col("previous_health")))[:, None],
            np.nan,
            np.full((n, len(HealthWeights.model_fields)), 10.0),
        ),
        previous_factors=tuple(HealthWeights.model_fields),
    )


@settings(max_examples=examples(150), deadline=None)
@given(portfolios)
def test_every_breakdown_sums_to_its_score_and_every_score_is_within_0_to_100(
    accounts: list[dict[str, Any]],
) -> None:
    scored = score_portfolio(facts_of(accounts), CONFIG)
    for result in scored.accounts():
        for name, part in result.breakdown.scores:
            value = getattr(result, name)
            assert 0 <= value <= 100 and not math.isnan(value)
            total = sum(Decimal(str(row.points)) for row in part.criteria)
            assert total == Decimal(str(value)) == Decimal(str(part.score))
            for row in part.criteria:
                assert 0 <= row.normalised <= 1
                assert 0 <= row.points <= row.weight + 0.05
                assert not row.missing or (row.normalised == 0.5 and row.raw is None)
        assert result.band in ("red", "yellow", "green")
        assert result.tier in ("strategic", "key", "growth", "standard")
        trend = result.breakdown.health.trend
        if trend is not None:
            assert trend.direction in ("up", "down", "steady")
    stored = [json.loads(text) for text in snapshot_breakdowns(scored)]
    assert stored == [
        {
            "health": scored.tables["health"].points(i),
            "earned_tier": scored.earned_tier[i],
            **({"over_capacity": held.as_json()} if (held := scored.over_capacity[i]) else {}),
        }
        for i in range(len(accounts))
    ]


@settings(max_examples=examples(150), deadline=None)
@given(portfolios, st.data())
def test_more_won_revenue_never_lowers_attractiveness(
    accounts: list[dict[str, Any]], data: st.DataObject
) -> None:
    facts = facts_of(accounts)
    i = data.draw(st.integers(0, len(accounts) - 1))
    extra = data.draw(st.floats(0.01, 1e8, allow_nan=False))
    richer = replace(
        facts,
        revenue_12m=facts.revenue_12m + extra * (np.arange(len(accounts)) == i),
        revenue_6m=facts.revenue_6m + extra * (np.arange(len(accounts)) == i),
    )
    before = score_portfolio(facts, CONFIG).tables["attractiveness"].score[i]
    after = score_portfolio(richer, CONFIG).tables["attractiveness"].score[i]
    assert after >= before


@settings(max_examples=examples(60), deadline=None)
@given(account)
def test_a_portfolio_of_one_scores_without_surprises(one: dict[str, Any]) -> None:
    scored: ScoredPortfolio = score_portfolio(facts_of([one]), CONFIG)
    (result,) = scored.accounts()
    assert result.breakdown.tier.rank == 1
    for name in SCORES:
        assert 0 <= getattr(result, name) <= 100


@settings(max_examples=examples(100), deadline=None)
@given(portfolios)
def test_an_accounts_weights_worked_out_alone_equal_the_whole_portfolios(
    accounts: list[dict[str, Any]],
) -> None:
    """The weights an explanation shows are worked out for its row alone; they are the
    ones every row's points were weighed with, to the last bit."""
    scored = score_portfolio(facts_of(accounts), CONFIG)
    for name in SCORES:
        table = scored.tables[name]
        whole = row_weights(table.base_weights, table.missing, table.fed_from_data)
        assert np.allclose(whole.sum(axis=1), table.base_weights.sum())
        for i in range(len(accounts)):
            assert table.weights_of(i).tolist() == whole[i].tolist()
            expected = allocate_tenths(table.normalised[i : i + 1] * whole[i] * 10.0)[0]
            assert table.tenths[i].tolist() == expected.tolist()


def test_rows_without_contacts_share_out_missing_weights_in_their_explanation() -> None:
    sparse = {
        **{k: None for k in ("annual_revenue", "relationship_stage", "financial_health")},
        **{k: None for k in ("industry_influence", "category_spend", "cost_to_serve")},
        **{k: None for k in ("gross_margin", "cadence_override", "customer_days")},
        **{k: None for k in ("employees", "tier_override", "days_since_contact")},
        "previous_health": None,
        "revenue_12m": 10.0,
        "revenue_prev_12m": 5.0,
        "revenue_6m_share": 0.5,
        "revenue_prev_6m": 2.0,
        "costed_share": 0.0,
        "cost_rate": 0.0,
        "contact_weeks": 3,
        "interactions_52w": 4,
        "deals_won_24m": 1,
        "deals_lost_24m": 1,
        "contacts": 0,
        "decision_makers": 0,
        "feedback": [0] * 14,
        "commitments_due": 0,
        "commitments_kept_share": 0.0,
        "commitments_overdue": 0,
        "notices_untold": 0,
        "subsidiaries": 0,
        "has_parent": False,
    }
    scored = score_portfolio(facts_of([sparse, {**sparse, "contacts": 2}]), CONFIG)
    table = scored.tables["relationship"]
    shared_out, as_configured = table.weights_of(0), table.weights_of(1)
    assert as_configured.tolist() == table.base_weights.tolist()
    assert shared_out.tolist() != as_configured.tolist()
    assert (shared_out[table.missing[0]] == 0).all()
    assert shared_out.sum() == pytest.approx(100.0)
