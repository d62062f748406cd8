"""A small, fixed portfolio for the terminal UI's tests and snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from core.db import open_database, session_scope
from core.models import Deal, ScoreSnapshot
from core.services import records
from core.services.accounts import find_account
from tests import factories
from tests.factories import SYSTEM

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

ACCOUNTS = [
    # name, sector, owner, revenue 12m, days since contact, scores (attr, rel, health, prev health)
    (
        "Acme Corporation",
        "technology",
        "anna",
        120_000,
        5,
        (82, 71, 80, 70),
        "strategic",
        "strategic",
    ),
    ("Betasoloin", "medical", "anna", 54_000, 40, (64, 35, 45, 60), "key", "develop"),
    ("Cancity", "retail", "carl", 31_000, 95, (40, 66, 62, 62), "growth", "maintain"),
    (
        "Dalttechnology",
        "software",
        "carl",
        9_500,
        200,
        (22, 18, 30, 41),
        "standard",
        "serve_efficiently",
    ),
    ("Ganjaflex", "retail", "bob", 2_000, 12, (55, 52, 77, 76), "growth", "strategic"),
    ("Hottechi", "technology", None, 0, None, None, None, None),
]


def build_portfolio(path: Path) -> Engine:
    """A migrated SQLite file with three people, six accounts, deals, contacts and scores."""
    engine = open_database(f"sqlite:///{path}", create=True)
    with session_scope(engine) as session:
        bob = factories.user(session, "bob@example.com", role="manager", team="East")
        anna = factories.user(session, "anna@example.com", manager_id=bob.id, team="East")
        carl = factories.user(session, "carl@example.com", team="West")
        people = {"anna": anna, "bob": bob, "carl": carl}
        for name, sector, owner, revenue, days, scores, tier, quadrant in ACCOUNTS:
            account = factories.account(
                session,
                name,
                sector=sector,
                country="Norway",
                owner_id=people[owner].id if owner else None,
                category_spend=revenue * 4 if revenue else None,
            )
            if revenue:
                for months_ago, share in ((1, 0.5), (4, 0.3), (7, 0.2)):
                    session.add(
                        Deal(
                            account_id=account.id,
                            stage="won",
                            amount=revenue * share,
                            product="GTX Pro",
                            engaged_on=(NOW - timedelta(days=30 * months_ago + 20)).date(),
                            closed_on=(NOW - timedelta(days=30 * months_ago)).date(),
                        )
                    )
            if days is not None:
                records.log_interaction(
                    account,
                    f"Quarterly call with {name}",
                    session=session,
                    actor=SYSTEM,
                    occurred_at=NOW - timedelta(days=days),
                    now=NOW,
                )
            if scores is not None:
                attractiveness, relationship, health, previous = scores
                for at, value in ((NOW - timedelta(days=7), previous), (NOW, health)):
                    session.add(
                        ScoreSnapshot(
                            account_id=account.id,
                            at=at,
                            attractiveness=attractiveness,
                            relationship=relationship,
                            health=value,
                            tier=tier,
                            quadrant=quadrant,
                            breakdown={
                                "attractiveness": {"size": 30.0, "growth": 20.0},
                                "relationship": {"stage": 40.0, "cadence": 31.0},
                                "health": {"recency": 50.0, "revenue trend": 30.0},
                            },
                        )
                    )
        acme = find_account("Acme Corporation", session=session)
        records.add_contact(
            acme,
            {
                "name": "Ingrid Berg",
                "title": "Head of purchasing",
                "decision_maker": True,
                "hometown": "Bergen",
                "favourite_team": "Brann",
                "birthday": date(1980, 5, 17),
            },
            session=session,
            actor=SYSTEM,
        )
    return engine
