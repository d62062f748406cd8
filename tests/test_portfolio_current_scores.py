"""The portfolio table reads each account's scores from what scoring keeps
(``current_tiers``, :mod:`core.tier_runs`); here every field of its columns is
compared with what the straightforward reads give (each account's snapshots, deals
and interactions, one by one), on a portfolio scored several times: nightly runs, a
rescore of an earlier moment, snapshots written one at a time, an account left out
of the newest run, one never scored, and a tier set by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.clock import as_utc
from core.db import session_scope
from core.demo.synthetic import load_synthetic
from core.models import Account, CurrentTier, Deal, Interaction, ScoreSnapshot
from core.scoring import load_config, rescore
from core.scoring.revenue import last_12_months
from core.scoring.trend import HealthChange, health_trend
from core.views.portfolio_rows import PortfolioRow, load_columns
from tests import factories
from tests.test_tui_rows import snapshot

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CONFIG = load_config()


def history(session: Session) -> dict[int, list[ScoreSnapshot]]:
    """Each account's snapshots, newest first."""
    snapshots: dict[int, list[ScoreSnapshot]] = {}
    for snap in session.exec(select(ScoreSnapshot).order_by(col(ScoreSnapshot.at).desc())):
        snapshots.setdefault(snap.account_id, []).append(snap)
    return snapshots


def assert_kept_as_the_history_says(session: Session) -> None:
    """``current_tiers`` holds each account's newest snapshot and the health before it."""
    kept = {c.account_id: c for c in session.exec(select(CurrentTier))}
    snapshots = history(session)
    assert set(kept) == set(snapshots)
    for account_id, (newest, *older) in snapshots.items():
        c = kept[account_id]
        assert (c.tier, as_utc(c.at), c.health, c.attractiveness, c.relationship) == (
            newest.tier,
            as_utc(newest.at),
            newest.health,
            newest.attractiveness,
            newest.relationship,
        )
        assert c.quadrant == newest.quadrant
        assert c.previous_health == (older[0].health if older else None)


def expected_rows(session: Session, now: datetime) -> dict[int, PortfolioRow]:
    """Every account's row from its own snapshots, deals and interactions."""
    snapshots = history(session)
    window = last_12_months(now)
    rows = {}
    for account in session.exec(select(Account)):
        assert account.id is not None
        newest, *older = snapshots.get(account.id) or [None]
        revenue = sum(
            d.amount or 0.0
            for d in session.exec(select(Deal).where(col(Deal.account_id) == account.id))
            if d.stage == "won" and window.contains(d.closed_on)
        )
        moments = [
            as_utc(i.occurred_at)
            for i in session.exec(
                select(Interaction).where(col(Interaction.account_id) == account.id)
            )
        ]
        tier = account.tier_override or (newest.tier if newest else "standard")
        last = max(moments) if moments else None
        cadence = account.checkin_cadence_days or CONFIG.cadence_days(tier)
        rows[account.id] = PortfolioRow(
            id=account.id,
            name=account.name,
            sector=account.sector or "",
            owner="",  # compared apart
            owner_id=account.owner_id,
            tier=str(tier),
            quadrant=str(newest.quadrant) if newest else None,
            attractiveness=newest.attractiveness if newest else None,
            relationship=newest.relationship if newest else None,
            health=newest.health if newest else None,
            band=CONFIG.band(newest.health) if newest else None,
            trend=health_trend(newest.health, older[0].health, CONFIG)
            if newest and older
            else None,
            revenue_12m=revenue,
            last_contact=last,
            next_due=last + timedelta(days=cadence) if last else None,
        )
    return rows


def assert_columns_as_read_one_by_one(engine: Engine, now: datetime) -> int:
    """Every field of the table's columns against :func:`expected_rows`; how many
    accounts have a trend."""
    with session_scope(engine) as session:
        assert_kept_as_the_history_says(session)
        columns = load_columns(session=session, now=now, config=CONFIG)
        expected = expected_rows(session, now)
        some = sorted(expected)[::7]
        page = load_columns(session=session, now=now, config=CONFIG, account_ids=some).rows()
    rows = columns.rows()
    assert [r.id for r in rows] == sorted(expected)
    assert [r.id for r in page] == some
    for row in [*rows, *page]:
        want = expected[row.id]
        for moment in ("last_contact", "next_due"):  # days worked out by the database
            got, wanted = getattr(row, moment), getattr(want, moment)
            assert (got is None) == (wanted is None)
            if got is not None:
                assert abs(got - wanted) < timedelta(milliseconds=1)
                setattr(row, moment, wanted)
        assert row.owner == columns.owners.get(row.owner_id or 0, "")
        row.owner = ""
        assert row.revenue_12m == pytest.approx(want.revenue_12m)
        row.revenue_12m = want.revenue_12m
        assert row == want
    return sum(1 for r in rows if r.trend is not None)


def test_the_columns_equal_the_straightforward_reads_through_every_scoring_path(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=80, seed=11, now=NOW - timedelta(days=6))
    for days in (5, 3):  # nightly runs
        with session_scope(engine) as session:
            rescore(session=session, now=NOW - timedelta(days=days))
    assert assert_columns_as_read_one_by_one(engine, NOW) == 80
    with session_scope(engine) as session:
        first = session.exec(select(Account).order_by(col(Account.id))).first()
        assert first is not None and first.id is not None
        first.tier_override, first.tier_override_reason = "strategic", "Group deal"
        late = factories.account(session, "Latecomer")  # after the runs: left out of them
        assert late.id is not None
        ids = (first.id, late.id)
    with session_scope(engine) as session:  # one at a time, the later first
        session.add(snapshot(ids[1], NOW - timedelta(days=20), 55.0))
    with session_scope(engine) as session:
        session.add(snapshot(ids[1], NOW - timedelta(days=40), 70.0))
    with session_scope(engine) as session:
        (late_row,) = load_columns(
            session=session, now=NOW, config=CONFIG, account_ids=[ids[1]]
        ).rows()
    assert late_row.health == 55.0 and late_row.trend == HealthChange(-15.0, "down")
    assert assert_columns_as_read_one_by_one(engine, NOW) == 81
    with session_scope(engine) as session:  # a rescore of an earlier moment: between runs
        rescore(session=session, now=NOW - timedelta(days=4))
    with session_scope(engine) as session:  # an account scored again on its own, later
        session.add(snapshot(ids[0], NOW - timedelta(days=1), 12.0, tier="key"))
        factories.account(session, "Fresh")  # never scored
    assert assert_columns_as_read_one_by_one(engine, NOW) == 81
    with session_scope(engine) as session:  # the next nightly run, then that moment again
        rescore(session=session, now=NOW - timedelta(days=2))
    with session_scope(engine) as session:
        rescore(session=session, now=NOW - timedelta(days=2))
    assert assert_columns_as_read_one_by_one(engine, NOW) == 81  # Fresh: one snapshot
