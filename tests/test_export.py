"""kam export, then kam import --profile kam into an empty database: nothing is lost."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from core import views
from core.actors import Actor
from core.clock import utcnow
from core.db import open_database
from core.demo.synthetic import load_synthetic
from core.errors import KamError
from core.models import (
    Account,
    AccountUpdate,
    CommitmentCreate,
    ContactCreate,
    CustomerRequestCreate,
    DealCreate,
    FeedbackCreate,
    Goal,
    GoalCreate,
    InteractionCreate,
    NoticeCreate,
    OrderCreate,
    PlanActionCreate,
    PlanObjectiveCreate,
    PlanRiskCreate,
    RequestOutcome,
    ReviewCreate,
    ScoreSnapshot,
)
from core.scoring import portfolio_figures
from core.services.accounts import update_account
from core.services.commitments import add_commitment, complete_commitment
from core.services.contacts import add_contact, retire_contact
from core.services.deals import add_deal
from core.services.feedback import add_feedback
from core.services.goals import add_goal
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from core.services.orders import record_order, set_order_status
from core.services.plans import add_action, add_objective, add_risk
from core.services.profile import read_profile, set_profile
from core.services.requests import add_request, set_outcome
from core.services.reviews import record_review
from core.transfer.export import FORMULA_START, export_all
from core.transfer.profiles import import_folder
from tests import factories
from tests.conftest import examples, postgres_copy
from tests.test_cli import kam
from tests.test_import import dump

SYSTEM = Actor.system("test")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
EXPORTED = [
    "users",
    "accounts",
    "contacts",
    "reporting_lines",
    "profile_entries",
    "deals",
    "interactions",
    "orders",
    "commitments",
    "notices",
    "requests",
    "feedback",
    "goals",
    "plan_objectives",
    "plan_actions",
    "plan_risks",
    "reviews",
    "score_snapshots",
]


def build_portfolio(session: Session) -> None:
    """A small portfolio with one of everything, built through the services."""
    now = utcnow()
    boss = factories.user(session, "maria@example.com", role="manager", timezone="Europe/Oslo")
    anna = factories.user(session, "anna@example.com", manager_id=boss.id, team="Nordics")
    gone = factories.account(session, "Closed Down Ltd")
    acme = factories.account(
        session,
        "Acme Corp",
        owner_id=anna.id,
        sector="retail",
        country="Norway",
        annual_revenue=12_500_000.75,
        employees=1200,
        relationship_stage=3,
        customer_since=date(2019, 4, 1),
        strategic_plans='Expand into Sweden, with "quotes", commas, and\na new line',
    )
    beta = factories.account(session, "Beta AS", owner_id=anna.id, parent_id=acme.id)
    update_account(
        beta,
        AccountUpdate(tier_override="key", tier_override_reason="Board decision"),
        session=session,
        actor=SYSTEM,
    )
    session.delete(gone)  # a gap in the ids must survive the round trip
    kari = add_contact(
        acme,
        ContactCreate(name="Kari Nordmann", title="CFO", decision_maker=True,
                      hometown="Trondheim", birthday=date(1980, 5, 17), favourite_team="Rosenborg"),
        session=session, actor=SYSTEM,
    )  # fmt: skip
    siri = add_contact(
        beta, ContactCreate(name="Siri Dahl", buying_role="decision_maker"), session=session,
        actor=SYSTEM,
    )  # fmt: skip
    ola = ContactCreate(name="Ola Hansen", email="ola@beta.no", buying_role="influencer")
    ola = add_contact(
        beta, ola.model_copy(update={"reports_to_id": siri.id}), session=session, actor=SYSTEM
    )
    gone_contact = add_contact(beta, ContactCreate(name="Per Gone"), session=session, actor=SYSTEM)
    retire_contact(gone_contact, session=session, actor=SYSTEM)
    profile = read_profile(
        {"financial_health": "4", "customer_values": "Uptime", "gross_margin": "32%",
         "replacement_cost": "250000", "replacement_months": "9"}
    )  # fmt: skip
    set_profile(acme, profile, session=session, actor=Actor.of(anna, "cli"))
    for days, summary in ((40, "Quarterly review"), (3, "Called about the renewal")):
        meeting = InteractionCreate(
            summary=summary, contact_id=kari.id, kind="meeting",
            occurred_at=now - timedelta(days=days, microseconds=123), sentiment="positive",
        )  # fmt: skip
        log_interaction(acme, meeting, session=session, actor=SYSTEM)
    won = add_deal(
        acme,
        DealCreate(stage="won", amount=1234.56, closed_on=(now - timedelta(days=30)).date(),
                   engaged_on=(now - timedelta(days=90)).date(), product="GTX Pro",
                   owner_id=anna.id, external_id="OPP-1"),
        session=session, actor=SYSTEM,
    )  # fmt: skip
    old = DealCreate(stage="won", amount=99.5, closed_on=date(2020, 1, 2))
    add_deal(acme, old, session=session, actor=SYSTEM)
    add_deal(beta, DealCreate(stage="open", amount=10_000.0), session=session, actor=SYSTEM)
    placed = OrderCreate(what="200 units", amount=50.0, deal_id=won.id)
    order = record_order(acme, placed, session=session, actor=SYSTEM)
    set_order_status(order, "problem", session=session, actor=SYSTEM, problem="Late truck")
    price_list = CommitmentCreate(
        what="Send the price list", due_on=now.date() + timedelta(days=3), to_whom="Kari"
    )
    add_commitment(acme, price_list, session=session, actor=SYSTEM)
    visit = CommitmentCreate(what="Visit the plant", due_on=now.date())
    done = add_commitment(acme, visit, session=session, actor=SYSTEM)
    complete_commitment(done, session=session, actor=SYSTEM)
    news = NoticeCreate(
        what="Prices rise 4%",
        must_tell_by=now.date() + timedelta(days=10),
        kind="price_change",
        alternatives="Lock in now",
    )
    add_notice(acme, news, session=session, actor=SYSTEM)
    blue = CustomerRequestCreate(what="A blue model", alternatives="Offered teal")
    asked = add_request(beta, blue, session=session, actor=SYSTEM)
    set_outcome(asked, RequestOutcome.ALTERNATIVE, session=session, actor=SYSTEM)
    later = now.date() + timedelta(days=60)
    aim = PlanObjectiveCreate(metric="csat", target=4.5, due_on=later, idempotency_key="slack:V1")
    add_objective(beta, aim, session=session, actor=SYSTEM)
    step = PlanActionCreate(what="Map the buying centre", due_on=later)
    add_action(beta, step, session=session, actor=SYSTEM, owner_email="anna@example.com")
    danger = PlanRiskCreate(
        what="A rival's bid", mitigation="Three-year terms", idempotency_key="slack:view:V3"
    )
    add_risk(beta, danger, session=session, actor=SYSTEM)
    held = ReviewCreate(participants="Anna; Ola Hansen", progress="On track", next_actions="Bid")
    record_review(beta, held, session=session, actor=SYSTEM)
    beta_goal = GoalCreate(
        metric="CSAT",
        target=4.5,
        scope="account",
        scope_ref="beta as",
        period="2026",
        idempotency_key="slack:view:V4",
    )
    add_goal(beta_goal, session=session, actor=SYSTEM)
    rating = FeedbackCreate(csat=4, nps=9, expectation="met", comment="Good", contact_id=kari.id)
    add_feedback(acme, rating, session=session, actor=SYSTEM)
    session.add(Goal(metric="nps", target=50.0, scope="tier", scope_ref="key", period="2026"))
    session.add(
        ScoreSnapshot(
            account_id=acme.id, at=now - timedelta(hours=1), attractiveness=71.25,
            relationship=64.0, health=80.5, tier="key", quadrant="strategic",
            breakdown={"size": {"value": 0.7, "weight": 20}, "notes": ["ok"]},
        )
    )  # fmt: skip
    session.commit()


@pytest.fixture
def empty_twin(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second migrated, empty database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/restored.db"
        open_database(url, create=True).dispose()
        yield url
    else:
        yield from postgres_copy(request)


def _cards(capsys: pytest.CaptureFixture[str], url: str) -> tuple[list[object], list[object]]:
    code, out, err = kam(capsys, "accounts", "--json", "--db", url)
    assert code == 0, err
    listing = json.loads(out)
    cards = []
    for row in listing:
        code, out, err = kam(capsys, "show", row["name"], "--json", "--db", url)
        assert code == 0, err
        cards.append(json.loads(out))
    return listing, cards


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_an_empty_database_reproduces_every_account(
    fmt: str,
    db_url: str,
    empty_twin: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = open_database(db_url)
    with Session(engine) as session:
        build_portfolio(session)
    engine.dispose()
    folder = tmp_path / "export"
    code, out, err = kam(capsys, "export", str(folder), "--format", fmt, "--db", db_url)
    assert code == 0, err
    assert "2 accounts" in out and "1 scores" in out
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{k}.{fmt}"
        for k in [
            "users",
            "accounts",
            "contacts",
            "reporting_lines",
            "profile_entries",
            "deals",
            "interactions",
            "orders",
            "commitments",
            "notices",
            "requests",
            "feedback",
            "goals",
            "plan_objectives",
            "plan_actions",
            "plan_risks",
            "reviews",
            "scores",
        ]
    )
    code, out, err = kam(capsys, "import", "--profile", "kam", str(folder), "--db", empty_twin)
    assert code == 0, err

    listing, cards = _cards(capsys, db_url)
    assert [c["name"] for c in cards] == ["Acme Corp", "Beta AS"]
    acme = cards[0]
    assert acme["contacts"][0]["favourite_team"] == "Rosenborg" and acme["scores"]["tier"] == "key"
    assert acme["orders"][0]["status"] == "problem" and len(acme["open_commitments"]) == 1
    assert _cards(capsys, empty_twin) == (listing, cards)
    assert _all_cards(empty_twin)[2] == _all_cards(db_url)[2]  # kam portfolio --json
    before, after = dump(db_url), dump(empty_twin)
    for table in EXPORTED:
        assert after[table] == before[table], table

    # the restored database goes on numbering after the restored ids
    engine = open_database(empty_twin)
    with Session(engine) as session:
        fresh = factories.account(session, "Gamma Oy")
        session.commit()
        assert fresh.id == max(r[0] for r in before["accounts"]) + 1
    engine.dispose()
    code, _, err = kam(capsys, "import", "--profile", "kam", str(folder), "--db", empty_twin)
    assert code == 1 and "restored into an empty database" in err


def test_an_export_of_the_five_kinds_imports_file_by_file(
    db_url: str, empty_twin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_database(db_url)
    with Session(engine) as session:
        build_portfolio(session)
    engine.dispose()
    folder = tmp_path / "export"
    assert kam(capsys, "export", str(folder), "--db", db_url)[0] == 0
    for kind in ("users", "accounts", "contacts", "deals", "interactions"):
        code, out, err = kam(
            capsys, "import", kind, str(folder / f"{kind}.csv"), "--db", empty_twin
        )
        assert code == 0 and "were created" in out, err
    engine = open_database(empty_twin)
    with Session(engine) as session:
        beta = session.exec(select(Account).where(Account.name == "Beta AS")).one()
        assert beta.tier_override == "key" and beta.parent_id is not None
    engine.dispose()


def _all_cards(url: str) -> tuple[str, list[str], str]:
    """What `kam accounts --json`, `kam show --json` (every account) and `kam portfolio --json`
    print at ``NOW``."""
    engine = open_database(url)
    try:
        with Session(engine) as session:
            listing = [row.as_json() for row in views.list_accounts(session=session, now=NOW)]
            accounts = session.exec(select(Account).order_by(col(Account.id))).all()
            cards = [
                json.dumps(views.account_card(a, session=session, now=NOW).as_json(), default=str)
                for a in accounts
            ]
            figures = portfolio_figures(session=session, now=NOW)
            return (
                json.dumps(listing, default=str),
                cards,
                json.dumps(figures.as_json(), allow_nan=False),
            )
    finally:
        engine.dispose()


def test_a_synthetic_portfolio_round_trips(
    db_url: str, empty_twin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_database(db_url)
    with Session(engine) as session:
        summary = load_synthetic(session=session, accounts=150, seed=5, now=NOW)
        session.commit()
    engine.dispose()
    assert summary.deals and summary.contacts and summary.feedback
    folder = tmp_path / "export"
    assert kam(capsys, "export", str(folder), "--db", db_url)[0] == 0
    code, out, err = kam(capsys, "import", "--profile", "kam", str(folder), "--db", empty_twin)
    assert code == 0, err
    assert f"{summary.interactions:,} were created" in out
    listing, cards, portfolio = _all_cards(db_url)
    assert len(cards) == summary.accounts
    assert json.loads(portfolio)["goals"] and json.loads(portfolio)["concentration"]["cr1"]
    restored = _all_cards(empty_twin)
    assert restored[:2] == (listing, cards)
    assert restored[2] == portfolio
    before, after = dump(db_url), dump(empty_twin)
    for table in EXPORTED:
        assert after[table] == before[table], table


FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+47 11 22 33", "-2% for early payment", "'quoted"]
"""Text a spreadsheet would run as a formula, and text that already starts with a quote."""


def test_formula_like_text_is_neutralised_in_csv_and_restored_exactly(
    db_url: str, empty_twin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_database(db_url)
    with Session(engine) as session:
        anna = factories.user(session, "anna@example.com")
        for n, text in enumerate(FORMULAS):
            account = factories.account(session, f"{text} {n}", owner_id=anna.id, sector=text)
            add_contact(account, ContactCreate(name=text), session=session, actor=SYSTEM)
            call = InteractionCreate(summary=text, occurred_at=NOW, kind="note")
            log_interaction(account, call, session=session, actor=SYSTEM)
        session.commit()
    engine.dispose()
    folder = tmp_path / "export"
    assert kam(capsys, "export", str(folder), "--db", db_url)[0] == 0
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for value in row:
                    assert not value.startswith(FORMULA_START), (path.name, value)
    accounts = (folder / "accounts.csv").read_text(encoding="utf-8")
    assert "'=cmd|' /C calc'!A0 0" in accounts and "''quoted 4" in accounts
    code, _, err = kam(capsys, "import", "--profile", "kam", str(folder), "--db", empty_twin)
    assert code == 0, err
    before, after = dump(db_url), dump(empty_twin)
    for table in EXPORTED:
        assert after[table] == before[table], table
    assert _all_cards(empty_twin) == _all_cards(db_url)


HOSTILE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
) | st.sampled_from(["=1+1", "'", "''x", "-", "@", " \t=x", "\r\n", '"', "1e308", "-0"])


@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(HOSTILE, min_size=3, max_size=3))
@example(texts=["0", "0\x1f", "0"])  # a separator Python strips and pydantic kept
@example(texts=["0", "0", "0\r0"])  # a bare carriage return Python 3.11 left unquoted
def test_whatever_kam_accepted_is_restored_without_skipping_rows(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    """An export of any database kam accepted restores as it was: text a person may type
    (formula-like, quotes, line breaks, any script) through the same services."""
    root = tmp_path_factory.mktemp("any")
    urls = [f"sqlite:///{root}/{name}.db" for name in ("kept", "restored")]
    for url in urls:
        shutil.copyfile(sqlite_template, url.removeprefix("sqlite:///"))
    engine = open_database(urls[0])
    with Session(engine) as session:
        try:
            account = factories.account(session, f"{texts[0]} Ltd", sector=texts[1])
            add_contact(account, ContactCreate(name=texts[1]), session=session, actor=SYSTEM)
            note = InteractionCreate(summary=texts[2], occurred_at=NOW, kind="note")
            log_interaction(account, note, session=session, actor=SYSTEM, now=NOW)
        except KamError:
            return  # refused: nothing to restore
        session.commit()
        export_all(root / "export", session=session)
    engine.dispose()
    engine = open_database(urls[1])
    with Session(engine) as session:
        import_folder("kam", root / "export", session=session, now=NOW, actor=SYSTEM)
        session.commit()
    engine.dispose()
    before, after = dump(urls[0]), dump(urls[1])
    for table in EXPORTED:
        assert after[table] == before[table], table
