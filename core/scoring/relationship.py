"""Relationship strength 0–100: how well we know and serve this customer.

McDonald's stage (exploratory 1 … integrated 5), contact coverage, cadence
kept (the share of check-in periods over the last year in which we were in
touch), satisfaction, commitments kept on time, recency of contact, engagement
(how many interactions the last 52 weeks hold, against the rest of the
portfolio) and win rate (the share of opportunities decided over the last 24
months that we won, against the rest of the portfolio). The last four come
from what any CRM history holds. An account with no contacts recorded (such as
every account of the demo) is scored on what its data does hold: a criterion
with no data (typically the stage, satisfaction and promises kept) is left out
rather than counted as neutral, and its weight goes to the others in proportion.
"""

from __future__ import annotations

import numpy as np

from core.scoring.config import ScoringConfig
from core.scoring.criteria import FloatArray, ScoreTable, capped, percentile, score_table
from core.scoring.facts import WEEKS, Facts

EXPECTATION_SCORE = {"exceeded": 1.0, "met": 0.6, "below": 0.0}


def satisfaction_level(facts: Facts, windows: tuple[str, ...]) -> FloatArray:
    """Satisfaction on 0..1 over the feedback ``windows``: the mean of CSAT, NPS and expectations.

    Each measure is put on 0..1 (CSAT 1–5, NPS 0–10, expectation exceeded 1,
    met 0.6, below 0); the measures that were given are averaged.
    """
    f = facts.feedback

    def total(measure: str) -> FloatArray:
        added = np.zeros(facts.size)
        for w in windows:
            added += f[f"{w}_{measure}"]
        return added

    parts = []
    with np.errstate(invalid="ignore", divide="ignore"):
        csat = (total("csat_sum") / total("csat_n") - 1) / 4
        parts.append(np.where(total("csat_n") > 0, csat, np.nan))
        parts.append(np.where(total("nps_n") > 0, total("nps_sum") / total("nps_n") / 10, np.nan))
        rated = sum((total(e) for e in EXPECTATION_SCORE), np.zeros(facts.size))
        points = sum((total(e) * v for e, v in EXPECTATION_SCORE.items()), np.zeros(facts.size))
        parts.append(np.where(rated > 0, points / np.where(rated > 0, rated, 1), np.nan))
    stacked = np.column_stack(parts)
    given = ~np.isnan(stacked)
    count = given.sum(axis=1)
    return np.where(count > 0, np.nansum(stacked, axis=1) / np.maximum(count, 1), np.nan)


def weeks_per_period(cadence: FloatArray) -> FloatArray:
    """A cadence in whole weeks (at least one), the grain at which contacts are recorded."""
    return np.maximum(np.rint(cadence / 7.0), 1.0)


def cadence_kept(facts: Facts, cadence: FloatArray) -> FloatArray:
    """Share of the check-in periods in the last 52 weeks with at least one contact.

    Periods are the cadence rounded to whole weeks, counted back from this week;
    a customer younger than that is judged on the periods since it became one.
    """
    span = weeks_per_period(cadence)
    periods = np.maximum(np.floor(WEEKS / span), 1.0)
    contacted = np.zeros(facts.size)
    for p in np.unique(span).tolist():
        chosen = span == p
        width = min(int(p), WEEKS)
        block = np.uint64((1 << width) - 1)
        masks = facts.contact_weeks[chosen]
        count = np.zeros(masks.shape[0])
        for k in range(max(WEEKS // width, 1)):
            count += (masks & (block << np.uint64(k * width))) != 0
        contacted[chosen] = count
    age = np.where(np.isnan(facts.customer_days), np.inf, (facts.customer_days + 1) / 7.0)
    expected = np.minimum(periods, np.ceil(age / span))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, np.minimum(contacted / expected, 1.0), np.nan)


def recency(facts: Facts, cadence: FloatArray, config: ScoringConfig) -> FloatArray:
    """1 within the cadence since the last contact, falling to 0 at ``recency_zero_at`` cadences."""
    days = facts.days_since_contact
    zero_at = config.scales.recency_zero_at
    with np.errstate(invalid="ignore"):
        return np.clip(1.0 - (days - cadence) / ((zero_at - 1.0) * cadence), 0.0, 1.0)


def win_rate(facts: Facts) -> FloatArray:
    """Won / (won + lost) over the last 24 months; NaN with nothing decided."""
    decided = facts.deals_won_24m + facts.deals_lost_24m
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(decided > 0, facts.deals_won_24m / np.maximum(decided, 1), np.nan)


def relationship(facts: Facts, cadence: FloatArray, config: ScoringConfig) -> ScoreTable:
    """Score every account's relationship strength, given each account's check-in cadence."""
    s = config.scales
    due = facts.commitments_due.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = np.where(due > 0, facts.commitments_kept / np.maximum(due, 1), np.nan)
    coverage = 0.5 * np.minimum(facts.contacts / s.contacts_target, 1.0) + 0.5 * np.minimum(
        facts.decision_makers / s.decision_makers_target, 1.0
    )
    raw: dict[str, FloatArray] = {
        "relationship_stage": facts.relationship_stage,
        "contact_coverage": facts.contacts.astype(np.float64),
        "cadence_kept": cadence_kept(facts, cadence),
        "satisfaction": satisfaction_level(facts, ("recent", "earlier")),
        "commitments_kept": kept,
        "recency": facts.days_since_contact,
        "engagement": facts.interactions_52w,
        "win_rate": win_rate(facts),
    }
    normalised = {
        "relationship_stage": capped(raw["relationship_stage"], 1.0, 5.0),
        "contact_coverage": coverage,
        "cadence_kept": raw["cadence_kept"],
        "satisfaction": raw["satisfaction"],
        "commitments_kept": kept,
        "recency": recency(facts, cadence, config),
        "engagement": percentile(raw["engagement"]),
        "win_rate": percentile(raw["win_rate"]),
    }
    rules = config.relationship
    no_contacts = facts.contacts == 0
    return score_table(rules.criteria(), rules.model_dump(), raw, normalised, no_contacts)
