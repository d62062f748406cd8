"""Health drops decided from what ``current_tiers`` keeps (the newest health, and where
the red run began by the red line scoring judged it by) and, for another red line, the
snapshots of the window give the answers that reading every snapshot's history gives.

A synthetic portfolio is scored six times, and some accounts get snapshots written one
at a time on top (as a rescore of one account does), some of them before the newest
(out of order), with health going in and out of red; a few accounts get a call after
their drop. The reference below reads each account's whole history in Python by the
rule the kind states: the newest snapshot is red and in the window, and the snapshot
after the account's last one above the red line is the drop, in the window and not
after now. Both are read for the due list and for a sweep, at several moments, for
one person and with several red lines, and must agree item for item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Engine, insert, update
from sqlmodel import Session, col, select

from core.checkins.config import CheckinConfig, load_checkin_config
from core.checkins.items import DueItem
from core.checkins.kind import Context, Scope
from core.checkins.kinds import health_drop
from core.checkins.kinds.personal_connect import PERSONAL_KINDS
from core.checkins.sql import moment
from core.checkins.triage import Reading
from core.db import session_scope
from core.demo.synthetic import load_synthetic
from core.models import (
    Account,
    AccountStatus,
    CurrentTier,
    Interaction,
    ScoreSnapshot,
)
from core.scoring import ScoringConfig, rescore
from core.tier_runs import snapshots_written
from tests import factories

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NIGHTS = [NOW + timedelta(days=d) for d in (0, 4, 8, 12, 16, 20)]
LAST = NIGHTS[-1]
BOUNCES = (  # health of hand-written snapshots, from 3 days before the last night, daily
    (70.0, 45.0, 44.0, 43.0),  # a drop two nights before the last
    (45.0, 70.0, 30.0, 30.0),  # red, above, red again: the second fall is the drop
    (80.0, 80.0, 80.0, 20.0),  # fell at the last night
    (20.0, 20.0, 20.0, 20.0),  # red throughout the window
)


@pytest.fixture
def lived(engine: Engine) -> Iterator[Engine]:
    """400 synthetic accounts scored six times; 60 with health moved by hand in and
    out of red after that, a few of them out of order; calls after some drops."""
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=400, seed=5, now=NOW)
    for night in NIGHTS:
        with session_scope(engine) as session:
            rescore(session=session, now=night, config=ScoringConfig())
    with session_scope(engine) as session:
        ids = session.exec(select(Account.id).order_by(col(Account.id))).all()
        for n, account_id in enumerate(ids[3:363:6]):
            assert account_id is not None
            newest = session.exec(
                select(ScoreSnapshot)
                .where(col(ScoreSnapshot.account_id) == account_id)
                .order_by(col(ScoreSnapshot.at).desc())
            ).first()
            assert newest is not None
            healths = BOUNCES[n % len(BOUNCES)]
            days = [LAST + timedelta(days=d - 3, hours=1) for d in range(len(healths))]
            if n % 5 == 0:  # written newest first: each later one lands before the newest
                pairs = list(zip(days, healths, strict=True))[::-1]
            else:
                pairs = list(zip(days, healths, strict=True))
            for when, value in pairs:
                session.add(_copy(newest, when, value))
                session.flush()
            if n % 7 == 3:  # a call after the drop resolves it
                session.add(
                    Interaction(
                        account_id=account_id,
                        kind=PERSONAL_KINDS[0],
                        occurred_at=LAST + timedelta(hours=5),
                        summary="Called about their health",
                    )
                )
            if n % 11 == 4:
                session.get_one(Account, account_id).status = AccountStatus.CHURNED
    yield engine


def _copy(snap: ScoreSnapshot, when: datetime, value: float) -> ScoreSnapshot:
    health = dict((snap.breakdown or {}).get("health") or {"usage": 0.0})
    first = sorted(health)[0]
    health[first] = round(float(health[first]) + value - snap.health, 1)
    return ScoreSnapshot(
        account_id=snap.account_id,
        at=when,
        attractiveness=snap.attractiveness,
        relationship=snap.relationship,
        health=value,
        tier=snap.tier,
        quadrant=snap.quadrant,
        breakdown={**(snap.breakdown or {}), "health": health},
    )


# the rule, read from every snapshot -------------------------------------------------------


class Said(NamedTuple):
    """What a health-drop item says."""

    key: str
    account_id: int | None
    user_id: int | None
    due_at: datetime
    tier: str | None
    priority: float
    title: str
    detail: str

    @classmethod
    def of(cls, item: DueItem) -> Said:
        return cls(
            item.key,
            item.account_id,
            item.user_id,
            item.due_at,
            item.tier,
            round(item.priority, 6),
            item.title,
            item.detail,
        )


class History(NamedTuple):
    """Every account, every snapshot of each, and each account's calls, as stored."""

    accounts: list[Account]
    snapshots: dict[int, list[ScoreSnapshot]]
    calls: dict[int, list[datetime]]

    @classmethod
    def of(cls, session: Session) -> History:
        snapshots: dict[int, list[ScoreSnapshot]] = defaultdict(list)
        for snap in session.exec(
            select(ScoreSnapshot).order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at))
        ).all():
            snapshots[snap.account_id].append(snap)
        calls: dict[int, list[datetime]] = defaultdict(list)
        for account_id, when in session.exec(
            select(Interaction.account_id, Interaction.occurred_at).where(
                col(Interaction.kind).in_([str(k) for k in PERSONAL_KINDS])
            )
        ).all():
            stamp = moment(when)
            assert stamp is not None
            calls[account_id].append(stamp)
        accounts = list(session.exec(select(Account).order_by(col(Account.id))).all())
        return cls(accounts, snapshots, calls)


