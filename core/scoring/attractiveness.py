"""Attractiveness 0–100: how much this customer is worth to us, now and in future.

Weighted criteria (weights in ``ScoringConfig.attractiveness``): our revenue
over 12 months and its growth, the customer's size, its potential (the spend in
our category), profitability (margin minus cost to serve), influence and
financial health. Potential scores the whole wallet rather than the headroom
left in it, so winning more business never makes an account less attractive;
the headroom and share of wallet are shown alongside.
"""

from __future__ import annotations

import numpy as np

from core.scoring.config import ScoringConfig
from core.scoring.criteria import FloatArray, ScoreTable, capped, percentile, score_table
from core.scoring.facts import Facts
from core.scoring.value import contribution_12m, wallet


def growth(facts: Facts) -> FloatArray:
    """Revenue growth, last 12 months on the 12 before; NaN without revenue the year before."""
    prev = facts.revenue_prev_12m
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(prev > 0, (facts.revenue_12m - prev) / prev, np.nan)


def rating(values: FloatArray) -> FloatArray:
    """A 1–5 rating on 0..1."""
    return capped(values, 1.0, 5.0)


def attractiveness(facts: Facts, config: ScoringConfig) -> ScoreTable:
    """Score every account's attractiveness."""
    s = config.scales
    contribution, profit_known = contribution_12m(facts, config)
    reach = facts.subsidiaries + facts.has_parent.astype(np.int64)
    raw: dict[str, FloatArray] = {
        "revenue_12m": facts.revenue_12m,
        "revenue_growth": growth(facts),
        "annual_revenue": facts.annual_revenue,
        "employees": facts.employees,
        "potential": wallet(facts),
        "profitability": np.where(profit_known, contribution, np.nan),
        "industry_influence": facts.industry_influence,
        "group_reach": reach.astype(np.float64),
        "financial_health": facts.financial_health,
    }
    normalised = {
        "revenue_12m": percentile(raw["revenue_12m"]),
        "revenue_growth": capped(raw["revenue_growth"], s.growth_floor, s.growth_cap),
        "annual_revenue": percentile(raw["annual_revenue"]),
        "employees": percentile(raw["employees"]),
        "potential": percentile(raw["potential"]),
        "profitability": percentile(raw["profitability"]),
        "industry_influence": rating(raw["industry_influence"]),
        "group_reach": capped(raw["group_reach"], 0.0, float(s.group_reach_cap)),
        "financial_health": rating(raw["financial_health"]),
    }
    rules = config.attractiveness
    return score_table(rules.criteria(), rules.model_dump(), raw, normalised)
