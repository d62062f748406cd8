"""The portfolio as an in-memory row index: sorted and filtered without the database.

Revenue over 12 months, the last contact and the scores are aggregates over
deals, interactions and snapshots, so no single database index can sort
100,000 accounts by them. The index is read once per refresh (a handful of
set-based queries) into compact rows; sorting is one ``list.sort`` and
filtering one pass over pre-folded text, both a few tens of milliseconds at
100k accounts. The table widget pages through the resulting order.
"""

from __future__ import annotations

import re
from bisect import bisect_right
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

    @property
    def search_text(self) -> str:
        """What filter-as-you-type looks in: name, sector and owner, case-folded."""
        return f"{self.name}\t{self.sector}\t{self.owner}".casefold()


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
    sort: str = "name"
    descending: bool = False


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


@dataclass(eq=False)
class PortfolioIndex:
    """All rows, plus the order the current query asks for.

    The text filter searches one joined, case-folded string (one line per row)
    with the regular expression engine, so a keystroke costs a C-speed scan
    instead of 100,000 Python comparisons.
    """

    rows: list[PortfolioRow] = field(default_factory=list)
    _sorted: dict[tuple[str, bool], list[int]] = field(default_factory=dict)
    _text: str = ""
    _starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        lines = [r.search_text.replace("\n", " ") for r in self.rows]
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
        self._text = "\n".join(lines)
        self._starts = starts

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        # kept short: workers put their arguments' repr in their description
        return f"<PortfolioIndex of {len(self.rows):,} accounts>"

    def order(self, column: str, descending: bool) -> list[int]:
        """Positions of every row sorted by ``column`` (cached per column and direction).

        Rows without a value sort last in both directions.
        """
        cached = self._sorted.get((column, descending))
        if cached is not None:
            return cached
        if column not in COLUMN_KEYS:
            raise ValueError(f"unknown column {column!r}")
        rows = self.rows
        values = [getattr(r, column) for r in rows]
        present = [i for i, v in enumerate(values) if v is not None]
        missing = [i for i, v in enumerate(values) if v is None]
        key = _sort_key(column)
        keys = {i: key(rows[i]) for i in present}
        present.sort(key=keys.__getitem__, reverse=descending)
        result = present + missing
        self._sorted[(column, descending)] = result
        return result

    def matching_text(self, text: str) -> set[int] | None:
        """Positions whose name, sector or owner hold every word of ``text``; None: no filter."""
        needles = text.casefold().split()
        if not needles:
            return None
        found: set[int] | None = None
        starts = self._starts
        for needle in needles:
            hits = {
                bisect_right(starts, m.start()) - 1
                for m in re.finditer(re.escape(needle), self._text)
            }
            found = hits if found is None else found & hits
            if not found:
                return set()
        return found

    def select(self, query: PortfolioQuery, scope_owner_ids: Sequence[int] | None) -> list[int]:
        """Positions of the rows ``query`` keeps, in its order."""
        order = self.order(query.sort, query.descending)
        keep = self.matching_text(query.text)
        rows = self.rows
        tier, quadrant, band = query.tier, query.quadrant, query.band
        owners = set(scope_owner_ids) if scope_owner_ids is not None else None
        if tier or quadrant or band or owners is not None:
            candidates = range(len(rows)) if keep is None else keep
            keep = {
                i
                for i in candidates
                if (tier is None or rows[i].tier == tier)
                and (quadrant is None or rows[i].quadrant == quadrant)
                and (band is None or rows[i].band == band)
                and (owners is None or rows[i].owner_id in owners)
            }
        if keep is None:
            return order
        if len(keep) < len(order) // 64:
            # few hits: sort them by their rank instead of walking the whole order
            rank = self._rank(query.sort, query.descending)
            return sorted(keep, key=rank.__getitem__)
        return [i for i in order if i in keep]

    def _rank(self, column: str, descending: bool) -> list[int]:
        """Each position's place in the order (cached with it)."""
        key = (f"rank:{column}", descending)
        cached = self._sorted.get(key)
        if cached is None:
            order = self.order(column, descending)
            cached = [0] * len(order)
            for place, position in enumerate(order):
                cached[position] = place
            self._sorted[key] = cached
        return cached