def reference_read(context: Context, reading: Reading, stored: History) -> list[Said]:
    """Health drops found by reading every snapshot of every account (``stored``: read
    once, after a test's last write, for the many moments it compares)."""
    now, config = context.now, context.config
    red, since = config.health_red, now - config.health_drop_window
    history, calls = stored.snapshots, stored.calls
    if len({s.at for snaps in history.values() for s in snaps}) < 2:
        return []
    found = []
    for account in stored.accounts:
        snaps = history.get(account.id or 0)
        if account.status != AccountStatus.ACTIVE or not snaps:
            continue
        if not context.scope.wants(account.owner_id):
            continue
        newest = snaps[-1]
        if newest.health > red or _utc(newest.at) < since:
            continue
        above = [n for n, s in enumerate(snaps) if s.health > red]
        if not above:
            continue
        was, fell = snaps[above[-1]], snaps[above[-1] + 1]
        fell_at = _utc(fell.at)
        if fell_at < since or fell_at > now:
            continue
        if any(when >= fell_at for when in calls[account.id or 0]):
            continue
        tier = account.tier_override or newest.tier
        factors = health_drop.factors_moved(fell.breakdown, was.breakdown)
        falls = [f"{f} {c:+.1f}" for f, c in factors.items() if c < 0]
        rises = [f"{f} {c:+.1f}" for f, c in factors.items() if c > 0]
        found.append(
            Said(
                f"health_drop:{account.id}:{fell_at:%Y-%m-%d}",
                account.id,
                account.owner_id,
                fell_at,
                tier,
                round(1.5 * config.weight(tier) / config.weight("strategic"), 6),
                f"Health of {account.name} fell into red: {was.health:.1f} → {fell.health:.1f}",
                f"What moved: {'; '.join(falls + rises) or 'no single factor moved'}. "
                "Call them and find out why.",
            )
        )
    return reading.keep(found, lambda i: i.key, lambda i: i.user_id)


def _utc(when: datetime) -> datetime:
    stamp = moment(when)
    assert stamp is not None
    return stamp


def both(
    session: Session, now: datetime, context: Context, stored: History, *, new_only: bool
) -> Any:
    """The kind's and the reference's items (and a sweep's counts) at ``now``."""
    new = Reading(session, now, new_only=new_only)
    said = sorted(Said.of(d.item) for d in health_drop.read(context, new))
    old = Reading(session, now, new_only=new_only)
    return (said, new.tally), (sorted(reference_read(context, old, stored)), old.tally)


# the comparisons --------------------------------------------------------------------------


def test_scoring_keeps_the_newest_snapshots_moment_and_health(lived: Engine) -> None:
    with Session(lived) as session:
        newest: dict[int, tuple[Any, ...]] = {}
        for account_id, at, health, tier in session.exec(
            select(
                ScoreSnapshot.account_id, ScoreSnapshot.at, ScoreSnapshot.health, ScoreSnapshot.tier
            ).order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at))
        ).all():
            newest[account_id] = (_utc(at), health, tier)
        kept = {
            row.account_id: (_utc(row.at), row.health, row.tier)
            for row in session.exec(select(CurrentTier)).all()
        }
    assert kept == newest  # the newest, though some were written before others


