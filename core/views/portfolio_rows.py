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

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.models import Account, Deal, Interaction, ScoreSnapshot, User
from core.scoring.config import TIERS, ScoringConfig
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
    """Every account (or only ``account_ids``) as a row of the portfolio table."""
    dialect = session.get_bind().dialect.name
    window = last_12_months(now)
    accounts = select(
        col(Account.id),
        col(Account.name),
        col(Account.sector),
        col(Account.owner_id),
        col(Account.tier_override),
        col(Account.checkin_cadence_days),
    )
    revenue = (
        select(col(Deal.account_id), func.sum(col(Deal.amount)))
        .where(col(Deal.stage) == "won", window.holds(col(Deal.closed_on)))
        .group_by(col(Deal.account_id))
    )
    contact = select(
        col(Interaction.account_id),
        days_since(func.max(col(Interaction.occurred_at)), now, dialect),
    ).group_by(col(Interaction.account_id))
    if account_ids is not None:
        ids = list(account_ids)
        accounts = accounts.where(col(Account.id).in_(ids))
        revenue = revenue.where(col(Deal.account_id).in_(ids))
        contact = contact.where(col(Interaction.account_id).in_(ids))
    owners = short_names(session=session)
    account_rows = _fetch(session, accounts)
    revenue_of: dict[int, float] = dict(_fetch(session, revenue))
    days_of: dict[int, float] = dict(_fetch(session, contact))
    scores_of, previous_of = snapshots(
        [r[0] for r in account_rows], session=session, few=account_ids is not None
    )

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
    for aid, name, sector, owner_id, override, cadence in account_rows:
        scores = scores_of.get(aid)
        days = days_of.get(aid)
        last = None if days is None else now - timedelta(days=days)
        if scores is None:
            tier = override or "standard"
            attractiveness = relationship = health = None
            quadrant = colour = trend = None
        else:
            attractiveness, relationship, health, stored_tier, quadrant = scores
            tier = override or stored_tier
            quadrant = common(quadrant, quadrant)
            colour = band(health)
            previous = previous_of.get(aid)
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
                float(revenue_of.get(aid) or 0.0),
                last,
                None if last is None else last + timedelta(days=interval),
            )
        )
    return rows


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
    account_ids: Sequence[int], *, session: Session, few: bool = False
) -> tuple[dict[int, Scores], dict[int, float]]:
    """Each account's newest scores, and the health of its snapshot before that.

    A scoring run stores every account's snapshot at the same moment, so the
    newest run is read by that moment, and the run before it likewise; only the
    accounts either run left out are looked up by account (in chunks). With
    ``few`` (a page of accounts, not the portfolio) only their rows are read.
    """
    at = col(ScoreSnapshot.at)
    newest = session.execute(select(func.max(at))).scalar()
    if newest is None:
        return {}, {}
    wanted = set(account_ids)
    of_run = _scores_query().where(at == newest)
    if few:
        of_run = of_run.where(col(ScoreSnapshot.account_id).in_(list(account_ids)))
    scores: dict[int, Scores] = {r[0]: r[1:] for r in _fetch(session, of_run) if r[0] in wanted}
    previous: dict[int, float] = {}
    before = session.execute(select(func.max(at)).where(at < newest)).scalar()
    if before is not None:
        health = select(col(ScoreSnapshot.account_id), col(ScoreSnapshot.health))
        if few:
            health = health.where(col(ScoreSnapshot.account_id).in_(list(scores)))
        previous = {
            aid: value
            for aid, value in _fetch(session, health.where(at == before))
            if aid in scores
        }
    left_out = [a for a in account_ids if a not in scores]
    for part in _chunks(left_out):
        for row in _fetch(session, _newest_scores(part)):
            scores[row[0]] = row[1:]
    if before is not None:
        unmatched = [a for a in scores if a not in previous]
        for part in _chunks(unmatched):
            previous.update(_fetch(session, _previous_health(part)))
    return scores, previous


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
