"""The portfolio table's rows: every account in a handful of set-based queries.

A million accounts are kept as columns (:class:`PortfolioColumns`: numpy arrays
for the numbers and codes for tier, quadrant and band, lists for the texts),
not as a million row objects: the table sorts and filters the columns and makes a
:class:`PortfolioRow` only for the accounts it draws. The reads are kept lean:
rows come straight from the driver (plain numbers and text, nothing to convert),
the last contact comes back as days before ``now`` computed by the database, and
the scores come with the accounts from what scoring keeps of each account's newest
snapshot (``current_tiers``, :mod:`core.tier_runs`: one narrow row an account,
looked up by its key), not from the snapshots, two wide rows an account.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlmodel import Session, col

from core import collector
from core.models import Account, CurrentTier, Deal, User
from core.scoring.config import TIERS, ScoringConfig
from core.scoring.facts import FloatArray, IntArray, read_chunks
from core.scoring.portfolio import QUADRANTS
from core.scoring.revenue import last_12_months
from core.scoring.sql import days_since
from core.scoring.trend import HealthChange, health_trend

CHUNK = 5_000
FIRST_PAGE = 100
BANDS = ("red", "yellow", "green")
US_PER_DAY = 86_400_000_000
CodeArray = np.ndarray[Any, np.dtype[np.int16]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


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


@dataclass(eq=False, repr=False)
class PortfolioColumns:
    """Every account (in id order) as columns: what the portfolio table sorts and filters.

    Numbers are numpy arrays, NaN where an account has none; tier, quadrant and band
    are codes into ``tiers``, ``quadrants`` and :data:`BANDS`, -1 where an account has
    none (it was never scored). The last contact is kept in whole microseconds before
    ``now``, exactly what ``now - timedelta(days=...)`` makes of the database's days,
    so sorting the numbers sorts the rows' datetimes. :meth:`row` makes one account's
    :class:`PortfolioRow`, as the table draws it.
    """

    now: datetime
    config: ScoringConfig
    ids: IntArray
    names: list[str]
    sectors: list[str]
    owner_ids: IntArray  # -1: nobody
    owners: dict[int, str]  # each person's short name
    tier: CodeArray  # set by hand, else the stored one, else standard
    quadrant: CodeArray
    band: CodeArray
    attractiveness: FloatArray
    relationship: FloatArray
    health: FloatArray
    previous: FloatArray  # the health of the snapshot before the newest
    revenue_12m: FloatArray
    contact_us: IntArray  # the last contact, microseconds before ``now``
    contacted: BoolArray
    interval_days: IntArray  # the check-in interval after the last contact
    tiers: list[str] = field(default_factory=lambda: list(TIERS))
    quadrants: list[str] = field(default_factory=lambda: list(QUADRANTS))
    # The trend depends on the difference alone, and health is kept in tenths: a few
    # thousand differences cover the portfolio, so each is worked out once.
    _trends: dict[float, HealthChange] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def scored(self) -> BoolArray:
        """Whether each account has stored scores."""
        scored: BoolArray = self.quadrant >= 0
        return scored

    def row(self, i: int) -> PortfolioRow:
        """Account ``i`` (its place in ``ids``) as a row of the table."""
        i = int(i)
        owner_id: int | None = int(self.owner_ids[i])
        if owner_id == -1:
            owner_id = None
        quadrant = int(self.quadrant[i])
        attractiveness = relationship = health = None
        trend = band = None
        if quadrant >= 0:
            attractiveness = float(self.attractiveness[i])
            relationship = float(self.relationship[i])
            health = float(self.health[i])
            band = BANDS[self.band[i]]
            previous = float(self.previous[i])
            if previous == previous:  # not NaN
                moved = health - previous
                trend = self._trends.get(moved)
                if trend is None:
                    trend = self._trends[moved] = health_trend(health, previous, self.config)
        last = next_due = None
        if self.contacted[i]:
            last = self.now - timedelta(microseconds=int(self.contact_us[i]))
            next_due = last + timedelta(days=int(self.interval_days[i]))
        return PortfolioRow(
            int(self.ids[i]),
            self.names[i],
            self.sectors[i],
            self.owners.get(owner_id, "") if owner_id else "",
            owner_id,
            self.tiers[self.tier[i]],
            self.quadrants[quadrant] if quadrant >= 0 else None,
            attractiveness,
            relationship,
            health,
            band,
            trend,
            float(self.revenue_12m[i]),
            last,
            next_due,
        )

    def rows(self) -> list[PortfolioRow]:
        """Every account's row (for a page of accounts, not a million)."""
        return [self.row(i) for i in range(len(self))]


def microseconds(days: FloatArray) -> IntArray:
    """Each number of days in whole microseconds, rounded as ``timedelta(days=d)`` does.

    ``timedelta`` takes the whole days exactly and rounds the fraction's microseconds
    half to even; the whole days' microseconds are even, so rounding the fraction alone
    gives the same number.
    """
    whole = np.trunc(days)
    fraction = np.rint((days - whole) * float(US_PER_DAY))
    us: IntArray = whole.astype(np.int64) * US_PER_DAY + fraction.astype(np.int64)
    return us


