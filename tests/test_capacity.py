"""Tiers a team can serve: strategic and key filled by rank within ``[scoring.capacity]``.

Past an account manager's or a team's capacity the next accounts stay a tier lower
with the reason ("would be key; over capacity"), which the overview counts and the
account shows, in the CLI, Slack and the TUI. Small portfolios built through the
services run on SQLite and PostgreSQL; the synthetic 5,000-account portfolio on a
SQLite file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from core.db import open_database, session_scope
from core.demo.synthetic import load_synthetic
from core.models import AccountUpdate, Role
from core.scoring import (
    ScoringConfig,
    config_from,
    portfolio_figures,
    rescore,
    score_accounts,
    scored_portfolio,
)
from core.scoring.classify import Staff, serve_within_capacity
from core.services.accounts import find_account, update_account
from core.teams import team_leads
from core.views import account_card
from tests import factories
from tests.conftest import examples
from tests.slack_harness import running_bot
from tests.test_bot import reply_text
from tests.test_cli import kam
from tests.test_tui import settle, shown
from tui.app import KamApp
from tui.screens.account import AccountScreen
from tui.screens.portfolio import PortfolioScreen
from tui.service import PortfolioService

NOW = datetime(2026, 5, 15, 12, 0, tzinfo=UTC)
ALL_KEY = {"tiers": {"strategic_share": 0, "key_share": 1, "growth_share": 0, "key_min": 0}}
"""Every account's scores earn key, so that capacity alone decides."""


def rules(**capacity: int) -> ScoringConfig:
    return config_from({**ALL_KEY, "capacity": capacity})


def owned(session: Session, owner_id: int | None, *names: str, size: float = 1e6) -> None:
    """Accounts for ``owner_id``, the first the largest (so the most attractive)."""
    for k, name in enumerate(names):
        factories.account(session, name, owner_id=owner_id, annual_revenue=size * (len(names) - k))


def by_name(session: Session, config: ScoringConfig) -> dict[str, Any]:
    return {r.account_name: r for r in score_accounts(session=session, now=NOW, config=config)}


