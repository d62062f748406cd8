"""The demo portfolio is the real CRM dataset, faithfully loaded."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest
from dateutil.relativedelta import relativedelta
from sqlmodel import Session, func, select

from core.demo import maven
from core.models import Account, Deal, Interaction, User
from core.transfer.maven import months_to_before

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _csv(name: str) -> list[dict[str, str]]:
    with (maven.data_dir() / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_demo_loads_every_record_with_revenue_equal_to_the_files(session: Session) -> None:
    summary = maven.load_maven(session=session, now=NOW)
    session.commit()
    pipeline = _csv("sales_pipeline.csv")
    assert summary.accounts == 85 and summary.deals == 8800 and summary.users == 41
    assert session.exec(select(func.count()).select_from(Account)).one() == 85
    assert session.exec(select(func.count()).select_from(Deal)).one() == 8800
    stages = Counter(session.exec(select(Deal.stage)).all())
    assert stages == {"won": 4238, "lost": 2473, "open": 2089}
    assert (
        session.exec(
            select(func.count()).select_from(Deal).where(Deal.account_id.is_(None))  # type: ignore[union-attr]
        ).one()
        == 1425
    )

    expected: defaultdict[str, float] = defaultdict(float)
    for row in pipeline:
        if row["deal_stage"] == "Won":
            expected[row["account"]] += float(row["close_value"])
    won = session.exec(
        select(Account.name, func.sum(Deal.amount))
        .join(Deal, Deal.account_id == Account.id)
        .where(Deal.stage == "won")
        .group_by(Account.name)
    ).all()
    assert dict(won) == dict(expected)
    assert dict(won)["Kan-code"] == max(expected.values())


def test_demo_dates_move_by_whole_months_and_quirks_are_fixed_in_code(session: Session) -> None:
    """Every raw month becomes one whole month; the last is the last complete one before today."""
    summary = maven.load_maven(session=session, now=NOW)
    session.commit()
    closes = [d for d in session.exec(select(Deal.closed_on)).all() if d is not None]
    assert max(closes) == date(2026, 10, 31)  # 2017-12-31; 2026-11-30 would be after NOW
    assert min(closes) == date(2026, 1, 1)  # 2017-03-01: the first month stays complete
    assert summary.shift_months == 12 * 9 - 2
    raw: Counter[str] = Counter()
    for row in _csv("sales_pipeline.csv"):
        if row["close_date"]:
            raw[row["close_date"][:7]] += 1
    moved = Counter(d.strftime("%Y-%m") for d in closes)
    assert sorted(moved.values()) == sorted(raw.values()) and len(moved) == len(raw) == 10
    sectors = set(session.exec(select(Account.sector)).all())
    assert "technolgy" not in sectors and "technology" in sectors
    assert "Philipines" not in set(session.exec(select(Account.country)).all())
    products = set(session.exec(select(Deal.product)).all())
    assert "GTXPro" not in products and "GTX Pro" in products


@pytest.mark.parametrize(
    ("today", "last"),
    [
        (date(2026, 12, 1), date(2026, 11, 30)),  # the 1st: the last close is yesterday
        (date(2026, 11, 30), date(2026, 10, 31)),
        (date(2027, 3, 15), date(2027, 2, 28)),  # a shorter month ends on its own last day
    ],
)
def test_the_last_close_lands_on_the_last_day_before_today_that_whole_months_reach(
    today: date, last: date
) -> None:
    months = months_to_before(date(2017, 12, 31), today)
    assert date(2017, 12, 31) + relativedelta(months=months) == last


def test_owners_are_the_agents_with_most_won_value(session: Session) -> None:
    maven.load_maven(session=session, now=NOW)
    session.commit()
    totals: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for row in _csv("sales_pipeline.csv"):
        if row["deal_stage"] == "Won":
            totals[row["account"]][row["sales_agent"]] += int(row["close_value"])
    owners = dict(
        session.exec(select(Account.name, User.name).join(User, User.id == Account.owner_id)).all()
    )
    for account, by_agent in totals.items():
        best = max(by_agent.values())
        assert by_agent[owners[account]] == best
    managers = session.exec(select(func.count()).select_from(User).where(User.role == "manager"))
    assert managers.one() == 6
    subsidiaries = session.exec(
        select(func.count()).select_from(Account).where(Account.parent_id.is_not(None))  # type: ignore[union-attr]
    ).one()
    assert subsidiaries == 15


def test_engagements_and_closes_become_interactions(session: Session) -> None:
    summary = maven.load_maven(session=session, now=NOW)
    session.commit()
    rows = [r for r in _csv("sales_pipeline.csv") if r["account"]]
    expected = sum(bool(r["engage_date"]) for r in rows) + sum(bool(r["close_date"]) for r in rows)
    assert summary.interactions == expected
    assert session.exec(select(func.count()).select_from(Interaction)).one() == expected
