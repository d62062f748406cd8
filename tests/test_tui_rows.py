"""The portfolio table's rows, read on SQLite and PostgreSQL, against what kam stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import col

from core.db import session_scope
from core.demo.synthetic import load_synthetic
from core.models import Deal, InteractionCreate, ScoreSnapshot
from core.scoring import facts, rescore
from core.scoring.trend import HealthChange
from core.services.interactions import log_interaction
from tests import factories
from tests.factories import SYSTEM
from tui.service import PortfolioService

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def snapshot(
    account_id: int | None, at: datetime, health: float, tier: str = "key"
) -> ScoreSnapshot:
    return ScoreSnapshot(
        account_id=account_id,
        at=at,
        attractiveness=60.0,
        relationship=40.0,
        health=health,
        tier=tier,
        quadrant="develop",
        breakdown={},
    )


def test_rows_hold_revenue_contact_scores_and_trend(engine: Engine) -> None:
    with session_scope(engine) as session:
        anna = factories.user(session, "anna@example.com")
        acme = factories.account(session, "Acme", owner_id=anna.id, checkin_cadence_days=20)
        beta = factories.account(session, "Beta")
        late = factories.account(session, "Latecomer")
        session.add(
            Deal(
                account_id=acme.id,
                stage="won",
                amount=1000.0,
                closed_on=(NOW - timedelta(days=10)).date(),
            )
        )
        session.add(
            Deal(
                account_id=acme.id,
                stage="won",
                amount=500.0,
                closed_on=(NOW - timedelta(days=400)).date(),
            )
        )
        session.add(Deal(account_id=acme.id, stage="open", amount=9.0))
        for summary, ago in (("Call", timedelta(days=3, hours=6)), ("Older", timedelta(days=30))):
            call = InteractionCreate(summary=summary, occurred_at=NOW - ago)
            log_interaction(acme, call, session=session, actor=SYSTEM)
        ids = {a.name: a.id for a in (acme, beta, late)}
    with session_scope(engine) as session:
        rescore(session=session, now=NOW - timedelta(days=7))
    with session_scope(engine) as session:
        rescore(session=session, now=NOW)
        # stored by hand: Beta scored again later on its own, Latecomer only once, long ago
        session.add(snapshot(ids["Beta"], NOW + timedelta(hours=1), 10.0, tier="strategic"))
    with session_scope(engine) as session:
        stored = col(ScoreSnapshot.account_id) == ids["Latecomer"]
        session.execute(delete(ScoreSnapshot).where(stored))
        session.add(snapshot(ids["Latecomer"], NOW - timedelta(days=30), 55.0))
        session.add(snapshot(ids["Latecomer"], NOW - timedelta(days=60), 70.0))

    service = PortfolioService(engine, clock=lambda: NOW)
    rows = {r.name: r for r in service.load_index().rows}

    acme_row = rows["Acme"]
    assert acme_row.revenue_12m == 1000.0
    assert acme_row.owner == "anna"
    assert acme_row.last_contact is not None
    assert abs((acme_row.last_contact - (NOW - timedelta(days=3, hours=6))).total_seconds()) < 1
    assert acme_row.next_due is not None
    assert abs((acme_row.next_due - acme_row.last_contact) - timedelta(days=20)) < timedelta(
        seconds=1
    )
    assert acme_row.health is not None and acme_row.band == service.config.band(acme_row.health)
    assert acme_row.trend is not None  # two runs: the arrow has something to compare with

    beta_row = rows["Beta"]  # its newest snapshot is the later one, not the run's
    assert beta_row.tier == "strategic" and beta_row.health == 10.0
    assert beta_row.last_contact is None and beta_row.revenue_12m == 0.0
    assert beta_row.trend is not None

    late_row = rows["Latecomer"]  # left out of both runs: its own two snapshots
    assert late_row.health == 55.0 and late_row.trend == HealthChange(-15.0, "down")
    assert late_row.tier == "key"

    only = service.load_index([ids["Acme"]]).rows
    assert [r.name for r in only] == ["Acme"] and only[0].revenue_12m == 1000.0


def test_rows_before_any_scoring(engine: Engine) -> None:
    with session_scope(engine) as session:
        factories.account(session, "Acme", tier_override="key", tier_override_reason="Group deal")
        factories.account(session, "Beta")
    rows = {r.name: r for r in PortfolioService(engine, clock=lambda: NOW).load_index().rows}
    assert rows["Acme"].tier == "key" and rows["Beta"].tier == "standard"
    assert rows["Beta"].health is None and rows["Beta"].band is None and rows["Beta"].trend is None


def test_rows_read_in_small_chunks_equal_rows_read_at_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=120, seed=9, now=NOW - timedelta(days=2))
    for days in (2, 1):
        with session_scope(engine) as session:
            rescore(session=session, now=NOW - timedelta(days=days))
    with session_scope(engine) as session:  # one account left out of the newest run
        session.execute(delete(ScoreSnapshot).where(col(ScoreSnapshot.id) == 200))
    service = PortfolioService(engine, clock=lambda: NOW)
    whole = sorted(service.load_index().rows, key=lambda r: r.id)
    monkeypatch.setattr(facts, "FETCH", 7)
    assert sorted(service.load_index().rows, key=lambda r: r.id) == whole
    assert len(whole) == 120 and all(r.tier for r in whole)
    assert sum(1 for r in whole if r.trend is not None) >= 119
