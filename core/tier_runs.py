"""What scoring keeps beside the snapshots it writes: each account's current tier and
health, and when it entered the tier it is reviewed in.

Every reminder sweep asks each account's current tier, the tier of its newest
snapshot, and which accounts are red now (a health drop). Looked up in the
snapshots, that reads an index that grows with every nightly scoring (and the
look-ups slow as it outgrows the cache); so scoring keeps the newest snapshot's
tier, moment and health in ``current_tiers``, one row per account, and the sweep
reads that. The portfolio table reads the scores there too (attractiveness,
relationship, quadrant, and the health of the snapshot before the newest for the
trend): one narrow row an account, where the newest and the previous snapshots were
two wide rows (with their breakdown) an account, read a second at a million accounts.

A health drop is due from the snapshot after an account's last one above the red line.
Found in the snapshots, that reads each red account's red run (inside the window: one
more snapshot with every nightly scoring); so the row keeps the moment of that last
snapshot above (``above_at``) and the red line it was judged by (``red_line``, the
scoring settings'), and the sweep reads it when asked about the same line.

Onboarding is due for an account that *became* strategic or key, from the moment its
current run of such snapshots began. Found from the history, that moment costs a
look at every snapshot of every key account, more with each nightly scoring; so each
snapshot stores it (``tier_since``), written with the snapshot, and the newest
snapshot of an account answers alone.

A new snapshot continues the run of the one before it: its ``tier_since`` is the
previous snapshot's, or its own moment when the previous one was in a lower tier
(or there is none). A snapshot written before some of its account's history (a
rescore of an earlier moment, a test building a history by hand) has the whole
history of its accounts counted again, by the same rule, with window functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    case,
    delete,
    event,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.orm import Mapper

from core.models import Account, CurrentTier, ScoreSnapshot, Tier
from core.types import UTCDateTime

REVIEWED = sorted({Tier.STRATEGIC.value, Tier.KEY.value})
"""The tiers that get reviews and onboarding (:data:`core.checkins.config.REVIEWED_TIERS`)."""

SNAPSHOTS = ScoreSnapshot.__table__  # type: ignore[attr-defined]
CURRENT = CurrentTier.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
CURRENT_KEPT = [
    "account_id",
    "tier",
    "at",
    "health",
    "tier_since",
    "attractiveness",
    "relationship",
    "quadrant",
]
"""What ``current_tiers`` keeps of an account's newest snapshot (and, beside it,
:data:`BESIDE`)."""
BESIDE = ["previous_health", "red_line", "above_at"]
"""What ``current_tiers`` keeps beside the newest snapshot's own figures: the health of
the snapshot before it, and the moment of the newest snapshot above the red line (with
the line it was judged by)."""


def _kept(snapshots: Any, red_line: float | None) -> list[Any]:
    """What ``current_tiers`` keeps (:data:`CURRENT_KEPT`, then :data:`BESIDE`) of each
    of ``snapshots`` taken as its account's newest, judged by ``red_line`` (None: no
    red line kept, nor the moment above it): the health before it is one look-up in
    the (account, at, tier, health) index, and the newest snapshot above the red line
    is the snapshot itself or, for a red one, one look back through the same index that
    stops where its red run began."""
    before = SNAPSHOTS.alias("before")
    previous = (
        select(before.c.health)
        .where(before.c.account_id == snapshots.c.account_id, before.c.at < snapshots.c.at)
        .order_by(before.c.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    kept = [*(snapshots.c[name] for name in CURRENT_KEPT), previous]
    if red_line is None:
        return [*kept, null(), null()]
    line = literal(red_line, Float())
    above = SNAPSHOTS.alias("above")
    last_above = (
        select(above.c.at)
        .where(
            above.c.account_id == snapshots.c.account_id,
            above.c.at <= snapshots.c.at,  # a twin at the same moment counts, as when read
            above.c.health > line,
        )
        .order_by(above.c.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return [*kept, line, case((snapshots.c.health > line, snapshots.c.at), else_=last_above)]


def red_line_kept(connection: Connection, accounts: Any = None) -> float | None:
    """The red line to keep ``current_tiers`` by where scoring does not say it (a
    snapshot written one at a time): the one the rows of ``accounts`` were kept by, else
    the one any row was (the last scoring's); None when no row keeps one."""
    kept = CURRENT.c.red_line
    mine = select(kept).where(kept.is_not(None)).limit(1)
    if accounts is not None:
        mine = mine.where(CURRENT.c.account_id.in_(accounts))
    anyone = select(kept).where(kept.is_not(None)).limit(1)
    line = connection.execute(
        select(func.coalesce(mine.scalar_subquery(), anyone.scalar_subquery()))
    ).scalar()
    return None if line is None else float(line)


def snapshots_written(connection: Connection, at: datetime, red_line: float | None = None) -> None:
    """Keep the runs and the current tiers of the accounts just scored at ``at``, with
    where each one's red run began by ``red_line`` (the scoring settings' ``[scoring.bands]
    red``; None: as :func:`red_line_kept` says).

    With no snapshot later than ``at`` (every nightly scoring), the snapshots just
    written are their accounts' newest, and are copied as they are; looking up each
    account's newest snapshot took as long as writing the snapshots.
    """
    moment = literal(at, UTCDateTime())
    written = select(SNAPSHOTS.c.account_id).where(SNAPSHOTS.c.at == moment)
    if red_line is None:
        red_line = red_line_kept(connection)
    if continue_runs(connection, at):
        keep_current(connection, written, red_line)
        return
    connection.execute(delete(CURRENT).where(CURRENT.c.account_id.in_(written)))
    connection.execute(
        insert(CURRENT).from_select(
            [*CURRENT_KEPT, *BESIDE],
            select(*_kept(SNAPSHOTS, red_line)).where(SNAPSHOTS.c.at == moment),
        )
    )


def keep_current(connection: Connection, accounts: Any, red_line: float | None = None) -> None:
    """Set what the newest snapshot of each of ``accounts`` (ids, or a subquery of them)
    says (its tier, moment, scores and tier entry, the health before it, and its newest
    snapshot above ``red_line``; None: as :func:`red_line_kept` says), each found
    through the snapshots' (account, at) index."""
    if red_line is None:
        red_line = red_line_kept(connection, accounts)
    connection.execute(delete(CURRENT).where(CURRENT.c.account_id.in_(accounts)))
    newest = (
        select(SNAPSHOTS.c.id)
        .where(SNAPSHOTS.c.account_id == ACCOUNTS.c.id)
        .order_by(SNAPSHOTS.c.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    held = select(newest.label("id")).where(ACCOUNTS.c.id.in_(accounts)).subquery()
    connection.execute(
        insert(CURRENT).from_select(
            [*CURRENT_KEPT, *BESIDE],
            select(*_kept(SNAPSHOTS, red_line)).join(held, held.c.id == SNAPSHOTS.c.id),
        )
    )


def continue_runs(connection: Connection, at: datetime) -> bool:
    """Set ``tier_since`` on the snapshots just written at ``at``; return whether
    snapshots later than ``at`` exist.

    Each strategic or key snapshot continues its account's previous snapshot's
    run, found through the (account, at) index; when snapshots later than ``at``
    exist, their runs may have changed too, and the accounts' histories are
    counted again instead.
    """
    moment = literal(at, UTCDateTime())
    later = bool(connection.execute(select(exists().where(SNAPSHOTS.c.at > moment))).scalar())
    if later:
        written = select(SNAPSHOTS.c.account_id).where(SNAPSHOTS.c.at == moment)
        count_runs(connection, written)
        return True
    before = SNAPSHOTS.alias("before")
    previous = (
        select(before.c.tier_since)
        .where(before.c.account_id == SNAPSHOTS.c.account_id, before.c.at < moment)
        .order_by(before.c.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        update(SNAPSHOTS)
        .where(SNAPSHOTS.c.at == moment, SNAPSHOTS.c.tier.in_(REVIEWED))
        .values(tier_since=func.coalesce(previous, moment))
    )
    return False


def count_runs(connection: Connection, accounts: Any = None) -> None:
    """Set ``tier_since`` on every snapshot of ``accounts`` (a collection of ids or a
    subquery of them; None: every account) from their whole history.

    A run is numbered by how many lower-tier snapshots came before it; a reviewed
    snapshot's ``tier_since`` is the earliest reviewed moment of its run.
    """
    reviewed = SNAPSHOTS.c.tier.in_(REVIEWED)
    chosen = SNAPSHOTS.c.account_id.in_(accounts) if accounts is not None else literal(True)
    numbered = (
        select(
            SNAPSHOTS.c.id,
            SNAPSHOTS.c.account_id,
            SNAPSHOTS.c.at,
            reviewed.label("reviewed"),
            func.sum(case((reviewed, 0), else_=1))
            .over(partition_by=SNAPSHOTS.c.account_id, order_by=SNAPSHOTS.c.at)
            .label("run"),
        )
        .where(chosen)
        .subquery("numbered")
    )
    runs = select(
        numbered.c.id,
        case(
            (
                numbered.c.reviewed,
                func.min(case((numbered.c.reviewed, numbered.c.at))).over(
                    partition_by=[numbered.c.account_id, numbered.c.run]
                ),
            )
        ).label("since"),
    ).subquery("runs")
    connection.execute(
        update(SNAPSHOTS).where(SNAPSHOTS.c.id == runs.c.id).values(tier_since=runs.c.since)
    )


@event.listens_for(ScoreSnapshot, "after_insert")
def _one_written(_mapper: Mapper[Any], connection: Connection, snap: ScoreSnapshot) -> None:
    """A snapshot added one at a time (not by scoring, which writes them in bulk):
    its account's runs are counted again, wherever in the history it falls, and its
    current tier read again."""
    count_runs(connection, [snap.account_id])
    keep_current(connection, [snap.account_id])