def test_past_a_managers_capacity_the_next_accounts_stay_growth_with_the_reason(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com", team="North")
    owned(session, anna.id, "A1", "A2", "A3", "A4")
    session.commit()
    scored = by_name(session, rules(manager_max=2))
    assert [scored[n].tier for n in ("A1", "A2", "A3", "A4")] == ["key", "key", "growth", "growth"]
    for name in ("A1", "A2"):
        assert scored[name].over_capacity is None
    held = scored["A3"].over_capacity
    assert held is not None and scored["A3"].earned_tier == "growth"
    assert (held.would_be, held.scope, held.who, held.limit) == (
        "key",
        "account_manager",
        "anna@example.com",
        2,
    )
    assert held.message.startswith(
        "would be key; over capacity (anna@example.com is at the limit of 2"
    )
    assert scored["A3"].breakdown.tier.over_capacity == held
    assert scored["A3"].summary().as_json()["over_capacity"]["would_be"] == "key"
    figures = portfolio_figures(session=session, now=NOW, config=rules(manager_max=2))
    assert figures.tiers["key"] == 2 and figures.over_capacity.accounts == 2
    assert figures.over_capacity.would_be == {"strategic": 0, "key": 2}
    assert figures.over_capacity.by_scope == {"account_manager": 2, "team": 0}
    assert figures.capacity_warnings == ()


def test_a_team_is_a_lead_and_their_reports_and_shares_one_capacity(session: Session) -> None:
    maja = factories.user(session, "maja@example.com", role=Role.MANAGER, team="Nordics")
    anna = factories.user(session, "anna@example.com", manager_id=maja.id)
    olle = factories.user(session, "olle@example.com", manager_id=maja.id)
    zed = factories.user(session, "zed@example.com")  # works alone: a team of one
    owned(session, anna.id, "Anna 1", "Anna 2", "Anna 3", size=3e6)
    owned(session, olle.id, "Olle 1", "Olle 2", "Olle 3", size=2.9e6)
    owned(session, zed.id, "Zed 1", "Zed 2", size=1e3)
    session.commit()
    config = rules(manager_max=10, team_max=3)
    scored = by_name(session, config)
    key = sorted(n for n, r in scored.items() if r.tier == "key")
    # by rank: Anna 1 (9e6), Olle 1 (8.7e6), Anna 2 (6e6); Zed's team has its own three
    assert key == ["Anna 1", "Anna 2", "Olle 1", "Zed 1", "Zed 2"]
    held = scored["Olle 2"].over_capacity
    assert held is not None and (held.scope, held.who) == ("team", "Nordics")
    assert "team Nordics is at its limit of 3 strategic and key accounts" in held.message


def test_strategic_has_its_own_limit_and_a_held_strategic_account_can_still_be_key(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com")
    owned(session, anna.id, "S1", "S2", "S3")
    session.commit()
    config = config_from(
        {
            "tiers": {"strategic_share": 1, "strategic_min": 0, "key_share": 0, "growth_share": 0},
            "capacity": {"manager_strategic_max": 1, "manager_max": 2},
        }
    )
    scored = by_name(session, config)
    assert [scored[n].tier for n in ("S1", "S2", "S3")] == ["strategic", "key", "growth"]
    s2, s3 = scored["S2"].over_capacity, scored["S3"].over_capacity
    assert (
        s2 is not None
        and s2.would_be == "strategic"
        and "limit of 1 strategic account per" in s2.message
    )
    assert s3 is not None and s3.would_be == "strategic"


def test_hand_set_tiers_take_their_places_first_and_are_never_held(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    owned(session, anna.id, "A1", "A2", "A3")
    session.commit()
    update_account(
        find_account("A3", session=session),
        AccountUpdate(tier_override="key", tier_override_reason="Named account"),
        session=session,
        actor=factories.SYSTEM,
    )
    session.commit()
    scored = by_name(session, rules(manager_max=2))
    assert [scored[n].tier for n in ("A1", "A2", "A3")] == ["key", "growth", "key"]
    assert scored["A3"].over_capacity is None and scored["A2"].over_capacity is not None
    # A3's value earns key: set by hand over capacity is not importance inflation
    assert not scored["A3"].breakdown.value.over_served


def test_the_card_shows_the_reason_the_last_scoring_stored(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    owned(session, anna.id, "A1", "A2")
    session.commit()
    rescore(session=session, now=NOW, config=rules(manager_max=1))
    session.commit()
    held = account_card(find_account("A2", session=session), session=session, now=NOW)
    assert held.tier == "growth" and held.over_capacity is not None
    assert held.over_capacity.message.startswith("would be key; over capacity")
    assert held.as_json()["over_capacity"]["scope"] == "account_manager"
    kept = account_card(find_account("A1", session=session), session=session, now=NOW)
    assert kept.tier == "key" and kept.over_capacity is None


# --- the property: whatever the portfolio, no one is filled past capacity ----------------


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["strategic", "key", "growth", "standard"]),
            st.integers(-1, 5),  # owner; -1: nobody
            st.sampled_from([None, None, None, "strategic", "key", "growth"]),
        ),
        max_size=60,
    ),
    st.integers(0, 4),
    st.integers(0, 8),
    st.integers(0, 6),
    st.integers(0, 15),
)
def test_no_one_is_filled_past_capacity_and_places_go_by_rank(
    accounts: list[tuple[str, int, str | None]],
    manager_strategic: int,
    manager_all: int,
    team_strategic: int,
    team_all: int,
) -> None:
    config = config_from(
        {
            "capacity": {
                "manager_strategic_max": manager_strategic,
                "manager_max": manager_all,
                "team_strategic_max": team_strategic,
                "team_max": team_all,
            }
        }
    )
    ranked = [a[0] for a in accounts]
    owners = np.array([a[1] for a in accounts], dtype=np.int64)
    overrides = [a[2] for a in accounts]
    rank = np.arange(1, len(accounts) + 1, dtype=np.int64)
    leads = team_leads({0: None, 1: 0, 2: 0, 3: None, 4: 3, 5: None})  # teams 0-1-2, 3-4, 5
    staff = Staff({p: (f"p{p}@example.com", None) for p in range(6)}, leads)
    served = serve_within_capacity(ranked, rank, owners, overrides, staff, config)
    tiers = [o or t for o, t in zip(overrides, served.tiers, strict=True)]
    count: Counter[tuple[str, int, str]] = Counter()
    hand_set: Counter[tuple[str, int, str]] = Counter()
    for tier, owner, override in zip(tiers, owners.tolist(), overrides, strict=True):
        if owner < 0 or tier not in ("strategic", "key"):
            continue
        for holder in (("am", owner), ("team", leads[owner])):
            into = hand_set if override else count
            into[*holder, "all"] += 1
            if tier == "strategic":
                into[*holder, "strategic"] += 1
    limits = {
        ("am", "all"): manager_all,
        ("am", "strategic"): manager_strategic,
        ("team", "all"): team_all,
        ("team", "strategic"): team_strategic,
    }
    for (scope, who, what), n in count.items():
        # scored places fill only what the hand-set ones left
        assert n <= max(0, limits[scope, what] - hand_set[scope, who, what])
    for i, held in enumerate(served.over_capacity):
        if held is None:
            assert overrides[i] is not None or served.tiers[i] == ranked[i]
            continue
        assert overrides[i] is None and held.would_be == ranked[i]
        assert served.tiers[i] == "growth" or (ranked[i], served.tiers[i]) == ("strategic", "key")
        for j in range(i + 1, len(accounts)):  # later ranks of the same owner get no more
            if owners[j] == owners[i] and ranked[j] == ranked[i] and overrides[j] is None:
                assert served.over_capacity[j] is not None


