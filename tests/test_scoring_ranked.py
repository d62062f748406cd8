"""``kam score`` lists the most attractive accounts from the arrays: the same accounts, in
the same order, as sorting a result for every account. ``kam demo``, the nightly job and
the TUI count the tiers from the arrays: the same counts as counting every result."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlmodel import Session

from core.db import open_database
from core.demo.synthetic import load_synthetic
from core.scoring import load_config, scored_portfolio
from core.scoring.config import TIERS
from core.scoring.scored import AccountScore, ScoredPortfolio

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
CONFIG = load_config()


def _every_account_sorted(p: ScoredPortfolio) -> list[AccountScore]:
    results = p.accounts()
    results.sort(key=lambda r: (-r.attractiveness, r.account_name))
    return results


def _listed(results: list[AccountScore]) -> list[tuple[object, ...]]:
    return [
        (r.account_id, r.account_name, r.attractiveness, r.health, r.tier, r.health_change)
        for r in results
    ]


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> ScoredPortfolio:
    """250 generated accounts, scored (nothing stored)."""
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('ranked')}/kam.db", create=True)
    with Session(engine) as session:
        load_synthetic(session=session, accounts=250, seed=3, now=NOW)
        session.flush()
        scored = scored_portfolio(session=session, now=NOW, config=CONFIG)
    engine.dispose()
    return scored


@pytest.mark.parametrize("limit", [None, 0, 1, 7, 30, 249, 250, 251])
def test_the_listed_accounts_are_the_first_of_every_account_sorted(
    portfolio: ScoredPortfolio, limit: int | None
) -> None:
    expected = _every_account_sorted(portfolio)[:limit]
    assert _listed(portfolio.ranked(limit)) == _listed(expected)
    assert len(expected) == min(limit if limit is not None else 250, 250)


@pytest.mark.parametrize("limit", [1, 3, 30, 100])
def test_ties_in_attractiveness_go_by_name_then_by_id_as_before(
    portfolio: ScoredPortfolio, limit: int
) -> None:
    score = portfolio.tables["attractiveness"].score
    kept = score.copy()
    try:
        score[:] = np.round(score / 20.0) * 20.0  # a handful of values, each shared by many
        names = portfolio.facts.names
        saved = list(names)
        names[::3] = ["Same Name"] * len(names[::3])  # and names shared too
        try:
            expected = _every_account_sorted(portfolio)[:limit]
            assert len({r.attractiveness for r in expected}) < limit or limit == 1
            assert _listed(portfolio.ranked(limit)) == _listed(expected)
        finally:
            names[:] = saved
    finally:
        score[:] = kept


def test_the_tier_counts_are_every_result_counted_by_tier(portfolio: ScoredPortfolio) -> None:
    results = portfolio.accounts()
    counted = Counter(r.tier for r in results)
    counts = portfolio.tier_counts()
    assert list(counts) == list(TIERS)  # every tier, strategic first
    assert counts == {tier: counted[tier] for tier in TIERS}
    assert sum(counts.values()) == portfolio.size == len(results) == 250
    assert sum(1 for held in counts.values() if held) >= 3  # a real spread, not one tier


def test_a_tier_set_by_hand_is_counted_as_the_tier_it_sets(portfolio: ScoredPortfolio) -> None:
    i = next(i for i, t in enumerate(portfolio.earned_tier) if t != "strategic")
    before = portfolio.tier_counts()
    was = portfolio.tier[i]
    portfolio.tier[i] = "strategic"  # what an override to strategic makes of it
    try:
        after = portfolio.tier_counts()
        counted = Counter(r.tier for r in portfolio.accounts())
        assert after == {tier: counted[tier] for tier in TIERS}
        assert after["strategic"] == before["strategic"] + 1
        assert after[was] == before[was] - 1
    finally:
        portfolio.tier[i] = was