def _codes(values: Sequence[str | None], names: list[str]) -> CodeArray:
    """Each value's place in ``names`` (a name not there yet is added), -1 for None."""
    places: dict[str | None, int] = {name: i for i, name in enumerate(names)}
    places[None] = -1
    for value in set(values):
        if value not in places:
            places[value] = len(names)
            names.append(value)  # type: ignore[arg-type]  # not None: None is placed
    codes: CodeArray = np.fromiter(map(places.__getitem__, values), np.int16, len(values))
    return codes


def _coded(column: Any, names: Sequence[str]) -> Any:
    """``column``'s place in ``names`` (every value its check constraint allows), -1 for
    NULL."""
    return func.coalesce(case({name: i for i, name in enumerate(names)}, value=column), -1)


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


def load_rows(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig,
    account_ids: Sequence[int] | None = None,
) -> list[PortfolioRow]:
    """Every account (or only ``account_ids``) as a row of the portfolio table."""
    return load_columns(session=session, now=now, config=config, account_ids=account_ids).rows()


def load_columns(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig,
    account_ids: Sequence[int] | None = None,
) -> PortfolioColumns:
    """Every account (or only ``account_ids``) as the portfolio table's columns.

    Each aggregate is read in chunks and placed by numpy into arrays aligned on the
    sorted account ids (no dicts keyed by id, no object per account); the cycle
    collector is paused while the texts are read (:mod:`core.collector`).
    """
    with collector.paused():
        return _load_columns(session=session, now=now, config=config, account_ids=account_ids)


def _load_columns(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig,
    account_ids: Sequence[int] | None,
) -> PortfolioColumns:
    dialect = session.get_bind().dialect.name
    window = last_12_months(now)
    tiers = list(TIERS)
    quadrants = list(QUADRANTS)
    # Tiers and quadrants come as their codes, nobody and no cadence as -1 and 0: the
    # driver makes no text for them, and nothing is looked up a row at a time.
    accounts: Any = select(
        col(Account.id),
        col(Account.name),
        col(Account.sector),
        func.coalesce(col(Account.owner_id), -1),
        _coded(col(Account.tier_override), tiers),
        func.coalesce(col(Account.checkin_cadence_days), 0),
        col(CurrentTier.attractiveness),
        col(CurrentTier.relationship),
        col(CurrentTier.health),
        col(CurrentTier.previous_health),
        _coded(col(CurrentTier.tier), tiers),
        _coded(col(CurrentTier.quadrant), quadrants),
    )
    accounts = accounts.outerjoin(
        CurrentTier, col(CurrentTier.account_id) == col(Account.id)
    ).order_by(col(Account.id))
    revenue = (
        select(col(Deal.account_id), func.sum(col(Deal.amount)))
        .where(col(Deal.stage) == "won", window.holds(col(Deal.closed_on)))
        .group_by(col(Deal.account_id))
    )
    # Each account's newest interaction, kept on its row by the database (migration
    # 0016), read with the account as days before now: the days come aligned.
    accounts = accounts.add_columns(days_since(col(Account.last_contact_at), now, dialect))
    if account_ids is not None:
        wanted = list(account_ids)
        accounts = accounts.where(col(Account.id).in_(wanted))
        revenue = revenue.where(col(Deal.account_id).in_(wanted))
    owners = short_names(session=session)

    shared: dict[str, str] = {}  # one string object per sector
    common = shared.setdefault
    id_parts: list[IntArray] = []
    owner_parts: list[IntArray] = []
    cadence_parts: list[IntArray] = []
    override_parts: list[CodeArray] = []
    day_parts: list[FloatArray] = []
    score_parts: list[FloatArray] = []  # attractiveness, relationship, health, previous
    tier_parts: list[CodeArray] = []
    quadrant_parts: list[CodeArray] = []
    names: list[str] = []
    sectors: list[str] = []
    for chunk in read_chunks(session, accounts):
        aid, name, sector, owner, override, cadence, *numbers, tier_of, quadrant_of, since = zip(
            *chunk, strict=True
        )
        id_parts.append(np.array(aid, dtype=np.int64))
        day_parts.append(np.array(since, dtype=np.float64))
        names.extend(name)
        sectors.extend([common(s, s) if s else "" for s in sector])
        owner_parts.append(np.array(owner, dtype=np.int64))
        cadence_parts.append(np.array(cadence, dtype=np.int64))
        override_parts.append(np.array(override, dtype=np.int16))
        score_parts.append(np.array(numbers, dtype=np.float64).reshape(4, -1))
        tier_parts.append(np.array(tier_of, dtype=np.int16))
        quadrant_parts.append(np.array(quadrant_of, dtype=np.int16))
    ids = _joined(id_parts, np.int64)
    n = len(ids)
    scores = np.concatenate(score_parts, axis=1) if score_parts else np.zeros((4, 0))
    attractiveness, relationship, health, previous = (np.ascontiguousarray(s) for s in scores)
    scored_tier = _joined(tier_parts, np.int16)
    quadrant = _joined(quadrant_parts, np.int16)

    revenue_12m = _nothing(n)
    _read(session, revenue, ids, [revenue_12m])
    revenue_12m[np.isnan(revenue_12m)] = 0.0
    days = _joined(day_parts, np.float64)
    contacted = ~np.isnan(days)
    contact_us = microseconds(np.where(contacted, days, 0.0))

    override_of = _joined(override_parts, np.int16)
    standard = tiers.index("standard")
    tier = np.where(
        override_of >= 0, override_of, np.where(scored_tier >= 0, scored_tier, standard)
    ).astype(np.int16)
    cadence_of = {t: config.cadence_days(t) for t in TIERS}
    tier_cadence = np.array(
        [cadence_of.get(t, cadence_of["standard"]) for t in tiers], dtype=np.int64
    )
    cadence = _joined(cadence_parts, np.int64)
    interval = np.where(cadence != 0, cadence, tier_cadence[tier] if n else cadence)
    scored = quadrant >= 0
    return PortfolioColumns(
        now=now,
        config=config,
        ids=ids,
        names=names,
        sectors=sectors,
        owner_ids=_joined(owner_parts, np.int64),
        owners=owners,
        tier=tier,
        quadrant=quadrant,
        band=_bands(health, scored, config),
        attractiveness=attractiveness,
        relationship=relationship,
        health=health,
        previous=previous,
        revenue_12m=revenue_12m,
        contact_us=contact_us,
        contacted=contacted,
        interval_days=interval.astype(np.int64),
        tiers=tiers,
        quadrants=quadrants,
    )


