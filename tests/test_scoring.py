"""Scoring on real data: the demo portfolio and accounts built through the services.

Every test here runs on SQLite and on PostgreSQL (the ``session`` fixture).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, func, select

from core.demo import maven
from core.errors import KamError
from core.models import (
    Account,
    AccountUpdate,
    AuditEvent,
    CommitmentCreate,
    ContactCreate,
    Deal,
    FeedbackCreate,
    InteractionCreate,
    NoticeCreate,
    ScoreSnapshot,
)
from core.scoring import (
    AccountScore,
    config_from,
    load_config,
    portfolio_figures,
    rescore,
    score_accounts,
)
from core.scoring.forecast import NoForecast, RevenueForecast
from core.services.accounts import find_account, update_account
from core.services.commitments import add_commitment, complete_commitment
from core.services.contacts import add_contact
from core.services.feedback import add_feedback
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from tests import factories

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SYSTEM = factories.SYSTEM


@pytest.fixture
def demo(session: Session) -> Session:
    maven.load_maven(session=session, now=NOW)
    session.commit()
    return session


def won_last_year(session: Session) -> dict[int, float]:
    """Revenue per account summed by hand from the won deals (closed in the last 365 days)."""
    since = (NOW - timedelta(days=365)).date()
    totals: defaultdict[int, float] = defaultdict(float)
    for deal in session.exec(select(Deal)).all():
        if deal.stage == "won" and deal.account_id and deal.closed_on and deal.closed_on > since:
            totals[deal.account_id] += deal.amount or 0.0
    return dict(totals)


def by_name(results: list[AccountScore]) -> dict[str, AccountScore]:
    return {r.account_name: r for r in results}


def assert_adds_up(result: AccountScore) -> None:
    for name, part in result.breakdown.scores:
        points = sum(Decimal(str(row.points)) for row in part.criteria)
        assert points == Decimal(str(part.score)) == Decimal(str(getattr(result, name)))
        assert sum(Decimal(str(row.weight)) for row in part.criteria) == 100


def test_demo_revenue_equals_the_won_deals(demo: Session) -> None:
    expected = won_last_year(demo)
    results = score_accounts(session=demo, now=NOW)
    assert len(results) == 85
    for result in results:
        revenue = result.breakdown.value.revenue_12m
        assert revenue == pytest.approx(expected.get(result.account_id, 0.0), abs=0.01)
    figures = portfolio_figures(session=demo, now=NOW)
    assert figures.concentration.revenue_12m == pytest.approx(sum(expected.values()))


def test_demo_concentration_matches_a_hand_computation(demo: Session) -> None:
    revenue = sorted(won_last_year(demo).values(), reverse=True)
    total = sum(revenue)
    hand_cr = {n: sum(revenue[:n]) / total for n in (1, 5, 10)}
    hand_hhi = sum((100 * r / total) ** 2 for r in revenue)
    c = portfolio_figures(session=demo, now=NOW).concentration
    assert c.cr1 == pytest.approx(hand_cr[1], abs=1e-4)
    assert c.cr5 == pytest.approx(hand_cr[5], abs=1e-4)
    assert c.cr10 == pytest.approx(hand_cr[10], abs=1e-4)
    assert c.hhi == pytest.approx(hand_hhi, abs=0.1)
    assert c.hhi_band == "diversified" and c.flags == ()
    assert c.top[0].account == "Kan-code"


def test_kan_code_the_largest_account_is_strategic_unless_overridden(demo: Session) -> None:
    results = by_name(score_accounts(session=demo, now=NOW))
    kan = results["Kan-code"]
    assert kan.tier == kan.earned_tier == "strategic"
    assert kan.breakdown.tier.rank == 1
    assert_adds_up(kan)

    account = find_account("Kan-code", session=demo)
    update_account(
        account,
        AccountUpdate(tier_override="growth", tier_override_reason="Buying through a reseller now"),
        session=demo,
        actor=SYSTEM,
    )
    kan = by_name(score_accounts(session=demo, now=NOW))["Kan-code"]
    assert (kan.tier, kan.earned_tier) == ("growth", "strategic")
    assert kan.breakdown.tier.override_reason == "Buying through a reseller now"
    assert kan.breakdown.tier.cadence_days == 60


def test_a_hand_raised_tier_on_a_small_account_is_flagged_over_served(demo: Session) -> None:
    smallest = min(score_accounts(session=demo, now=NOW), key=lambda r: r.attractiveness)
    account = demo.get(Account, smallest.account_id)
    assert account is not None
    update_account(
        account,
        AccountUpdate(tier_override="key", tier_override_reason="The CEO's golf partner"),
        session=demo,
        actor=SYSTEM,
    )
    result = score_accounts(session=demo, now=NOW, account_ids=[smallest.account_id])[0]
    assert result.tier == "key" and result.earned_tier == "standard"
    value = result.breakdown.value
    assert value.over_served and "set by hand to key" in value.over_served_reasons[0]
    over = portfolio_figures(session=demo, now=NOW).over_served
    assert over.count == 1 and over.accounts[0].account == smallest.account_name


def test_rescore_stores_one_snapshot_per_account_and_reads_the_trend_next_time(
    demo: Session,
) -> None:
    first = rescore(session=demo, now=NOW)
    demo.commit()
    assert demo.exec(select(func.count()).select_from(ScoreSnapshot)).one() == 85
    assert all(r.health_change is None for r in first)
    again = rescore(session=demo, now=NOW)  # the same moment replaces, never doubles
    demo.commit()
    assert demo.exec(select(func.count()).select_from(ScoreSnapshot)).one() == 85

    kan = find_account("Kan-code", session=demo)
    news = NoticeCreate(what="Price rises 8% in January", must_tell_by=(NOW + timedelta(20)).date())
    add_notice(kan, news, session=demo, actor=SYSTEM)
    promise = CommitmentCreate(what="Send the revised quote", due_on=(NOW - timedelta(3)).date())
    add_commitment(kan, promise, session=demo, actor=SYSTEM)
    demo.commit()
    later = NOW + timedelta(days=30)
    after = by_name(rescore(session=demo, now=later))
    demo.commit()
    assert demo.exec(select(func.count()).select_from(ScoreSnapshot)).one() == 170
    before = by_name(again)["Kan-code"]
    moved = after["Kan-code"]
    assert moved.health < before.health
    trend = moved.breakdown.health.trend
    assert trend is not None
    assert trend.previous == before.health and trend.direction == "down"
    assert trend.previous_at == NOW
    factors = {f.criterion: f.change for f in trend.factors}
    assert factors["overdue_commitments"] < 0 and factors["untold_notices"] < 0
    assert sum(Decimal(str(c)) for c in factors.values()) == Decimal(str(trend.change))
    stored = demo.exec(
        select(ScoreSnapshot).where(ScoreSnapshot.account_id == kan.id, ScoreSnapshot.at == later)
    ).one()
    assert stored.health == moved.health and stored.tier == moved.tier
    assert stored.breakdown["health"]["overdue_commitments"] < 20
    runs = demo.exec(select(AuditEvent).where(AuditEvent.action == "rescore")).all()
    assert [e.after["accounts"] for e in runs if e.after] == [85, 85, 85]


def test_demo_forecast_is_a_line_through_the_monthly_history(demo: Session) -> None:
    forecast = portfolio_figures(session=demo, now=NOW).forecast
    assert isinstance(forecast, RevenueForecast)
    assert len(forecast.months) == 12 and forecast.months[0].month == "2026-11"
    monthly: defaultdict[str, float] = defaultdict(float)
    for deal in demo.exec(select(Deal).where(Deal.stage == "won")).all():
        if deal.account_id and deal.closed_on and deal.closed_on < NOW.date().replace(day=1):
            monthly[deal.closed_on.strftime("%Y-%m")] += deal.amount or 0.0
    history = {row.month: row.revenue for row in forecast.history}
    assert history == pytest.approx(dict(monthly))
    assert forecast.low <= forecast.total <= forecast.high
    assert forecast.total == pytest.approx(sum(m.revenue for m in forecast.months))


def _customer(session: Session, name: str, **fields: Any) -> Account:
    account = factories.account(session, name, **fields)
    kick_off = InteractionCreate(summary="Kick-off", occurred_at=NOW - timedelta(days=400))
    log_interaction(account, kick_off, session=session, actor=SYSTEM)
    return account


def test_what_a_manager_records_moves_relationship_and_health(session: Session) -> None:
    """Contacts, feedback, promises and notices reach the scores through every query."""
    anna = factories.user(session, "anna@example.com", team="North")
    good = _customer(session, "Goodco", relationship_stage=5, owner_id=anna.id)
    poor = _customer(session, "Poorco", relationship_stage=1, owner_id=anna.id)
    for week in range(0, 52, 2):  # every fortnight for a year
        check_in = InteractionCreate(
            summary=f"Check-in {week}", occurred_at=NOW - timedelta(days=7 * week + 1)
        )
        log_interaction(good, check_in, session=session, actor=SYSTEM)
    for person in ("Ada", "Bo", "Cy"):
        contact = ContactCreate(name=person, decision_maker=person != "Cy")
        add_contact(good, contact, session=session, actor=SYSTEM)
    for account, rating in (
        (good, FeedbackCreate(csat=5, nps=10, expectation="exceeded", at=NOW - timedelta(10))),
        (poor, FeedbackCreate(csat=5, at=NOW - timedelta(days=200))),
        (poor, FeedbackCreate(csat=2, expectation="below", at=NOW - timedelta(days=5))),
    ):
        add_feedback(account, rating, session=session, actor=SYSTEM)
    demo = CommitmentCreate(what="Demo", due_on=(NOW - timedelta(days=30)).date())
    kept = add_commitment(good, demo, session=session, actor=SYSTEM)
    complete_commitment(kept, session=session, actor=SYSTEM, now=NOW - timedelta(days=31))
    refund = CommitmentCreate(what="Refund", due_on=(NOW - timedelta(days=40)).date())
    add_commitment(poor, refund, session=session, actor=SYSTEM)
    slip = NoticeCreate(what="Delivery slips a month", must_tell_by=(NOW - timedelta(2)).date())
    add_notice(poor, slip, session=session, actor=SYSTEM)
    session.commit()

    results = by_name(score_accounts(session=session, now=NOW))
    g, p = results["Goodco"], results["Poorco"]
    rows = {
        (name, row.criterion): row
        for r, name in ((g, "g"), (p, "p"))
        for part in (r.breakdown.relationship, r.breakdown.health)
        for row in part.criteria
    }
    assert rows["g", "contact_coverage"].raw == 3
    assert rows["g", "contact_coverage"].normalised == pytest.approx(0.5 * 3 / 5 + 0.5)
    assert rows["g", "satisfaction"].normalised == pytest.approx(1.0)
    assert rows["g", "commitments_kept"].raw == 1.0
    assert rows["p", "commitments_kept"].raw == 0.0
    assert rows["g", "recency"].raw == pytest.approx(1.0)
    assert rows["p", "recency"].raw == pytest.approx(400.0)
    assert rows["p", "overdue_commitments"].raw == 1
    assert rows["p", "untold_notices"].raw == 1
    dropped = rows["p", "satisfaction_trend"].raw
    assert dropped is not None and dropped < 0
    assert rows["g", "cadence_kept"].raw == pytest.approx(1.0)
    assert rows["p", "cadence_kept"].raw == 0.0
    assert g.relationship > p.relationship and g.health > p.health
    assert p.band == "red" and g.band == "green"
    for result in (g, p):
        assert_adds_up(result)


def test_capacity_warns_when_a_person_holds_too_many_key_accounts(session: Session) -> None:
    anna = factories.user(session, "anna@example.com", team="North")
    for k in range(4):
        factories.account(
            session,
            f"Big {k}",
            owner_id=anna.id,
            tier_override="key",
            tier_override_reason="Named account",
        )
    session.commit()
    config = config_from({"capacity": {"manager_max": 3, "team_max": 3, "team_critical": 3}})
    warnings = portfolio_figures(session=session, now=NOW, config=config).capacity_warnings
    assert {(w.scope, w.who, w.level) for w in warnings} == {
        ("team", "North", "critical"),
        ("account_manager", "anna@example.com", "over"),
    }
    assert not portfolio_figures(session=session, now=NOW).capacity_warnings


def test_one_account_with_nothing_known_scores_neutral_and_says_so(session: Session) -> None:
    factories.account(session, "Lonely")
    session.commit()
    (result,) = score_accounts(session=session, now=NOW)
    assert 0 <= result.attractiveness <= 100 and result.tier in ("growth", "standard")
    assert "attractiveness.financial_health" in result.breakdown.missing
    assert_adds_up(result)
    figures = portfolio_figures(session=session, now=NOW)
    assert figures.concentration.cr1 is None and isinstance(figures.forecast, NoForecast)


def test_the_config_file_changes_the_rules_and_mistakes_are_named(tmp_path: Any) -> None:
    path = tmp_path / "kam.toml"
    path.write_text(
        "[scoring.cadence]\nstrategic = 7\n[scoring.tiers]\nstrategic_min = 70\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.cadence_days("strategic") == 7 and config.tiers.strategic_min == 70
    assert config.cadence_days("key") == 30
    path.write_text("[scoring.attractiveness]\nrevenue_12m = 50\n", encoding="utf-8")
    with pytest.raises(KamError, match="add up to 125"):
        load_config(path)
    path.write_text("[scoring.tiers]\nstrategic_mni = 70\n", encoding="utf-8")
    with pytest.raises(KamError, match="strategic_mni is not a setting"):
        load_config(path)
    with pytest.raises(KamError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_a_window_with_nps_but_no_csat_keeps_the_csat_of_the_other_window(
    session: Session,
) -> None:
    """Earlier CSAT 4 (0.75) and NPS 6, recent NPS 2 only: satisfaction is mean(0.75, 0.4)."""
    account = _customer(session, "Halfrated")
    for rating in (
        FeedbackCreate(csat=4, nps=6, at=NOW - timedelta(days=200)),
        FeedbackCreate(nps=2, at=NOW - timedelta(days=10)),
    ):
        add_feedback(account, rating, session=session, actor=SYSTEM)
    session.commit()
    (result,) = score_accounts(session=session, now=NOW)
    row = next(r for r in result.breakdown.relationship.criteria if r.criterion == "satisfaction")
    assert not row.missing
    assert row.raw == pytest.approx((0.75 + 0.4) / 2)


def test_the_demo_relationship_scores_tell_accounts_apart_from_their_history(
    demo: Session,
) -> None:
    """No contacts, stages, ratings or promises in the demo: relationship comes from cadence
    kept, recency, engagement and win rate, and the matrix uses more than two quadrants."""
    results = score_accounts(session=demo, now=NOW)
    relationship = [r.relationship for r in results]
    assert max(relationship) - min(relationship) > 20
    quadrants = {r.quadrant for r in results}
    assert len(quadrants) > 2 and "serve_efficiently" in quadrants
    kan = by_name(results)["Kan-code"]
    rows = {row.criterion: row for row in kan.breakdown.relationship.criteria}
    assert rows["relationship_stage"].missing and rows["relationship_stage"].weight == 0
    assert rows["satisfaction"].weight == rows["commitments_kept"].weight == 0
    assert not rows["engagement"].missing and not rows["win_rate"].missing
    assert rows["win_rate"].raw == pytest.approx(
        sum(d.stage == "won" for d in _closed(demo, kan.account_id))
        / len(_closed(demo, kan.account_id)),
        abs=1e-4,
    )
    assert sum(Decimal(str(row.weight)) for row in rows.values()) == 100
    assert_adds_up(kan)


def _closed(session: Session, account_id: int) -> list[Deal]:
    return [
        d
        for d in session.exec(select(Deal).where(Deal.account_id == account_id)).all()
        if d.stage in ("won", "lost")
        and d.closed_on
        and d.closed_on > (NOW - timedelta(730)).date()
    ]