@pytest.mark.parametrize("new_only", [False, True], ids=["due list", "sweep"])
def test_health_drops_from_the_window_equal_the_history(lived: Engine, new_only: bool) -> None:
    config = load_checkin_config()
    with Session(lived) as session:
        everyone = Context(LAST + timedelta(hours=6), config, Scope())
        stored = History.of(session)
        keys = [r.key for r in both(session, everyone.now, everyone, stored, new_only=False)[1][0]]
        assert len(keys) >= 12, keys  # enough drops to compare, of every shape
        # a few already claimed, done, snoozed and held, so a sweep has to sort them
        owner = factories.reminders_in_every_state(session, keys[:8], health_drop.NAME, LAST)
        stored = History.of(session)  # that commit expired what was read: reload it at once
        one = Scope(user_ids=frozenset({owner})) if owner is not None else Scope()
        compared = 0
        for hours in (-30, 6, 48, 24 * 9, 24 * 13):
            now = LAST + timedelta(hours=hours)
            for red in (config.health_red, 40.0, 65.0):  # the red line is the settings'
                settings: CheckinConfig = replace(config, health_red=red)
                for scope in (Scope(), one):
                    context = Context(now, settings, scope)
                    new, old = both(session, now, context, stored, new_only=new_only)
                    only = set(new[0]) ^ set(old[0])
                    assert new == old, (hours, red, scope, only)
                    compared += len(new[0])
        assert compared >= 50


def test_a_red_run_that_began_before_the_window_is_no_drop_whatever_came_after(
    engine: Engine,
) -> None:
    """Scored red every night since a drop older than the window: no reminder, not one
    dated by the first red night inside the window (a new one each night)."""
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=30, seed=3, now=NOW)
    with session_scope(engine) as session:
        rescore(session=session, now=NOW, config=ScoringConfig())
        account_id = session.exec(select(Account.id).order_by(col(Account.id))).first()
        newest = session.exec(
            select(ScoreSnapshot).where(col(ScoreSnapshot.account_id) == account_id)
        ).one()
        session.add(_copy(newest, NOW + timedelta(days=1), 80.0))
        for night in range(2, 40):
            session.add(_copy(newest, NOW + timedelta(days=night), 20.0))
    config = load_checkin_config()
    with Session(engine) as session:
        for day, expected in ((10, 1), (15, 1), (17, 0), (30, 0), (39, 0)):
            now = NOW + timedelta(days=day, hours=6)
            context = Context(now, config, Scope(account_ids=frozenset({account_id or 0})))
            items = [d.item for d in health_drop.read(context, Reading(session, now))]
            assert [i.key for i in items] == [
                f"health_drop:{account_id}:{NOW + timedelta(days=2):%Y-%m-%d}"
            ] * expected, day


# where each red run began, kept beside the newest health -----------------------------------


def test_scoring_keeps_the_newest_snapshot_above_the_red_line(lived: Engine) -> None:
    """Scored nightly, then snapshots written one at a time, some before the newest: each
    row keeps the scoring settings' red line and the moment of its account's newest
    snapshot above it (None for an account never above it)."""
    red = ScoringConfig().bands.red
    with Session(lived) as session:
        stored = History.of(session)
        expected = {
            account_id: (red, max((_utc(s.at) for s in snaps if s.health > red), default=None))
            for account_id, snaps in stored.snapshots.items()
        }
        kept = {
            row.account_id: (row.red_line, row.above_at and _utc(row.above_at))
            for row in session.exec(select(CurrentTier)).all()
        }
    assert kept == expected
    assert sum(at is None for _, at in kept.values()) >= 4  # red since their first scoring
    assert sum(at is not None and at < LAST - timedelta(days=3) for _, at in kept.values()) >= 4


DAY = timedelta(days=1)


def _write(connection: Any, account_id: int, at: datetime, health: float) -> None:
    """One snapshot in bulk, as scoring writes them (no event of the model's)."""
    connection.execute(
        insert(ScoreSnapshot.__table__),  # type: ignore[attr-defined]
        [
            dict(account_id=account_id, at=at, health=health, tier="growth")
            | dict(attractiveness=50.0, relationship=50.0, quadrant="develop")
            | dict(breakdown={"health": {"usage": health}})
        ],
    )


def _kept(engine: Engine, account_id: int) -> tuple[float | None, datetime | None]:
    with Session(engine) as session:
        row = session.get_one(CurrentTier, account_id)
        return row.red_line, row.above_at and _utc(row.above_at)