# --- the synthetic 5,000-account portfolio (seed 7) --------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("capacity") / "synthetic.db"
    engine = open_database(f"sqlite:///{path}", create=True)
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=5000, seed=7, now=NOW)
    with session_scope(engine) as session:
        rescore(session=session, now=NOW, config=ScoringConfig())
    yield engine
    engine.dispose()


def test_on_5000_synthetic_accounts_no_manager_or_team_holds_more_than_it_can_serve(
    synthetic: Engine,
) -> None:
    config = ScoringConfig()
    cap = config.capacity
    with session_scope(synthetic) as session:
        results = score_accounts(session=session, now=NOW, config=config)
        figures = portfolio_figures(session=session, now=NOW, config=config)
        p = scored_portfolio(session=session, now=NOW, config=config)
    owners, leads = p.facts.owner_id.tolist(), p.facts.team_leads
    per: Counter[tuple[str, int, str]] = Counter()
    for r in results:
        i = r.index
        if r.tier in ("strategic", "key"):
            for holder in (("am", owners[i]), ("team", leads[owners[i]])):
                per[*holder, "all"] += 1
                per[*holder, r.tier] += 1
    assert max(n for (s, _, w), n in per.items() if (s, w) == ("am", "all")) <= cap.manager_max
    assert max(n for (s, _, w), n in per.items() if (s, w) == ("am", "strategic")) <= (
        cap.manager_strategic_max
    )
    assert max(n for (s, _, w), n in per.items() if (s, w) == ("team", "all")) <= cap.team_max
    assert max(n for (s, _, w), n in per.items() if (s, w) == ("team", "strategic")) <= (
        cap.team_strategic_max
    )
    assert figures.capacity_warnings == ()
    # every team is filled: capacity, not a lack of key-worthy accounts, is what binds
    assert sorted(n for (s, _, w), n in per.items() if (s, w) == ("team", "all")) == [35] * 3
    held = [r for r in results if r.over_capacity is not None]
    assert len(held) > 500
    for r in held:
        assert r.tier == "growth" or (r.over_capacity.would_be, r.tier) == ("strategic", "key")
        assert r.over_capacity.message.startswith(f"would be {r.over_capacity.would_be}; over")
    assert figures.over_capacity.accounts == len(held)
    assert sum(figures.over_capacity.would_be.values()) == len(held)
    # over-served is a minority: about one account in twenty (247 of 5,000 at seed 7)
    share = figures.over_served.count / figures.accounts
    assert 0.01 < share < 0.1, share


