"""The portfolio as an in-memory row index: sorted and filtered without the database.

Revenue over 12 months, the last contact and the scores are aggregates over
deals, interactions and snapshots, so no single database index can sort
100,000 accounts by them. The index is read once per refresh (a handful of
set-based queries) into compact rows; sorting is one ``list.sort`` and
filtering one pass over pre-folded text, both a few tens of milliseconds at
100k accounts. The table widget pages through the resulting order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TIERS = ("strategic", "key", "growth", "standard")
QUADRANTS = ("strategic", "develop", "maintain", "serve_efficiently")
BANDS = ("red", "yellow", "green")
SCOPES = ("all", "mine", "team")


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
    trend: float | None
    revenue_12m: float
    last_contact: datetime | None
    next_due: datetime | None
    search: str = ""


@dataclass(frozen=True)
class Column:
    """A sortable column: its key, heading, width and how its values sort."""

    key: str
    title: str
    width: int
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("name", "Account", 24),
    Column("tier", "Tier", 5),
    Column("quadrant", "Quad", 5),
    Column("attractiveness", "Attr", 4, numeric=True),
    Column("relationship", "Rel", 4, numeric=True),
    Column("health", "Health", 6, numeric=True),
    Column("revenue_12m", "Rev 12m", 7, numeric=True),
    Column("last_contact", "Last", 5, numeric=True),
    Column("next_due", "Due", 6, numeric=True),
    Column("owner", "Owner", 12),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
_TIER_ORDER = {t: i for i, t in enumerate(TIERS)}
_QUADRANT_ORDER = {q: i for i, q in enumerate(QUADRANTS)}


@dataclass(frozen=True)
class PortfolioQuery:
    """What the user asked to see: text, tier/quadrant/band filters, scope, sort."""

    text: str = ""
    tier: str | None = None
    quadrant: str | None = None
    band: str | None = None
    scope: str = "all"
    sort: str = "revenue_12m"
    descending: bool = True


def _sort_key(column: str) -> Callable[[PortfolioRow], Any]:
    """A key that puts missing values last whatever the direction is handled by the caller."""
    if column == "tier":
        return lambda r: _TIER_ORDER.get(r.tier, 9)
    if column == "quadrant":
        return lambda r: _QUADRANT_ORDER.get(r.quadrant or "", 9)
    if column in ("name", "owner"):
        return lambda r: getattr(r, column).casefold()
    if column in ("last_contact", "next_due"):
        return lambda r: getattr(r, column).timestamp()
    return lambda r: getattr(r, column)


@dataclass
class PortfolioIndex:
    """All rows, plus the order the current query asks for."""

    rows: list[PortfolioRow] = field(default_factory=list)
    _sorted: dict[tuple[str, bool], list[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def order(self, column: str, descending: bool) -> list[int]:
        """Positions of every row sorted by ``column`` (cached per column and direction).

        Rows without a value sort last in both directions; ties keep name order.
        """
        cached = self._sorted.get((column, descending))
        if cached is not None:
            return cached
        if column not in COLUMN_KEYS:
            raise ValueError(f"unknown column {column!r}")
        rows = self.rows
        present = [i for i, r in enumerate(rows) if getattr(r, column) is not None]
        missing = [i for i, r in enumerate(rows) if getattr(r, column) is None]
        key = _sort_key(column)
        present.sort(key=lambda i: key(rows[i]), reverse=descending)
        result = present + missing
        self._sorted[(column, descending)] = result
        return result

    def select(self, query: PortfolioQuery, scope_owner_ids: Sequence[int] | None) -> list[int]:
        """Positions of the rows ``query`` keeps, in its order."""
        order = self.order(query.sort, query.descending)
        needles = query.text.casefold().split()
        owners = set(scope_owner_ids) if scope_owner_ids is not None else None
        if not needles and owners is None and not (query.tier or query.quadrant or query.band):
            return order
        rows = self.rows
        tier, quadrant, band = query.tier, query.quadrant, query.band
        kept = []
        for i in order:
            r = rows[i]
            if tier is not None and r.tier != tier:
                continue
            if quadrant is not None and r.quadrant != quadrant:
                continue
            if band is not None and r.band != band:
                continue
            if owners is not None and r.owner_id not in owners:
                continue
            if needles and not all(n in r.search for n in needles):
                continue
            kept.append(i)
        return kept