def test_where_the_red_run_began_follows_every_way_snapshots_are_written(
    engine: Engine,
) -> None:
    """Nightly in bulk, a rescore of an earlier moment, and one snapshot at a time (in
    order and before the newest): the row keeps the newest snapshot above the red line,
    by the line scoring gave or, one at a time, the line the row was kept by."""
    with session_scope(engine) as session:
        account_id = factories.account(session, "Acme").id
    assert account_id is not None
    with engine.begin() as conn:  # nightly, 70 then red twice: the run began after day 0
        for day, health in ((0, 70.0), (2, 30.0), (3, 20.0)):
            _write(conn, account_id, NOW + day * DAY, health)
            snapshots_written(conn, NOW + day * DAY, 50.0)
    assert _kept(engine, account_id) == (50.0, NOW)
    with engine.begin() as conn:  # a rescore of day 1, above the line: the run began later
        _write(conn, account_id, NOW + DAY, 80.0)
        snapshots_written(conn, NOW + DAY, 50.0)
    assert _kept(engine, account_id) == (50.0, NOW + DAY)
    with session_scope(engine) as session:  # one at a time, before the newest, above
        session.add(_snapshot(account_id, NOW + 2.5 * DAY, 55.0))
    assert _kept(engine, account_id) == (50.0, NOW + 2.5 * DAY)
    with session_scope(engine) as session:  # one at a time, newest, red: the run goes on
        session.add(_snapshot(account_id, NOW + 4 * DAY, 10.0))
    assert _kept(engine, account_id) == (50.0, NOW + 2.5 * DAY)
    with engine.begin() as conn:  # a nightly scoring by another red line judges by it
        _write(conn, account_id, NOW + 5 * DAY, 50.0)
        snapshots_written(conn, NOW + 5 * DAY, 60.0)
    assert _kept(engine, account_id) == (60.0, NOW + DAY)  # 55 is not above 60
    with session_scope(engine) as session:  # and one at a time keeps the row's line
        session.add(_snapshot(account_id, NOW + 6 * DAY, 58.0))
    assert _kept(engine, account_id) == (60.0, NOW + DAY)
    with engine.begin() as conn:  # above every line: the newest itself
        _write(conn, account_id, NOW + 7 * DAY, 90.0)
        snapshots_written(conn, NOW + 7 * DAY, 60.0)
    assert _kept(engine, account_id) == (60.0, NOW + 7 * DAY)


def test_a_red_run_never_above_the_line_is_kept_as_none(engine: Engine) -> None:
    with session_scope(engine) as session:
        account_id = factories.account(session, "Acme").id
    assert account_id is not None
    with engine.begin() as conn:
        for day in (0, 1):
            _write(conn, account_id, NOW + day * DAY, 40.0)
            snapshots_written(conn, NOW + day * DAY, 50.0)
    assert _kept(engine, account_id) == (50.0, None)


def _snapshot(account_id: int, at: datetime, health: float) -> ScoreSnapshot:
    return ScoreSnapshot(
        account_id=account_id,
        at=at,
        attractiveness=50.0,
        relationship=50.0,
        health=health,
        tier="growth",
        quadrant="develop",
        breakdown={"health": {"usage": health}},
    )


def test_the_kept_moment_is_read_only_by_the_red_line_it_was_kept_by(engine: Engine) -> None:
    """A drop read from the kept moment when the row was kept by the red line asked
    about; from the snapshots when by another line, or by none (each row below is
    changed by hand to tell which was read)."""
    with session_scope(engine) as session:
        account_id = factories.account(session, "Acme").id
    assert account_id is not None
    with engine.begin() as conn:
        for day, health in ((0, 70.0), (1, 45.0), (2, 40.0)):
            _write(conn, account_id, NOW + day * DAY, health)
            snapshots_written(conn, NOW + day * DAY, 50.0)
    assert _kept(engine, account_id) == (50.0, NOW)
    dropped = [f"health_drop:{account_id}:{NOW + DAY:%Y-%m-%d}"]

    def keys(red: float) -> list[str]:
        config = replace(load_checkin_config(), health_red=red)
        now = NOW + 2 * DAY + timedelta(hours=6)
        with Session(engine) as session:
            found = health_drop.read(Context(now, config, Scope()), Reading(session, now))
            return [d.item.key for d in found]

    assert keys(50.0) == dropped
    assert keys(42.0) == [f"health_drop:{account_id}:{NOW + 2 * DAY:%Y-%m-%d}"]  # read
    kept = update(CurrentTier).where(col(CurrentTier.account_id) == account_id)
    with engine.begin() as conn:  # "never above the line", by the line asked about
        conn.execute(kept.values(above_at=None))
    assert keys(50.0) == []  # the kept moment was read, not the snapshots
    with engine.begin() as conn:  # the same, kept by another line
        conn.execute(kept.values(red_line=55.0))
    assert keys(50.0) == dropped  # read from the snapshots
    with engine.begin() as conn:  # and by none (a row kept before any scoring said one)
        conn.execute(kept.values(red_line=None))
    assert keys(50.0) == dropped
