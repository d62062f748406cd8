"""What an account is worth: margin, wallet, share of wallet, CLV, over-service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.scoring.config import ScoringConfig
from core.scoring.facts import Facts

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def margin_rate(facts: Facts, config: ScoringConfig) -> FloatArray:
    """The account's gross margin as a share of revenue (a value above 1 is read as a percent)."""
    gm = facts.gross_margin
    with np.errstate(invalid="ignore"):
        rate = np.where(gm > 1, gm / 100.0, gm)
        rate = np.clip(rate, 0.0, 1.0)
    return np.where(np.isnan(rate), config.value.default_margin, rate)


def margin_12m(facts: Facts, config: ScoringConfig) -> tuple[FloatArray, BoolArray]:
    """Gross margin over 12 months, and whether anything about it is known rather than assumed.

    Deals with a recorded cost count their real margin; the rest of the revenue
    earns the account's gross margin, or the configured default.
    """
    uncosted = np.maximum(facts.revenue_12m - facts.costed_revenue_12m, 0.0)
    margin = facts.costed_revenue_12m - facts.deal_cost_12m + uncosted * margin_rate(facts, config)
    known = ~np.isnan(facts.gross_margin) | (facts.costed_revenue_12m > 0)
    return margin, known


def contribution_12m(facts: Facts, config: ScoringConfig) -> tuple[FloatArray, BoolArray]:
    """Margin minus cost to serve; known when margin or cost to serve is."""
    margin, known = margin_12m(facts, config)
    cost = np.nan_to_num(facts.cost_to_serve, nan=0.0)
    return margin - cost, known | ~np.isnan(facts.cost_to_serve)


def wallet(facts: Facts) -> FloatArray:
    """The customer's spend in our category (never less than what it buys from us); NaN unknown."""
    return np.where(
        np.isnan(facts.category_spend),
        np.nan,
        np.fmax(facts.category_spend, facts.revenue_12m),
    )


def share_of_wallet(facts: Facts) -> FloatArray:
    """Our revenue over 12 months / the customer's category spend; NaN when unknown."""
    spend = wallet(facts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spend > 0, facts.revenue_12m / spend, np.nan)


@dataclass(frozen=True)
class Retention:
    """The share of last year's buying customers who bought again this year."""

    rate: float
    observed: bool
    basis: int  # accounts that bought in the previous 12 months


def retention(facts: Facts, config: ScoringConfig) -> Retention:
    """Observed retention, capped so that CLV stays finite; the default without history."""
    before = facts.revenue_prev_12m > 0
    basis = int(before.sum())
    if basis == 0:
        return Retention(config.value.default_retention, observed=False, basis=0)
    kept = float((before & (facts.revenue_12m > 0)).sum()) / basis
    return Retention(min(kept, config.value.max_retention), observed=True, basis=basis)


def clv(contribution: FloatArray, kept: Retention, config: ScoringConfig) -> FloatArray:
    """Customer lifetime value m·r/(1+d−r) on the annual contribution m."""
    r, d = kept.rate, config.value.discount_rate
    return contribution * r / (1.0 + d - r)
