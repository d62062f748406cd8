"""Rescoring reads and writes in chunks: where the chunks end changes no answer."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import Session

from core.demo.synthetic import load_synthetic
from core.scoring import facts, load_config, rescore, snapshots
from core.scoring.facts import Facts, load_facts
from core.scoring.scored import SCORES, score_portfolio

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
CONFIG = load_config()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _snapshots(session: Session, at: datetime) -> list[tuple[Any, ...]]:
    rows = session.execute(
        text(
            "SELECT account_id, attractiveness, relationship, health, tier, quadrant, breakdown "
            "FROM score_snapshots WHERE at = (SELECT MAX(at) FROM score_snapshots) "
            "ORDER BY account_id"
        )
    ).all()
    return [tuple(row) for row in rows]


@pytest.fixture
def scored_twice(session: Session) -> Session:
    """300 generated accounts scored twice, so the facts hold a previous run."""
    load_synthetic(session=session, accounts=300, seed=4, now=NOW - timedelta(days=1))
    rescore(session=session, now=NOW - timedelta(days=1), config=CONFIG)
    rescore(session=session, now=NOW, config=CONFIG)
    return session


def test_facts_read_in_small_chunks_equal_facts_read_at_once(
    scored_twice: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = NOW + timedelta(days=1)
    whole = load_facts(session=scored_twice, now=later, config=CONFIG)
    monkeypatch.setattr(facts, "FETCH", 7)
    chunked = load_facts(session=scored_twice, now=later, config=CONFIG)
    assert whole.size == 300
    assert not np.isnan(whole.previous_points).any() and whole.previous_points.shape[0] == 300
    for f in fields(Facts):
        assert _same(getattr(whole, f.name), getattr(chunked, f.name)), f.name
    a, b = score_portfolio(whole, CONFIG), score_portfolio(chunked, CONFIG)
    for name in SCORES:
        assert np.array_equal(a.score(name), b.score(name))
    assert (a.tier, a.quadrant, a.band) == (b.tier, b.quadrant, b.band)


def test_snapshots_written_in_small_chunks_equal_snapshots_written_at_once(
    scored_twice: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = NOW + timedelta(days=1)
    rescore(session=scored_twice, now=later, config=CONFIG)
    whole = _snapshots(scored_twice, later)
    monkeypatch.setattr(snapshots, "STORE_CHUNK", 13)
    rescore(session=scored_twice, now=later, config=CONFIG)  # replaces that moment's snapshots
    assert _snapshots(scored_twice, later) == whole
    assert len(whole) == 300
