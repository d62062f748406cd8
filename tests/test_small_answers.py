"""Answers for one account or one page give what the whole portfolio gives: the page of
``kam accounts --limit N`` is the head of the full ordering, and an account named as
people type it is the one found before the look-up was made cheaper."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.db import Engine, open_database, session_scope
from core.demo import synthetic
from core.errors import KamError, NotFound
from core.models import User
from core.scoring import rescore
from core.services.accounts import find_account
from core.views.accounts import account_page, list_accounts
from tests import factories
from tests.conftest import PG_URL, fresh_postgres

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden" / "find_account.json"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def scored_portfolio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A synthetic portfolio scored on three nights, the tiers moving between them."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('scored')}/kam.db"])
    elif not PG_URL:
        pytest.skip("PostgreSQL tests need KAM_TEST_POSTGRES_URL")
    else:
        urls = fresh_postgres()
    engine = open_database(next(urls), create=True)
    with session_scope(engine) as session:
        synthetic.load_synthetic(session=session, accounts=300, seed=11, now=NOW)
    for nights_ago in (20, 9, 1):
        with session_scope(engine) as session:
            rescore(session=session, now=NOW - timedelta(days=nights_ago))
    yield engine
    engine.dispose()
    next(urls, None)  # a PostgreSQL database is dropped


def test_a_page_is_the_head_of_the_full_ordering_for_every_filter_and_length(
    scored_portfolio: Engine,
) -> None:
    with session_scope(scored_portfolio) as session:
        owners = session.exec(select(User).order_by(User.id)).all()
        busiest = max(owners, key=lambda u: len(list_accounts(session=session, owner=u, now=NOW)))
        for tier in (None, "strategic", "key", "growth", "standard"):
            for owner in (None, busiest):
                every = list_accounts(session=session, tier=tier, owner=owner, now=NOW)
                for limit in (1, 7, 20, 150, 1000):
                    page = account_page(
                        session=session, limit=limit, tier=tier, owner=owner, now=NOW
                    )
                    assert page.rows == every[:limit], (tier, owner and owner.email, limit)
                    assert page.total == len(every)
        whole = list_accounts(session=session, now=NOW)
    assert len(whole) == 300 and len({r.tier for r in whole}) >= 3
    assert sum(1 for r in whole if r.revenue_12m == 0) >= 2  # ties, broken by name


def _answer(query: str, session: Session) -> list[object]:
    try:
        return [query, "found", find_account(query, session=session).name]
    except NotFound as missing:
        return [query, "not found", missing.suggestions]
    except KamError as refused:
        return [query, "error", str(refused)]


def test_names_find_the_accounts_they_found_before(session: Session) -> None:
    """744 ways of typing 400 generated names (exact, other case, without punctuation,
    a prefix, a letter missing, one more, two swapped, a first word), with the account
    each found, or the names suggested, before the name look-up was reworked."""
    golden = json.loads(GOLDEN.read_text())
    for name in golden["names"]:  # in the order they were made: it orders equal suggestions
        factories.account(session, name)
    session.commit()
    answers = [_answer(query, session) for query, *_ in golden["cases"]]
    assert answers == golden["cases"]