def test_kam_portfolio_and_kam_show_say_who_is_over_capacity(
    synthetic: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = str(synthetic.url)
    (tmp_path / "defaults.toml").write_text("", encoding="utf-8")
    config = str(tmp_path / "defaults.toml")
    code, out, _ = kam(capsys, "portfolio", "--json", "--config", config, "--db", url)
    assert code == 0
    figures = json.loads(out)
    assert figures["over_capacity"]["accounts"] > 500
    assert figures["tiers"]["strategic"] + figures["tiers"]["key"] <= 3 * 35
    code, out, _ = kam(capsys, "portfolio", "--config", config, "--db", url)
    assert code == 0 and "a tier lower, over capacity" in " ".join(out.split())
    code, out, _ = kam(capsys, "score", "--json", "--config", config, "--db", url)
    held = next(
        r for r in json.loads(out) if r["over_capacity"] and r["over_capacity"]["would_be"] == "key"
    )
    assert held["tier"] == "growth"
    code, out, _ = kam(capsys, "show", held["account"], "--db", url)
    assert code == 0 and "would be key; over capacity" in " ".join(out.split())
    code, out, _ = kam(capsys, "score", held["account"], "--config", config, "--db", url)
    assert code == 0 and "would be key; over capacity" in " ".join(out.split())


# --- Slack and the TUI -------------------------------------------------------------------


@pytest.fixture
def tight(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScoringConfig:
    """Anna (linked to Slack) owns Acme and Kan-code, and can serve one key account."""
    toml = tmp_path / "kam.toml"
    toml.write_text(
        "[scoring.tiers]\nstrategic_share = 0\nkey_share = 1\ngrowth_share = 0\nkey_min = 0\n"
        "[scoring.capacity]\nmanager_max = 1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KAM_CONFIG", str(toml))
    config = rules(manager_max=1)
    with Session(engine) as s:
        anna = factories.user(s, "anna@example.com", slack_user_id="UANNA", team="North")
        factories.account(s, "Acme Corp", owner_id=anna.id, annual_revenue=9e6)
        factories.account(s, "Kan-code", owner_id=anna.id, annual_revenue=1e6)
        s.commit()
        rescore(session=s, now=NOW, config=config)
        s.commit()
    return config


def test_slack_portfolio_counts_and_show_says_would_be_key(
    engine: Engine, tight: ScoringConfig
) -> None:
    with running_bot(engine) as bot:
        text = reply_text(bot.command("portfolio"))
        assert "1 account stays a tier lower, over capacity" in text
        card = reply_text(bot.command("show kan-code"))
        assert "would be key; over capacity (anna@example.com is at the limit of 1" in card
        assert "over capacity" not in reply_text(bot.command("show acme"))


async def test_tui_overview_counts_and_the_card_says_would_be_key(
    engine: Engine, tight: ScoringConfig
) -> None:
    app = KamApp(PortfolioService(engine, clock=lambda: NOW, config=tight))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)
        assert "over capacity" in shown(app.screen, "#tiers")
        assert "1 account stays a tier lower" in shown(app.screen, "#capacity")
        await pilot.press("escape")
        await settle(app, pilot)
        with session_scope(engine) as session:
            kan = find_account("Kan-code", session=session).id
        assert kan is not None
        app.push_screen(AccountScreen(app.service, kan))
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.card is not None and app.screen.card.over_capacity is not None
        assert "would be key; over capacity" in " ".join(shown(app.screen, "#summary").split())
