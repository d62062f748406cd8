"""The read models in core.views, on SQLite and PostgreSQL: what each front end shows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from core.actors import Actor
from core.models import (
    Account,
    Commitment,
    CommitmentCreate,
    ContactCreate,
    Deal,
    InteractionCreate,
    NoticeCreate,
    OrderCreate,
    Reminder,
    ScoreSnapshot,
)
from core.scoring import ScoringConfig
from core.scoring.trend import HealthChange
from core.services.commitments import add_commitment, complete_commitment
from core.services.contacts import add_contact
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from core.services.orders import record_order, set_order_status
from core.services.reminders import locked_reminder, reminder_by_key
from core.services.users import link_slack_by_email
from core.views import (
    account_card,
    account_named_at_start,
    account_page,
    app_home,
    first_page,
    latest_open_order,
    list_accounts,
    load_rows,
    owned_account_ids,
    weekly_team_summary,
)
from tests import factories

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
SYSTEM = factories.SYSTEM
CARD_KEYS = [
    "id",
    "name",
    "external_id",
    "sector",
    "country",
    "status",
    "owner",
    "owner_name",
    "parent",
    "subsidiaries",
    "customer_since",
    "annual_revenue",
    "employees",
    "founded_year",
    "relationship_stage",
    "financial_health",
    "industry_influence",
    "category_spend",
    "cost_to_serve",
    "gross_margin",
    "strategic_plans",
    "checkin_cadence_days",
    "tier",
    "tier_override",
    "tier_override_reason",
    "customer_values",
    "difficulties",
    "buying_process",
    "other_suppliers",
    "replacement_cost",
    "replacement_months",
    "profile_set",
    "over_capacity",
    "revenue_total",
    "won_deals",
    "revenue_12m",
    "open_deals",
    "scores",
    "contacts",
    "latest_interaction",
    "interactions",
    "open_commitments",
    "untold_notices",
    "requests",
    "feedback",
    "orders",
    "planned",
]


def promise(
    session: Session, account: Account, what: str, due_on: date, *, actor: Actor = SYSTEM
) -> Commitment:
    made = CommitmentCreate(what=what, due_on=due_on)
    return add_commitment(account, made, session=session, actor=actor)


def snapshot(account: Account, at: datetime, health: float, tier: str = "key") -> ScoreSnapshot:
    return ScoreSnapshot(
        account_id=account.id,
        at=at,
        attractiveness=70.0,
        relationship=60.0,
        health=health,
        tier=tier,
        quadrant="strategic",
        breakdown={},
    )


def won(account: Account, amount: float, closed: date, product: str = "GTX") -> Deal:
    return Deal(
        account_id=account.id, stage="won", amount=amount, closed_on=closed, product=product
    )


def test_the_card_holds_the_account_and_prints_the_json_kam_show_always_printed(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com", name="Anna Berg")
    group = factories.account(session, "Acme Group")
    acme = factories.account(
        session,
        "Acme",
        owner_id=anna.id,
        parent_id=group.id,
        customer_since=date(2019, 4, 1),
        tier_override="strategic",
        tier_override_reason="Group deal",
    )
    factories.account(session, "Acme Nordic", parent_id=acme.id)
    ingrid = ContactCreate(
        name="Ingrid", decision_maker=True, hometown="Bergen", birthday=date(1980, 5, 17)
    )
    add_contact(acme, ingrid, session=session, actor=SYSTEM)
    lunch = InteractionCreate(summary="Lunch", occurred_at=NOW - timedelta(days=3))
    log_interaction(acme, lunch, session=session, actor=Actor.of(anna, "test"), now=NOW)
    promise(session, acme, "Send the quote", TODAY + timedelta(days=2))
    news = NoticeCreate(what="Prices rise", must_tell_by=TODAY + timedelta(days=9))
    add_notice(acme, news, session=session, actor=SYSTEM)
    session.add(won(acme, 1000.0, TODAY - timedelta(days=40)))
    session.add(won(acme, 500.0, TODAY - timedelta(days=500), product="Old"))
    session.add(Deal(account_id=acme.id, stage="open", amount=70.0, product="Next"))
    session.add(snapshot(acme, NOW - timedelta(days=8), 80.0))
    session.add(snapshot(acme, NOW - timedelta(days=1), 45.0))
    session.commit()

    card = account_card(acme, session=session, now=NOW, sales_history=True)

    assert (card.name, card.owner, card.owner_name, card.parent) == (
        "Acme",
        "anna@example.com",
        "Anna Berg",
        "Acme Group",
    )
    assert card.subsidiaries == ["Acme Nordic"]
    assert card.tier == "strategic" and card.tier_override_reason == "Group deal"
    assert (card.revenue_total, card.won_deals, card.revenue_12m, card.open_deals) == (
        1500.0,
        2,
        1000.0,
        1,
    )
    assert card.contacts[0].personal() == [("hometown", "Bergen"), ("birthday", "1980-05-17")]
    assert card.latest_interaction is not None and card.latest_interaction.by == "anna@example.com"
    assert [p.what for p in card.open_commitments] == ["Send the quote"]
    assert [n.must_tell_by for n in card.untold_notices] == [TODAY + timedelta(days=9)]
    assert card.scores is not None and card.scores.health == 45.0
    assert card.health_band == "red"
    assert card.health_trend == HealthChange(-35.0, "down")
    months = card.revenue_by_month
    assert (
        months is not None
        and len(months) == 12
        and months[-1].month == "2026-03"
        and months[0].month == "2025-04"
    )
    assert {m.month: m.revenue for m in months}["2026-01"] == 1000.0
    assert card.deals is not None
    assert [d.stage for d in card.deals] == ["open", "won", "won"]  # open ones first
    quick = account_card(acme, session=session, now=NOW)  # what the CLI and Slack read
    assert quick.revenue_by_month is None and quick.deals is None
    assert quick.as_json() == card.as_json()

    printed = card.as_json()
    assert list(printed) == CARD_KEYS
    assert json.loads(json.dumps(printed)) == printed  # JSON-safe as it stands
    assert printed["customer_since"] == "2019-04-01"
    assert printed["scores"]["at"] == (NOW - timedelta(days=1)).isoformat()
    assert printed["latest_interaction"] == printed["interactions"][0]
    assert printed["interactions"][0]["occurred_at"] == (NOW - timedelta(days=3)).isoformat()
    assert printed["open_commitments"][0]["due_on"] == (TODAY + timedelta(days=2)).isoformat()
    assert "health_trend" not in printed and "deals" not in printed


def test_a_card_before_any_scoring_or_history(session: Session) -> None:
    bare = factories.account(session, "Bare")
    session.commit()
    card = account_card(bare, session=session, now=NOW, sales_history=True)
    assert card.tier is None and card.scores is None and card.health_band is None
    assert card.health_trend is None and card.latest_interaction is None
    assert card.deals == [] and card.revenue_by_month is not None
    assert sum(m.revenue for m in card.revenue_by_month) == 0.0
    assert card.as_json()["scores"] is None and card.as_json()["latest_interaction"] is None


def test_the_account_list_is_largest_revenue_first_with_tier_owner_and_last_contact(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com")
    acme = factories.account(session, "Acme", owner_id=anna.id, sector="Retail")
    beta = factories.account(session, "Beta", tier_override="key", tier_override_reason="Why not")
    factories.account(session, "Crux")
    session.add(won(acme, 900.0, TODAY - timedelta(days=10)))
    session.add(won(beta, 100.0, TODAY - timedelta(days=10)))
    session.add(snapshot(acme, NOW - timedelta(days=1), 70.0, tier="growth"))
    call = InteractionCreate(summary="Call", occurred_at=NOW - timedelta(days=2))
    log_interaction(acme, call, session=session, actor=SYSTEM, now=NOW)
    session.commit()

    rows = list_accounts(session=session, now=NOW)
    assert [(r.name, r.tier, r.revenue_12m) for r in rows] == [
        ("Acme", "growth", 900.0),
        ("Beta", "key", 100.0),
        ("Crux", None, 0.0),
    ]
    assert rows[0].owner == "anna@example.com" and rows[0].last_contact == NOW - timedelta(days=2)
    assert rows[0].as_json()["last_contact"] == (NOW - timedelta(days=2)).isoformat()
    assert [r.name for r in list_accounts(session=session, now=NOW, tier="key")] == ["Beta"]
    assert [r.name for r in list_accounts(session=session, now=NOW, owner=anna)] == ["Acme"]


def test_a_page_of_accounts_is_the_lists_head_and_counts_all_whatever_the_history(
    session: Session,
) -> None:
    """A short list is cut and counted by the database; older snapshots never show."""
    accounts = [factories.account(session, f"Account {i:02}") for i in range(12)]
    for i, account in enumerate(accounts):
        session.add(won(account, 100.0 * (i + 1), TODAY - timedelta(days=5)))
        # three scorings: the tier changes each time, the newest must win
        for runs, tier in enumerate(("standard", "key", "growth" if i % 2 else "key")):
            session.add(snapshot(account, NOW - timedelta(days=3 - runs), 50.0, tier=tier))
    session.commit()

    every = list_accounts(session=session, now=NOW)
    page = account_page(session=session, limit=5, now=NOW)
    assert page.rows == every[:5] and page.total == 12
    assert [r.name for r in page.rows] == [f"Account {i:02}" for i in (11, 10, 9, 8, 7)]
    keyed = account_page(session=session, limit=4, tier="key", now=NOW)
    assert keyed.total == 6 and {r.tier for r in keyed.rows} == {"key"}
    assert keyed.rows == list_accounts(session=session, now=NOW, tier="key")[:4]
    assert account_page(session=session, limit=5, tier="standard", now=NOW).total == 0


def test_the_home_shows_key_accounts_weakest_first_overdue_promises_and_untold_news(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com", timezone="Pacific/Kiritimati")
    actor = Actor.of(anna, "test")
    strong = factories.account(session, "Strong", owner_id=anna.id)
    weak = factories.account(session, "Weak", owner_id=anna.id)
    small = factories.account(session, "Small", owner_id=anna.id)
    factories.account(
        session, "Fresh", owner_id=anna.id, tier_override="key", tier_override_reason="New"
    )
    for account, before, now_health, tier in (
        (strong, 80.0, 90.0, "strategic"),
        (weak, 60.0, 40.0, "key"),
        (small, 50.0, 50.0, "standard"),
    ):
        session.add(snapshot(account, NOW - timedelta(days=8), before, tier=tier))
        session.add(snapshot(account, NOW - timedelta(days=1), now_health, tier=tier))
    # Kiritimati (UTC+14) is on 3 March at NOW: a promise due on 2 March is overdue there
    promise(session, weak, "Call back", TODAY, actor=actor)
    promise(session, weak, "Ship it", TODAY + timedelta(days=3), actor=actor)
    delay = NoticeCreate(what="Delay", must_tell_by=TODAY + timedelta(days=1))
    add_notice(weak, delay, session=session, actor=actor)
    session.commit()

    home = app_home(anna, session=session, now=NOW)

    assert [(a.name, a.band, a.trend) for a in home.key_accounts] == [
        ("Weak", "red", HealthChange(-20.0, "down")),
        ("Strong", "green", HealthChange(10.0, "up")),
        ("Fresh", None, None),  # not scored yet: last
    ]
    assert [(p.account, p.what, p.due_on) for p in home.overdue] == [("Weak", "Call back", TODAY)]
    assert [(n.account, n.what) for n in home.untold] == [("Weak", "Delay")]
    assert {i.account_name for i in home.items} >= {"Weak"}
    assert all(i.user_id == anna.id for i in home.items)


def test_the_weekly_summary_names_who_slipped_to_red_and_counts_promises(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com", name="Anna Berg")
    slipped = factories.account(session, "Slipped", owner_id=anna.id)
    always = factories.account(session, "Always red", owner_id=anna.id)
    for account, before, after in ((slipped, 70.0, 30.0), (always, 20.0, 25.0)):
        session.add(snapshot(account, NOW - timedelta(days=10), before))
        session.add(snapshot(account, NOW - timedelta(days=2), after))
    kept = promise(session, slipped, "Kept", TODAY - timedelta(days=1))
    late = promise(session, slipped, "Late", TODAY - timedelta(days=5))
    promise(session, slipped, "Still open", TODAY - timedelta(days=2))
    complete_commitment(kept, session=session, actor=SYSTEM, now=NOW - timedelta(days=3))
    complete_commitment(late, session=session, actor=SYSTEM, now=NOW - timedelta(days=1))
    session.commit()

    summary = weekly_team_summary(session=session, now=NOW)

    assert [(s.name, s.health, s.previous, s.owner) for s in summary.slipping] == [
        ("Slipped", 30.0, 70.0, "Anna Berg")
    ]
    assert (summary.kept, summary.kept_on_time, summary.still_overdue) == (2, 1, 1)
    assert summary.week_to == NOW


def test_the_portfolio_rows_and_the_first_page_by_name(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    for name in ("delta", "Alpha", "charlie", "Bravo"):
        factories.account(session, name, owner_id=anna.id)
    session.commit()
    rules = ScoringConfig()

    rows, total = first_page(session=session, now=NOW, config=rules, limit=3)
    assert total == 4 and [r.name for r in rows] == ["Alpha", "Bravo", "charlie"]
    assert {r.owner for r in rows} == {"anna"} and all(r.tier == "standard" for r in rows)
    everyone = load_rows(session=session, now=NOW, config=rules)
    assert sorted(r.name for r in everyone) == ["Alpha", "Bravo", "charlie", "delta"]


def test_the_account_at_the_start_of_a_text(session: Session) -> None:
    factories.account(session, "Kan-code")
    factories.account(session, "Kan code Nordic")
    factories.account(session, "Acme")
    session.commit()

    def named(text: str) -> tuple[str, int] | None:
        found = account_named_at_start(text.split(), session=session)
        return None if found is None else (found[0].name, found[1])

    assert named("kan code nordic met the CTO") == ("Kan code Nordic", 3)  # the longest run
    assert named("Kan-code: sent the deck") == ("Kan-code", 1)
    assert named("kan code sent the deck") == ("Kan-code", 2)  # punctuation ignored
    assert named("ACME") == ("Acme", 1)
    assert named("Nobody here") is None


def test_the_latest_open_order_and_the_accounts_a_person_owns(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    other = factories.user(session, "olle@example.com")
    acme = factories.account(session, "Acme", owner_id=anna.id)
    beta = factories.account(session, "Beta", owner_id=anna.id)
    factories.account(session, "Crux", owner_id=other.id)
    first = record_order(acme, OrderCreate(what="First"), session=session, actor=SYSTEM)
    first.placed_at = NOW - timedelta(days=5)
    second = record_order(acme, OrderCreate(what="Second"), session=session, actor=SYSTEM)
    second.placed_at = NOW - timedelta(days=1)
    session.commit()
    assert acme.id is not None and beta.id is not None and anna.id is not None

    order = latest_open_order(acme.id, session=session)
    assert order is not None and order.what == "Second"
    set_order_status(second, "completed", session=session, actor=SYSTEM)
    order = latest_open_order(acme.id, session=session)
    assert order is not None and order.what == "First"
    assert latest_open_order(beta.id, session=session) is None
    assert owned_account_ids(anna.id, session=session) == sorted([acme.id, beta.id])


def test_a_reminder_is_read_and_locked_by_its_key(session: Session) -> None:
    acme = factories.account(session, "Acme")
    session.add(
        Reminder(
            key="check_in_due:1:2026-03-01", kind="check_in_due", account_id=acme.id, due_at=NOW
        )
    )
    session.commit()
    row = locked_reminder("check_in_due:1:2026-03-01", session=session)
    assert row is not None and row.account_id == acme.id
    session.commit()
    assert reminder_by_key("check_in_due:9:2026-03-01", session=session) is None
    assert locked_reminder("check_in_due:9:2026-03-01", session=session) is None


def test_a_slack_user_is_linked_by_their_profile_email_once(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    factories.user(session, "gone@example.com", active=False)
    factories.user(session, "bob@example.com", slack_user_id="UBOB")
    session.commit()
    robot = Actor.system("slack")

    linked = link_slack_by_email("Anna@Example.com", "UANNA", session=session, actor=robot)
    assert linked is not None and linked.id == anna.id and linked.slack_user_id == "UANNA"
    session.commit()
    again = link_slack_by_email("anna@example.com", "UANNA", session=session, actor=robot)
    assert again is not None and again.id == anna.id
    assert link_slack_by_email("anna@example.com", "UOTHER", session=session, actor=robot) is None
    assert link_slack_by_email("bob@example.com", "UANNA", session=session, actor=robot) is None
    assert link_slack_by_email("gone@example.com", "UGONE", session=session, actor=robot) is None
    assert link_slack_by_email("nobody@example.com", "UNEW", session=session, actor=robot) is None
