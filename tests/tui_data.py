"""A small, fixed portfolio for the terminal UI's tests and snapshots."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from core.db import open_database, session_scope
from core.models import (
    CommitmentCreate,
    ContactCreate,
    Deal,
    FeedbackCreate,
    Goal,
    InteractionCreate,
    NoticeCreate,
)
from core.scoring import rescore
from core.services.accounts import find_account
from core.services.commitments import add_commitment
from core.services.contacts import add_contact
from core.services.feedback import add_feedback
from core.services.interactions import log_interaction
from core.services.notices import add_notice
from tests import factories
from tests.factories import SYSTEM

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

ACCOUNTS = [
    # name, sector, owner, revenue 12m, days since contact,
    # (annual revenue, employees, relationship stage, financial health, industry influence)
    ("Acme Corporation", "technology", "anna", 120_000, 5, (80e6, 5000, 5, 5, 5)),
    ("Betasoloin", "medical", "anna", 54_000, 40, (30e6, 900, 2, 4, 4)),
    ("Cancity", "retail", "carl", 31_000, 95, (3e6, 60, 5, 3, 2)),
    ("Dalttechnology", "software", "carl", 9_500, 200, (1e6, 15, 1, 2, 1)),
    ("Ganjaflex", "retail", "bob", 2_000, 12, (0.5e6, 10, 3, 3, 3)),
    ("Hottechi", "technology", None, 0, None, None),
]


def open_copy(template: Path, path: Path) -> Engine:
    """An engine on a copy, at ``path``, of a portfolio :func:`build_portfolio` built
    (the ``tui_template`` fixture): copying the file is a hundred times cheaper."""
    shutil.copyfile(template, path)
    return open_database(f"sqlite:///{path}")


def build_portfolio(path: Path) -> Engine:
    """A migrated SQLite file with three people and six accounts, scored twice.

    Deals, contacts, promises, notices and feedback give every screen something
    to show; the scores are the real ones (``rescore`` a week before ``NOW`` and
    at ``NOW``), so tiers, quadrants, bands and trends are what kam computes.
    """
    engine = open_database(f"sqlite:///{path}", create=True)
    with session_scope(engine) as session:
        bob = factories.user(session, "bob@example.com", role="manager", team="East")
        anna = factories.user(session, "anna@example.com", manager_id=bob.id, team="East")
        carl = factories.user(session, "carl@example.com", team="West")
        people = {"anna": anna, "bob": bob, "carl": carl}
        for name, sector, owner, revenue, days, facts in ACCOUNTS:
            size, employees, stage, health, influence = facts or (None, None, None, None, None)
            account = factories.account(
                session,
                name,
                sector=sector,
                country="Norway",
                owner_id=people[owner].id if owner else None,
                category_spend=revenue * 4 if revenue else None,
                annual_revenue=size,
                employees=employees,
                relationship_stage=stage,
                financial_health=health,
                industry_influence=influence,
            )
            account.created_at = NOW - timedelta(
                days=400
            )  # fixed: the due list must not follow the calendar
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
                call = InteractionCreate(
                    summary=f"Quarterly call with {name}", occurred_at=NOW - timedelta(days=days)
                )
                log_interaction(account, call, session=session, actor=SYSTEM, now=NOW)
        _facts(session, NOW)
        for metric, target, period in (("revenue_12m", 300_000, "12m"), ("csat", 4.5, "2026")):
            session.add(Goal(metric=metric, target=target, scope="team", period=period))
        session.add(Goal(metric="happiness", target=1, scope="team", period="2026"))
    with session_scope(engine) as session:
        rescore(session=session, now=NOW - timedelta(days=7))
    with session_scope(engine) as session:
        rescore(session=session, now=NOW)
    return engine


def _facts(session: Session, now: datetime) -> None:
    """People, promises, bad news, feedback and a fresh win: what the due list works from."""
    acme = find_account("Acme Corporation", session=session)
    ingrid = ContactCreate(
        name="Ingrid Berg",
        title="Head of purchasing",
        decision_maker=True,
        hometown="Bergen",
        favourite_team="Brann",
        birthday=date(1980, 5, 17),
    )
    add_contact(acme, ingrid, session=session, actor=SYSTEM)
    ola = ContactCreate(name="Ola Nordmann", title="CTO", interests="sailing")
    add_contact(acme, ola, session=session, actor=SYSTEM)
    session.add(
        Deal(
            account_id=acme.id,
            stage="won",
            amount=10_000,
            product="GTX Plus",
            engaged_on=(now - timedelta(days=20)).date(),
            closed_on=(now - timedelta(days=2)).date(),
        )
    )
    notice = add_notice(
        acme,
        NoticeCreate(
            what="List prices rise 5% from April",
            must_tell_by=(now + timedelta(days=2)).date(),
            kind="price_change",
        ),
        session=session,
        actor=SYSTEM,
    )
    notice.created_at = now - timedelta(days=3)
    add_feedback(
        acme,
        FeedbackCreate(csat=5, nps=9, at=now - timedelta(days=10)),
        session=session,
        actor=SYSTEM,
    )
    beta = find_account("Betasoloin", session=session)
    add_commitment(
        beta,
        CommitmentCreate(what="Send the revised quote", due_on=(now + timedelta(days=1)).date()),
        session=session,
        actor=SYSTEM,
    )
    cancity = find_account("Cancity", session=session)
    for contact in ("Kari Holm", "Per Dahl"):
        person = ContactCreate(name=contact, decision_maker=contact == "Kari Holm")
        add_contact(cancity, person, session=session, actor=SYSTEM)
    add_feedback(
        cancity,
        FeedbackCreate(csat=5, expectation="exceeded", at=now - timedelta(days=30)),
        session=session,
        actor=SYSTEM,
    )
    dalt = find_account("Dalttechnology", session=session)
    for days_late, what in (
        (20, "Fix the invoice"),
        (10, "Call back about support"),
        (5, "Send the manual"),
    ):
        late = CommitmentCreate(what=what, due_on=(now - timedelta(days=days_late)).date())
        add_commitment(dalt, late, session=session, actor=SYSTEM)
    add_feedback(
        dalt,
        FeedbackCreate(csat=2, expectation="below", at=now - timedelta(days=20)),
        session=session,
        actor=SYSTEM,
    )
