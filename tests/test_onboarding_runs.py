"""Onboarding decided in SQL from the tier entry kept with each snapshot gives the answers
that reading every snapshot's history gave.

A synthetic portfolio is scored five times, with capacities that move accounts in and
out of the key tiers between runs, and some accounts put in a tier by override. The
reference below is the kind as it was before ``tier_since`` existed: the tier entry
found from the whole history, the checklist and the sorting against the reminder
table done in Python. Both are read for the due list and for a sweep, at several
moments and for one person, and must agree item for item.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Engine, and_, func, or_, update
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins.config import REVIEWED_TIERS, load_checkin_config
from core.checkins.items import DueItem
from core.checkins.kind import Context, Scope, key_accounts
from core.checkins.kinds import onboarding
from core.checkins.sql import chunked, moment, rows
from core.checkins.statements import scorings
from core.checkins.triage import Reading
from core.db import session_scope
from core.demo.synthetic import load_synthetic
from core.models import (
    Account,
    AccountStatus,
    Contact,
    CurrentTier,
    PlanObjective,
    ScoreSnapshot,
)
from core.scoring import ScoringConfig, rescore
from core.scoring.config import Capacity
from tests import factories

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NIGHTS = [NOW + timedelta(days=d) for d in (0, 9, 20, 33, 47)]
CAPACITIES = [
    Capacity(),
    Capacity(manager_max=5, manager_strategic_max=1, team_max=20, team_strategic_max=5),
    Capacity(manager_max=14, manager_strategic_max=4, team_max=45, team_strategic_max=12),
    Capacity(manager_max=8, manager_strategic_max=2),
    Capacity(),
]


@pytest.fixture
def lived(engine: Engine) -> Iterator[Engine]:
    """600 synthetic accounts scored six times, tiers moving between runs (one run
    written after a later one, as a rescore of an earlier moment is)."""
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=600, seed=11, now=NOW)
    for night, capacity in zip(NIGHTS, CAPACITIES, strict=True):
        with session_scope(engine) as session:
            rescore(session=session, now=night, config=ScoringConfig(capacity=capacity))
        if night == NIGHTS[2]:  # a few accounts put in a tier by hand, between runs
            with session_scope(engine) as session:
                session.execute(
                    update(Account)
                    .where(col(Account.id) % 37 == 0)
                    .values(
                        tier_override="key",
                        tier_override_reason="board",
                        updated_at=night + timedelta(hours=3),
                    )
                )
    with session_scope(engine) as session:  # a rescore of a moment before the newest
        capacity = Capacity(manager_max=3, manager_strategic_max=1)
        rescore(
            session=session,
            now=NIGHTS[3] + timedelta(days=1),
            config=ScoringConfig(capacity=capacity),
        )
    yield engine


# the kind before tier_since: its tier entry read from the whole history -----------------


class Onboarding(NamedTuple):
    """What an onboarding item says: whose, since when, in which tier, which steps done."""

    key: str
    account_id: int | None
    user_id: int | None
    due_at: datetime
    tier: str | None
    checklist: tuple[bool, ...]

    @classmethod
    def of(cls, item: DueItem) -> Onboarding:
        """What the kind's item says (its checklist read back from the words)."""
        steps = tuple(step.startswith("[x]") for step in item.detail[11:].split("; "))
        return cls(item.key, item.account_id, item.user_id, item.due_at, item.tier, steps)


def reference_read(context: Context, reading: Reading) -> list[Onboarding]:
    """Onboarding as kam read it from every snapshot (the kind before this change)."""
    now, config, session = context.now, context.config, reading.session
    first_scoring, last_scoring = scorings(session)
    if first_scoring == last_scoring:
        accounts = rows(session, _overridden_accounts(context))
    else:
        accounts = rows(session, key_accounts(context.scope, col(Account.updated_at)))
    if not accounts:
        return []
    ids = {row[0] for row in accounts}
    entered = _tier_entry(session, ids)
    deciders = _accounts_among(
        session,
        ids,
        col(Contact.account_id),
        col(Contact.decision_maker),
        col(Contact.retired_at).is_(None),
    )
    planned = _accounts_among(session, ids, col(PlanObjective.account_id))
    found = []
    for row in accounts:
        account_id, _name, owner_id, tier_name, updated = row
        since = entered.get(account_id)
        if since is not None and first_scoring is not None and since <= first_scoring:
            continue
        if since is None:
            since = moment(updated)
        if since is None or now - since > config.onboarding_window:
            continue
        checklist = (owner_id is not None, account_id in deciders, account_id in planned)
        if all(checklist):
            continue
        key = f"onboarding:{account_id}:{tier_name}"
        found.append(Onboarding(key, account_id, owner_id, since, tier_name, checklist))
    return reading.keep(found, lambda i: i.key, lambda i: i.user_id)


