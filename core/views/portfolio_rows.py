"""The portfolio table's rows: every account in a handful of set-based queries.

At 100,000 accounts the table's index is read while the first page is already
on screen, and sorting waits for it, so the reads are kept lean: rows come
straight from the driver (plain numbers and text, nothing to convert), the
last contact comes back as days before ``now`` computed by the database, and
the scores are read from the newest scoring run by its moment (one index
look-up) instead of a newest-per-account aggregate over every snapshot ever
stored. Accounts the newest run did not cover fall back to that aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session, col

from core import collector
from core.models import Account, Deal, Interaction, ScoreSnapshot, User
from core.scoring.config import TIERS, ScoringConfig
from core.scoring.facts import IntArray, read_chunks
from core.scoring.revenue import last_12_months
from core.scoring.sql import days_since
from core.scoring.trend import HealthChange, health_trend

CHUNK = 5_000
FIRST_PAGE = 100
Scores = tuple[
    float, float, float, str, str
]  # attractiveness, relationship, health, tier, quadrant


@dataclass(slots=True)
class PortfolioRow:
    """One account as the portfolio table shows it."""

    id: int
    name: str
    sector: str
    owner: str
    owner_id: int | None
    tier: str
    quadrant: str | None
    attractiveness: float | None
    relationship: float | None
    health: float | None
    band: str | None
    trend: HealthChange | None
    revenue_12m: float
    last_contact: datetime | None
    next_due: datetime | None

    @property
    def search_text(self) -> str:
        """What filter-as-you-type looks in: name, sector and owner, case-folded."""
        return f"{self.name}\t{self.sector}\t{self.owner}".casefold()


def _fetch(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as the driver gives them (for queries of plain numbers and text)."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def short_names(*, session: Session) -> dict[int, str]:
    """Each person's id and how the screens name them: their e-mail before the @."""
    people = _fetch(session, select(col(User.id), col(User.email)))
    return {uid: email.split("@")[0] for uid, email in people}