def _joined(parts: list[Any], dtype: Any) -> Any:
    """Chunks of an array as one array (an empty one of ``dtype`` for none)."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _nothing(n: int) -> FloatArray:
    """``n`` missing numbers."""
    return np.full(n, np.nan)


def _no_codes(n: int) -> CodeArray:
    """``n`` missing codes."""
    return np.full(n, -1, dtype=np.int16)


def _bands(health: FloatArray, scored: BoolArray, config: ScoringConfig) -> CodeArray:
    """Each scored account's health band by :meth:`ScoringConfig.band` (-1 if not scored).

    Health is kept in tenths, so the band is asked once per distinct value."""
    bands = _no_codes(len(health))
    if scored.any():
        values, where = np.unique(health[scored], return_inverse=True)
        of_value = np.array([BANDS.index(config.band(float(v))) for v in values], np.int16)
        bands[scored] = of_value[where]
    return bands


def _places(ids: IntArray, found: Sequence[int]) -> IntArray:
    """The position of each of ``found`` in the sorted ``ids``, -1 for one not there."""
    if not len(ids) or not len(found):
        return np.full(len(found), -1, dtype=np.int64)
    wanted = np.asarray(found, dtype=np.int64)
    where = np.clip(np.searchsorted(ids, wanted), 0, len(ids) - 1)
    return np.where(ids[where] == wanted, where, -1)


def _place(
    ids: IntArray,
    rows: Sequence[Sequence[Any]],
    numbers: Sequence[FloatArray],
    texts: Sequence[tuple[CodeArray, list[str]]] = (),
) -> None:
    """Put ``rows`` (an account id, then one number for each of ``numbers``, then one
    text for each (codes, names) of ``texts``) at their accounts' places in ``ids``."""
    if not rows:
        return
    by_column = list(zip(*rows, strict=True))
    where = _places(ids, by_column[0])
    found = where >= 0
    at = where[found]
    for target, values in zip(numbers, by_column[1:], strict=False):
        target[at] = np.array(values, dtype=np.float64)[found]
    for (codes, names), values in zip(texts, by_column[1 + len(numbers) :], strict=True):
        codes[at] = _codes(values, names)[found]


def _read(
    session: Session,
    query: Any,
    ids: IntArray,
    numbers: Sequence[FloatArray],
    texts: Sequence[tuple[CodeArray, list[str]]] = (),
) -> None:
    """A query's rows placed by :func:`_place`, read a chunk at a time."""
    for chunk in read_chunks(session, query):
        _place(ids, chunk, numbers, texts)


def first_page(
    *, session: Session, now: datetime, config: ScoringConfig, limit: int = FIRST_PAGE
) -> tuple[list[PortfolioRow], int]:
    """The first accounts by name, and how many there are: quick, for the first paint.

    Reads through the unique index on the name, so it takes milliseconds at any size,
    while :func:`load_columns` reads the whole portfolio in the background.
    """
    columns, total = first_columns(session=session, now=now, config=config, limit=limit)
    rows = columns.rows()
    rows.sort(key=lambda r: r.name.casefold())
    return rows, total


def first_columns(
    *, session: Session, now: datetime, config: ScoringConfig, limit: int = FIRST_PAGE
) -> tuple[PortfolioColumns, int]:
    """:func:`first_page`'s accounts as columns (in id order), and how many there are."""
    total: int = session.execute(select(func.count()).select_from(Account)).scalar_one()
    ids: list[int] = list(
        session.execute(select(col(Account.id)).order_by(col(Account.name_key)).limit(limit))
        .scalars()
        .all()
    )
    return load_columns(session=session, now=now, config=config, account_ids=ids), total
