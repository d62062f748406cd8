"""An account's plan reads that one account's facts, and shows the numbers the scoring
of the whole portfolio gave.

On a synthetic portfolio scored twice, plans with an objective on every metric kam
measures are read both ways at the moment of the latest scoring: from the account's
own facts (what ``account_plan`` does) and from the whole portfolio scored again (what
it did before). Every objective, every scorecard line and the tier must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.db import session_scope
from core.demo.synthetic import load_synthetic
from core.models import Account, PlanObjective, ScoreSnapshot
from core.scoring import rescore, scored_portfolio
from core.scoring.goals import METRICS, Goals
from core.views import plan

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SCORED = NOW + timedelta(days=7)


@pytest.fixture
def planned(engine: Engine) -> Iterator[tuple[Engine, list[int]]]:
    """400 synthetic accounts scored twice; eight key ones with a target on every metric."""
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=400, seed=5, now=NOW)
    for night in (NOW, SCORED):
        with session_scope(engine) as session:
            rescore(session=session, now=night)
    with session_scope(engine) as session:
        keyed = session.exec(
            select(ScoreSnapshot.account_id)
            .where(ScoreSnapshot.at == SCORED, col(ScoreSnapshot.tier).in_(["strategic", "key"]))
            .order_by(col(ScoreSnapshot.account_id))
            .limit(8)
        ).all()
        for n, account_id in enumerate(keyed):
            for k, metric in enumerate(METRICS):
                due = date(2026, 3 + (n + k) % 9, 1)  # some past, some ahead, so status varies
                session.add(
                    PlanObjective(account_id=account_id, metric=metric, target=k + 0.5, due_on=due)
                )
    yield engine, list(keyed)


def test_a_plan_from_its_own_facts_equals_the_whole_portfolio_scored(
    planned: tuple[Engine, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, keyed = planned
    assert len(keyed) == 8
    with Session(engine) as session:
        accounts = [session.get_one(Account, a) for a in keyed]
        own = [plan.account_plan(a, session=session, now=SCORED) for a in accounts]

        def whole(account: Account, tier: str, *, session: Session, now: datetime) -> Goals:
            return Goals(scored_portfolio(session=session, now=now), session=session)

        monkeypatch.setattr(plan, "_one_account", whole)
        portfolio = [plan.account_plan(a, session=session, now=SCORED) for a in accounts]
    assert own == portfolio
    measured = [o.measure for p in own for o in p.objectives] + [
        m for p in own for m in p.scorecard
    ]
    assert len(measured) == 8 * (len(METRICS) + len(plan.SCORECARD))
    assert len({m.actual for m in measured if m.actual is not None}) > 20  # real figures
    assert {m.status for m in measured} >= {"met", "behind", "missed"}