def _accounts_among(session: Session, ids: Collection[int], account: Any, *where: Any) -> set[int]:
    found: set[int] = set()
    for part in chunked(sorted(ids)):
        found.update(session.exec(select(account).where(*where, account.in_(part)).distinct()))
    return found


def _overridden_accounts(context: Context) -> Any:
    return wide_select(
        col(Account.id),
        col(Account.name),
        col(Account.owner_id),
        col(Account.tier_override).label("tier"),
        col(Account.updated_at),
    ).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        col(Account.tier_override).in_(sorted(REVIEWED_TIERS)),
        *context.scope.where(col(Account.owner_id), col(Account.id)),
    )


def _tier_entry(session: Session, account_ids: Collection[int]) -> dict[int, datetime]:
    reviewed = sorted(REVIEWED_TIERS)
    last_low = (
        select(
            col(ScoreSnapshot.account_id).label("account_id"),
            func.max(ScoreSnapshot.at).label("at"),
        )
        .where(
            col(ScoreSnapshot.tier).not_in(reviewed),
            col(ScoreSnapshot.account_id).in_(sorted(account_ids)),
        )
        .group_by(col(ScoreSnapshot.account_id))
        .subquery()
    )
    query = (
        select(col(ScoreSnapshot.account_id), func.min(ScoreSnapshot.at))
        .outerjoin(last_low, last_low.c.account_id == ScoreSnapshot.account_id)
        .where(
            col(ScoreSnapshot.tier).in_(reviewed),
            col(ScoreSnapshot.account_id).in_(sorted(account_ids)),
            or_(last_low.c.at.is_(None), and_(col(ScoreSnapshot.at) > last_low.c.at)),
        )
        .group_by(col(ScoreSnapshot.account_id))
    )
    out = {}
    for account_id, first in session.exec(query).all():
        stamp = moment(first)
        if stamp is not None:
            out[account_id] = stamp
    return out


# the comparisons ------------------------------------------------------------------------


def both(session: Session, now: datetime, scope: Scope, *, new_only: bool) -> tuple[Any, Any]:
    """The new kind's and the reference's items (and a sweep's counts) at ``now``."""
    context = Context(now, load_checkin_config(), scope)
    new = Reading(session, now, new_only=new_only)
    said = sorted(Onboarding.of(d.item) for d in onboarding.read(context, new))
    old = Reading(session, now, new_only=new_only)
    return (said, new.tally), (sorted(reference_read(context, old)), old.tally)


def test_every_snapshot_keeps_the_start_of_its_run_and_each_account_its_tier(
    lived: Engine,
) -> None:
    with Session(lived) as session:
        history = session.exec(
            select(ScoreSnapshot.account_id, ScoreSnapshot.at, ScoreSnapshot.tier).order_by(
                col(ScoreSnapshot.account_id), col(ScoreSnapshot.at)
            )
        ).all()
        kept = {
            (a, moment(at)): moment(since)
            for a, at, since in session.exec(
                select(ScoreSnapshot.account_id, ScoreSnapshot.at, ScoreSnapshot.tier_since)
            ).all()
        }
    assert len({a for a, _, _ in history}) == 600
    expected: dict[tuple[int, datetime | None], datetime | None] = {}
    run: dict[int, datetime | None] = {}
    for account_id, at, tier in history:
        if tier in REVIEWED_TIERS:
            run[account_id] = run.get(account_id) or moment(at)
        else:
            run[account_id] = None
        expected[(account_id, moment(at))] = run[account_id]
    assert kept == expected
    with Session(lived) as session:
        current = {
            a: (tier, moment(since))
            for a, tier, since in session.exec(
                select(CurrentTier.account_id, CurrentTier.tier, CurrentTier.tier_since)
            ).all()
        }
    # history is in time order: the newest tier of each account, and its run's start
    newest = {account_id: (tier, run[account_id]) for account_id, _, tier in history}
    assert current == newest  # the newest, though a rescore of an earlier moment came last
    entries = {since for since in expected.values() if since is not None}
    assert len(entries) >= 3  # runs began at several scorings, not only the first


@pytest.mark.parametrize("new_only", [False, True], ids=["due list", "sweep"])
def test_onboarding_from_the_kept_entry_equals_the_history(lived: Engine, new_only: bool) -> None:
    with Session(lived) as session:
        keys = [
            r.key
            for r in both(session, NIGHTS[-1] + timedelta(days=1), Scope(), new_only=False)[1][0]
        ]
        assert len(keys) >= 10, keys  # the runs moved: accounts became key after the first
        # a few already claimed, done, snoozed and held, so a sweep has to sort them
        owner = factories.reminders_in_every_state(session, keys[:12], "onboarding", NIGHTS[-1])
        for days in (1, 30, 80, 120):
            now = NIGHTS[-1] + timedelta(days=days)
            for scope in (Scope(), Scope(user_ids=frozenset({owner}))):  # type: ignore[arg-type]
                new, old = both(session, now, scope, new_only=new_only)
                assert new == old, (days, scope)