def _chunks(values: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    """Slices small enough for an IN list on every backend."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def load_rows(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig,
    account_ids: Sequence[int] | None = None,
) -> list[PortfolioRow]:
    """Every account (or only ``account_ids``) as a row of the portfolio table.

    Each aggregate is read in chunks into lists aligned on the sorted account ids
    (not dicts keyed by id), and the accounts themselves are streamed into rows, so
    a million accounts never hold their rows twice over; the cycle collector is
    paused while they are made (:mod:`core.collector`).
    """
    with collector.paused():
        return _load_rows(session=session, now=now, config=config, account_ids=account_ids)


def _load_rows(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig,
    account_ids: Sequence[int] | None,
) -> list[PortfolioRow]:
    dialect = session.get_bind().dialect.name
    window = last_12_months(now)
    accounts = select(
        col(Account.id),
        col(Account.name),
        col(Account.sector),
        col(Account.owner_id),
        col(Account.tier_override),
        col(Account.checkin_cadence_days),
    ).order_by(col(Account.id))
    revenue = (
        select(col(Deal.account_id), func.sum(col(Deal.amount)))
        .where(col(Deal.stage) == "won", window.holds(col(Deal.closed_on)))
        .group_by(col(Deal.account_id))
    )
    contact = select(
        col(Interaction.account_id),
        days_since(func.max(col(Interaction.occurred_at)), now, dialect),
    ).group_by(col(Interaction.account_id))
    known = select(col(Account.id)).order_by(col(Account.id))
    if account_ids is not None:
        wanted = list(account_ids)
        accounts = accounts.where(col(Account.id).in_(wanted))
        revenue = revenue.where(col(Deal.account_id).in_(wanted))
        contact = contact.where(col(Interaction.account_id).in_(wanted))
        known = known.where(col(Account.id).in_(wanted))
    owners = short_names(session=session)
    ids = np.fromiter((r[0] for chunk in read_chunks(session, known) for r in chunk), np.int64)
    (revenue_of,) = _aligned(session, revenue, ids, 1)
    (days_of,) = _aligned(session, contact, ids, 1)
    scores_of, previous_of = snapshots(ids, session=session, few=account_ids is not None)
    attractiveness_of, relationship_of, health_of, tier_of, quadrant_of = scores_of

    band = config.band
    cadence_of = {t: config.cadence_days(t) for t in TIERS}
    standard = cadence_of["standard"]
    shared: dict[str, str] = {}  # one string object per sector, tier, quadrant
    common = shared.setdefault
    # The trend depends on the difference alone, and health is kept in tenths: a few
    # thousand differences cover the portfolio, so each is worked out once.
    trends: dict[float, HealthChange] = {}
    rows: list[PortfolioRow] = []
    append = rows.append
    for chunk in read_chunks(session, accounts):
        for i, (aid, name, sector, owner_id, override, cadence) in zip(
            _where(ids, [r[0] for r in chunk]), chunk, strict=True
        ):
            days = None if i < 0 else days_of[i]
            last = None if days is None else now - timedelta(days=days)
            stored_tier = None if i < 0 else tier_of[i]
            if stored_tier is None:
                tier = override or "standard"
                attractiveness = relationship = health = None
                quadrant = colour = trend = None
            else:
                attractiveness, relationship = attractiveness_of[i], relationship_of[i]
                health = health_of[i]
                tier = override or stored_tier
                quadrant = common(quadrant_of[i], quadrant_of[i])
                colour = band(health)
                previous = previous_of[i]
                if previous is None:
                    trend = None
                else:
                    moved = health - previous
                    trend = trends.get(moved)
                    if trend is None:
                        trend = trends[moved] = health_trend(health, previous, config)
            interval = cadence or cadence_of.get(tier, standard)
            append(
                PortfolioRow(
                    aid,
                    name,
                    common(sector, sector) if sector else "",
                    owners.get(owner_id, "") if owner_id else "",
                    owner_id,
                    common(tier, tier),
                    quadrant,
                    attractiveness,
                    relationship,
                    health,
                    colour,
                    trend,
                    float((None if i < 0 else revenue_of[i]) or 0.0),
                    last,
                    None if last is None else last + timedelta(days=interval),
                )
            )
    return rows


def _places(ids: IntArray, found: Sequence[int]) -> IntArray:
    """The position of each of ``found`` in the sorted ``ids``, -1 for one not there."""
    if not len(ids) or not len(found):
        return np.full(len(found), -1, dtype=np.int64)
    wanted = np.asarray(found, dtype=np.int64)
    where = np.clip(np.searchsorted(ids, wanted), 0, len(ids) - 1)
    return np.where(ids[where] == wanted, where, -1)


def _where(ids: IntArray, found: Sequence[int]) -> list[int]:
    """:func:`_places` as a list."""
    positions: list[int] = _places(ids, found).tolist()
    return positions


def _aligned(session: Session, query: Any, ids: IntArray, width: int) -> list[list[Any]]:
    """A query's columns after the first (an account id), one list per column aligned
    on ``ids``, None where an account has no row; read a chunk at a time and placed
    by numpy (a million accounts' values are not assigned one by one)."""
    columns = [np.full(len(ids), None, dtype=object) for _ in range(width)]
    for chunk in read_chunks(session, query):
        by_column = list(zip(*chunk, strict=True))
        where = _places(ids, by_column[0])
        found = where >= 0
        for column, values in zip(columns, by_column[1:], strict=True):
            column[where[found]] = np.array(values, dtype=object)[found]
    return [column.tolist() for column in columns]


def first_page(
    *, session: Session, now: datetime, config: ScoringConfig, limit: int = FIRST_PAGE
) -> tuple[list[PortfolioRow], int]:
    """The first accounts by name, and how many there are: quick, for the first paint.

    Reads through the unique index on the name, so it takes milliseconds at any size,
    while :func:`load_rows` reads the whole portfolio in the background.
    """
    total: int = session.execute(select(func.count()).select_from(Account)).scalar_one()
    ids: list[int] = list(
        session.execute(select(col(Account.id)).order_by(col(Account.name_key)).limit(limit))
        .scalars()
        .all()
    )
    rows = load_rows(session=session, now=now, config=config, account_ids=ids) if ids else []
    rows.sort(key=lambda r: r.name.casefold())
    return rows, total


def snapshots(
    ids: IntArray, *, session: Session, few: bool = False
) -> tuple[list[list[Any]], list[Any]]:
    """Each account's newest scores (attractiveness, relationship, health, tier and
    quadrant: one list each, aligned on the sorted ``ids``, None for an account never
    scored), and the health of its snapshot before that (None if there is none).

    A scoring run stores every account's snapshot at the same moment, so the
    newest run is read by that moment, and the run before it likewise; only the
    accounts either run left out are looked up by account (in chunks). With
    ``few`` (a page of accounts, not the portfolio) only their rows are read.
    """
    n = len(ids)
    at = col(ScoreSnapshot.at)
    newest = session.execute(select(func.max(at))).scalar()
    if newest is None:
        return [[None] * n for _ in range(5)], [None] * n
    wanted = ids.tolist()
    of_run = _scores_query().where(at == newest)
    if few:
        of_run = of_run.where(col(ScoreSnapshot.account_id).in_(wanted))
    scores = _aligned(session, of_run, ids, 5)
    tiers = scores[3]
    in_run = [tier is not None for tier in tiers]
    left_out = [aid for aid, there in zip(wanted, in_run, strict=True) if not there]
    for part in _chunks(left_out):
        _fill(scores, ids, _fetch(session, _newest_scores(part)))
    previous: list[Any] = [None] * n
    before = session.execute(select(func.max(at)).where(at < newest)).scalar()
    if before is not None:
        health = select(col(ScoreSnapshot.account_id), col(ScoreSnapshot.health))
        if few:
            health = health.where(col(ScoreSnapshot.account_id).in_(wanted))
        (previous,) = _aligned(session, health.where(at == before), ids, 1)
        for k, there in enumerate(in_run):
            if not there:
                previous[k] = None  # its newest snapshot is older: looked up below
        unmatched = [
            aid
            for aid, tier, then in zip(wanted, tiers, previous, strict=True)
            if tier is not None and then is None
        ]
        for part in _chunks(unmatched):
            _fill([previous], ids, _fetch(session, _previous_health(part)))
    return scores, previous


def _fill(columns: list[list[Any]], ids: IntArray, rows: Sequence[Sequence[Any]]) -> None:
    """Put ``rows`` (an account id, then one value per column) at their accounts' places."""
    for i, row in zip(_where(ids, [r[0] for r in rows]), rows, strict=True):
        if i >= 0:
            for column, value in zip(columns, row[1:], strict=True):
                column[i] = value


def _scores_query() -> Any:
    return select(
        col(ScoreSnapshot.account_id),
        col(ScoreSnapshot.attractiveness),
        col(ScoreSnapshot.relationship),
        col(ScoreSnapshot.health),
        col(ScoreSnapshot.tier),
        col(ScoreSnapshot.quadrant),
    )


def _newest_at(account_ids: Iterable[int], *, before: Any = None) -> Any:
    """Each account's newest snapshot moment (before the newest one, with ``before``)."""
    query: Any = select(
        col(ScoreSnapshot.account_id).label("account_id"),
        func.max(col(ScoreSnapshot.at)).label("at"),
    ).where(col(ScoreSnapshot.account_id).in_(list(account_ids)))
    if before is not None:
        query = query.join(before, before.c.account_id == col(ScoreSnapshot.account_id)).where(
            col(ScoreSnapshot.at) < before.c.at
        )
    return query.group_by(col(ScoreSnapshot.account_id)).subquery()


def _newest_scores(account_ids: list[int]) -> Any:
    newest = _newest_at(account_ids)
    return _scores_query().join(
        newest,
        (newest.c.account_id == col(ScoreSnapshot.account_id))
        & (newest.c.at == col(ScoreSnapshot.at)),
    )


def _previous_health(account_ids: list[int]) -> Any:
    prior = _newest_at(account_ids, before=_newest_at(account_ids))
    return select(col(ScoreSnapshot.account_id), col(ScoreSnapshot.health)).join(
        prior,
        (prior.c.account_id == col(ScoreSnapshot.account_id))
        & (prior.c.at == col(ScoreSnapshot.at)),
    )
