"""The reminder kinds' statements are built once and run again with other values
(:func:`core.checkins.kind.built`): a due list read with statements an earlier call
built, for another person, another team, other accounts or another moment, is the list
read with statements built for it alone. A value kept in a statement (a moment, a
window's days, a quarter, a person) would give the earlier call's answer.

A synthetic portfolio scored twice (so the health drops and onboarding compare two
scorings), read at three moments in two quarters (the reviews' window open in both,
their keys naming different quarters) for the busiest owners, a team, and a few
accounts; each answer first from statements built for it, then all of them again in
another order from the statements the others built. A sweep's reading of everyone is
compared the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from core.checkins.config import load_checkin_config
from core.checkins.derive import derive
from core.checkins.due import due_items, items_for_accounts
from core.checkins.kind import Scope
from core.checkins.statements import forget_built
from core.checkins.triage import Reading
from core.db import session_scope
from core.demo.synthetic import load_synthetic
from core.models import Account, Interaction, InteractionKind, User
from core.scoring import rescore

LOADED = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
MOMENTS = (
    LOADED + timedelta(hours=1),  # Q1, before its reviews are due
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC),  # Q1, its reviews due
    datetime(2026, 5, 26, 15, 0, tzinfo=UTC),  # Q2, its reviews due
)


@pytest.fixture
def portfolio(engine: Engine) -> Iterator[Engine]:
    """400 synthetic accounts scored on two nights."""
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=400, seed=5, now=LOADED - timedelta(days=1))
    for night in (LOADED - timedelta(days=1), LOADED):
        with session_scope(engine) as session:
            rescore(session=session, now=night)
    yield engine
    forget_built()


def _owners(session: Session) -> list[int]:
    """The (up to) three owners of the most accounts."""
    return list(
        session.exec(
            select(Account.owner_id)
            .where(col(Account.owner_id).is_not(None))
            .group_by(col(Account.owner_id))
            .order_by(func.count().desc(), col(Account.owner_id))
            .limit(3)
        ).all()
    )  # type: ignore[arg-type]


def _lead(session: Session) -> int:
    """Someone who leads a team."""
    lead = session.exec(
        select(User.manager_id).where(col(User.manager_id).is_not(None)).limit(1)
    ).first()
    assert lead is not None
    return lead


def test_statements_run_again_give_the_answers_of_statements_built_for_the_call(
    portfolio: Engine,
) -> None:
    config = load_checkin_config()
    with Session(portfolio) as session:
        owners = _owners(session)
        lead = _lead(session)
        accounts = list(session.exec(select(Account.id).order_by(col(Account.id)).limit(40)))
    some = [frozenset(accounts[:15]), frozenset(accounts[20:40])]

    def ask(question: tuple[Any, ...]) -> Any:
        what, who, now = question
        with Session(portfolio) as session:
            if what == "person":
                return due_items(session=session, now=now, user_id=who, config=config)
            if what == "team":
                return due_items(session=session, now=now, team_of=who, config=config)
            if what == "accounts":
                return sorted(
                    (d.item for d in items_for_accounts(who, session=session, now=now)),
                    key=lambda i: i.key,
                )
            reading = Reading(session, now, new_only=True)
            found = derive(session=session, now=now, config=config, scope=Scope(), reading=reading)
            return sorted(d.item.key for d in found), reading.tally

    questions = [
        *(("person", owner, now) for now in MOMENTS for owner in owners),
        *(("team", lead, now) for now in MOMENTS),
        *(("accounts", ids, now) for now in MOMENTS for ids in some),
        *(("sweep", None, now) for now in MOMENTS),
    ]
    alone = {}
    for question in questions:
        forget_built()
        alone[question] = ask(question)
    # Each built once, for the first question that needs it, then run for the others.
    forget_built()
    again = {question: ask(question) for question in reversed(questions)}
    for question in questions:
        assert again[question] == alone[question], question

    # The answers differ where a kept value would show: between people, and between
    # moments, in the kinds and the keys.
    lists = [alone[("person", owner, MOMENTS[1])] for owner in owners]
    assert len(owners) >= 2 and all(lists)
    assert len({tuple(i.key for i in items) for items in lists}) == len(owners)
    for owner in owners:
        by_moment = [{i.key for i in alone[("person", owner, now)]} for now in MOMENTS]
        assert by_moment[0] != by_moment[1] != by_moment[2]
    kinds = {i.kind for now in MOMENTS for o in owners for i in alone[("person", o, now)]}
    assert {"check_in_due", "account_review", "thank_you"} <= kinds, kinds
    reviews = {
        i.key.rsplit(":", 1)[1]
        for now in MOMENTS
        for o in owners
        for i in alone[("person", o, now)]
        if i.kind == "account_review"
    }
    assert reviews == {"2026Q1", "2026Q2"}
    assert alone[("accounts", some[0], MOMENTS[1])] != alone[("accounts", some[1], MOMENTS[1])]
    assert alone[("sweep", None, MOMENTS[0])] != alone[("sweep", None, MOMENTS[2])]


def test_a_due_list_sees_what_its_session_holds_unflushed(portfolio: Engine) -> None:
    """The kinds' statements run on the session's connection, not through the ORM's
    execution: what the session holds is flushed first, as the ORM's autoflush did.
    A call logged and not yet flushed resolves the account's check-in (the first kind
    read, before anything the ORM runs would flush it)."""
    now = MOMENTS[1]
    with Session(portfolio) as session:
        owner = _owners(session)[0]
        items = due_items(session=session, now=now, user_id=owner)
        check_in = next(i for i in items if i.kind == "check_in_due")
        assert check_in.account_id is not None
        session.add(
            Interaction(
                account_id=check_in.account_id,
                kind=InteractionKind.CALL,
                occurred_at=now - timedelta(hours=1),
                summary="Called",
            )
        )
        assert session.new  # not flushed yet
        after = due_items(session=session, now=now, user_id=owner)
        gone = [i.key for i in items if i not in after]
        assert check_in.key in gone
        session.rollback()
