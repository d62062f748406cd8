"""The synthetic portfolio: the same seed gives the same data, and the data look real."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel, func, select

from core import views
from core.db import open_database, session_scope
from core.demo import synthetic
from core.demo.maven import DEMO_MARKER
from core.errors import KamError
from core.models import (
    Account,
    AuditEvent,
    Commitment,
    Contact,
    Deal,
    Feedback,
    Interaction,
    Notice,
    Order,
    User,
    name_key,
)
from core.views.common import as_aware
from tests.test_cli import kam

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def _load(path: Path, *, accounts: int, seed: int, now: datetime = NOW) -> Engine:
    engine = open_database(f"sqlite:///{path}", create=True)
    with session_scope(engine) as session:
        synthetic.load_synthetic(session=session, accounts=accounts, seed=seed, now=now)
    return engine


def _dump(engine: Engine) -> str:
    """A fingerprint of every table's rows in key order (the audit trail without its clock)."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.c if table.name != "audit_events" or c.name != "at"]
            key = list(table.primary_key.columns)
            for row in connection.execute(select(*columns).order_by(*key)):
                digest.update(json.dumps([table.name, *row], default=str).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One mid-sized generated portfolio that the shape tests read."""
    engine = _load(tmp_path_factory.mktemp("synthetic") / "kam.db", accounts=3000, seed=1)
    yield engine
    engine.dispose()


def test_same_seed_and_now_give_identical_data(tmp_path: Path) -> None:
    first = _load(tmp_path / "a.db", accounts=300, seed=11)
    second = _load(tmp_path / "b.db", accounts=300, seed=11)
    other_seed = _load(tmp_path / "c.db", accounts=300, seed=12)
    other_day = _load(tmp_path / "d.db", accounts=300, seed=11, now=NOW + timedelta(days=1))
    try:
        assert _dump(first) == _dump(second)
        assert _dump(first) != _dump(other_seed)
        assert _dump(first) != _dump(other_day)
        with Session(first) as a, Session(other_day) as b:
            names = select(Account.name).order_by(Account.id)
            assert a.exec(names).all() == b.exec(names).all()  # same portfolio, a day later
            latest = select(func.max(Interaction.occurred_at))
            assert b.exec(latest).one() - a.exec(latest).one() == timedelta(days=1)
    finally:
        for engine in (first, second, other_seed, other_day):
            engine.dispose()


def test_team_is_sized_to_the_portfolio(portfolio: Engine) -> None:
    with Session(portfolio) as s:
        users = s.exec(select(User)).all()
    roles = Counter(u.role for u in users)
    assert roles["admin"] == 1
    assert 3000 / 300 <= roles["am"] <= 3000 / 150
    per_manager = Counter(u.manager_id for u in users if u.role == "am")
    managers = {u.id for u in users if u.role == "manager"}
    assert set(per_manager) == managers
    assert all(6 <= n <= 10 for n in per_manager.values())
    assert len({u.email for u in users}) == len(users)
    for u in users:
        ZoneInfo(u.timezone)  # a real IANA zone
    assert len({u.timezone for u in users}) > 1 or len(users) < 5


def test_accounts_have_unique_company_names_and_credible_facts(portfolio: Engine) -> None:
    with Session(portfolio) as s:
        accounts = s.exec(select(Account)).all()
    assert len(accounts) == 3000
    assert len({name_key(a.name) for a in accounts}) == 3000
    with_numeral = [a for a in accounts if any(ch.isdigit() for ch in a.name)]
    assert len(with_numeral) < 30  # a numeral only where a name was taken
    assert len({a.sector for a in accounts}) >= 10 and len({a.country for a in accounts}) >= 5
    for a in accounts:
        assert a.owner_id is not None
        assert a.relationship_stage in range(1, 6)
        assert a.financial_health in range(1, 6) and a.industry_influence in range(1, 6)
        assert a.employees and a.employees > 0 and a.annual_revenue and a.annual_revenue > 0
        assert a.founded_year and a.founded_year <= TODAY.year
        assert a.category_spend is not None and a.cost_to_serve is not None
        assert a.gross_margin is not None and 0 < a.gross_margin < 1
        if a.customer_since is not None:
            assert a.customer_since < TODAY and a.founded_year <= a.customer_since.year
    subsidiaries = [a for a in accounts if a.parent_id is not None]
    assert 0.01 * 3000 < len(subsidiaries) < 0.1 * 3000
    by_id = {a.id: a for a in accounts}
    assert all(by_id[a.parent_id].parent_id is None for a in subsidiaries)
    assert sum(
        name_key(a.name).startswith(name_key(by_id[a.parent_id].name).split()[0])
        for a in subsidiaries
    ) == len(subsidiaries)  # a group shares its name
    overrides = [a for a in accounts if a.tier_override]
    assert overrides and all(a.tier_override_reason for a in overrides)
    assert any(a.checkin_cadence_days for a in accounts)


def test_revenue_is_heavy_tailed_and_is_the_won_deals(portfolio: Engine) -> None:
    with Session(portfolio) as s:
        rows = views.list_accounts(session=s, now=NOW)
        spend = dict(s.exec(select(Account.id, Account.category_spend)).all())
        won_total = s.exec(
            select(Deal.account_id, func.sum(Deal.amount))
            .where(Deal.stage == "won")
            .group_by(Deal.account_id)
        ).all()
    revenue = sorted((r.revenue_12m for r in rows), reverse=True)
    total = sum(revenue)
    assert sum(revenue[:30]) / total > 0.2  # the top 1% hold a large share
    assert sum(revenue[:600]) / total > 0.6  # and the top 20% most of it
    assert revenue[0] > 50 * revenue[len(revenue) // 2]
    for r in rows:
        assert spend[r.id] >= r.revenue_12m * 0.9  # category spend covers what we sell
    assert len(won_total) > 0.85 * 3000


def test_every_account_has_one_to_eight_contacts_with_sparse_personal_facts(
    portfolio: Engine,
) -> None:
    with Session(portfolio) as s:
        contacts = s.exec(select(Contact)).all()
    per_account = Counter(c.account_id for c in contacts)
    assert len(per_account) == 3000
    assert min(per_account.values()) == 1 and max(per_account.values()) == 8
    deciders = Counter(c.account_id for c in contacts if c.decision_maker)
    assert len(deciders) == 3000
    for fact in ("hometown", "interests", "favourite_team", "family", "birthday", "notes"):
        share = sum(getattr(c, fact) is not None for c in contacts) / len(contacts)
        assert 0.05 < share < 0.5, fact


def test_history_is_uneven_and_never_in_the_future(portfolio: Engine) -> None:
    with Session(portfolio) as s:
        last = dict(
            s.exec(
                select(Interaction.account_id, func.max(Interaction.occurred_at)).group_by(
                    Interaction.account_id
                )
            ).all()
        )
        kinds = Counter(s.exec(select(Interaction.kind)).all())
        deals = Counter(s.exec(select(Deal.stage)).all())
        latest_close = s.exec(select(func.max(Deal.closed_on))).one()
        open_closed = s.exec(
            select(func.count()).where(Deal.stage == "open", Deal.closed_on.is_not(None))  # type: ignore[union-attr]
        ).one()
        commitments = s.exec(select(Commitment)).all()
        notices = s.exec(select(Notice)).all()
        orders = Counter(s.exec(select(Order.status)).all())
        feedback = s.exec(select(Feedback)).all()
        newest_feedback = s.exec(select(func.max(Feedback.at))).one()
    assert len(last) == 3000
    ages = [(NOW - as_aware(t)).days for t in last.values()]  # type: ignore[operator]
    assert min(ages) >= 0
    assert 0.05 < sum(age > 90 for age in ages) / len(ages) < 0.35  # some overdue
    assert sum(age <= 30 for age in ages) / len(ages) > 0.3  # many recent
    assert set(kinds) == {
        "call",
        "meeting",
        "visit",
        "email",
        "message",
        "note",
        "review",
        "thank_you",
    }
    assert deals["won"] > deals["lost"] > deals["open"] > 0 and open_closed == 0
    assert latest_close is not None and latest_close < TODAY
    overdue = [c for c in commitments if c.done_at is None and c.due_on < TODAY]
    kept = [c for c in commitments if c.done_at is not None]
    ahead = [c for c in commitments if c.due_on >= TODAY]
    assert overdue and kept and ahead and len(kept) > len(overdue)
    untold = [n for n in notices if n.communicated_at is None]
    assert untold and len(untold) < len(notices)
    assert any(n.must_tell_by < TODAY for n in untold)  # late bad news exists
    assert orders["completed"] > orders["problem"] > 0
    assert newest_feedback is not None and as_aware(newest_feedback) <= NOW
    assert all(f.csat is not None or f.nps is not None or f.expectation for f in feedback)


def _indexes(engine: Engine) -> dict[str, list[tuple[str, tuple[str, ...], bool]]]:
    inspector = inspect(engine)
    return {
        table: sorted(
            (i["name"] or "", tuple(c or "" for c in i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
        )
        for table in inspector.get_table_names()
    }


def test_loads_on_both_backends_and_refuses_a_non_empty_database(
    session: Session, engine: Engine
) -> None:
    before = _indexes(engine)
    summary = synthetic.load_synthetic(session=session, accounts=150, seed=5, now=NOW)
    session.commit()
    assert _indexes(engine) == before  # indexes set aside for the load are all back
    assert summary.accounts == 150
    counted = {
        "users": User,
        "contacts": Contact,
        "interactions": Interaction,
        "deals": Deal,
        "orders": Order,
        "commitments": Commitment,
        "notices": Notice,
        "feedback": Feedback,
    }
    for field, model in counted.items():
        assert session.exec(select(func.count()).select_from(model)).one() == getattr(
            summary, field
        ), field
    marker = session.exec(select(AuditEvent).where(AuditEvent.action == DEMO_MARKER)).one()
    assert marker.after is not None and marker.after["accounts"] == 150
    biggest = max(views.list_accounts(session=session, now=NOW), key=lambda r: r.revenue_12m)
    card = views.account_card(session.get(Account, biggest.id), session=session, now=NOW)  # type: ignore[arg-type]
    assert card.contacts and card.interactions and card.revenue_12m > 0

    with pytest.raises(KamError, match="empty one"):
        synthetic.load_synthetic(session=session, accounts=10, seed=6, now=NOW)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Account)).one() == 150


def test_at_least_one_account_is_asked_for(session: Session) -> None:
    with pytest.raises(KamError, match="at least one account"):
        synthetic.load_synthetic(session=session, accounts=0, seed=1, now=NOW)


def test_kam_demo_synthetic_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/kam.db"
    code, out, err = kam(
        capsys, "demo", "--synthetic", "--accounts", "200", "--seed", "3", "--db", url
    )
    assert code == 0, err
    assert "200 accounts" in out and "contacts" in out and "interactions" in out
    code, out, _ = kam(capsys, "accounts", "--json", "--db", url)
    listed = json.loads(out)
    assert code == 0 and len(listed) == 200
    code, out, _ = kam(capsys, "show", listed[0]["name"].lower(), "--json", "--db", url)
    assert code == 0 and json.loads(out)["name"] == listed[0]["name"]

    code, out, _ = kam(capsys, "demo", "--synthetic", "--accounts", "50", "--db", url)
    assert code == 0 and "already loaded (200 accounts)" in out
    code, out, _ = kam(
        capsys,
        "demo",
        "--synthetic",
        "--accounts",
        "50",
        "--seed",
        "3",
        "--reset",
        "--yes",
        "--db",
        url,
    )
    assert code == 0 and "50 accounts" in out
    code, out, _ = kam(capsys, "accounts", "--json", "--db", url)
    assert len(json.loads(out)) == 50
