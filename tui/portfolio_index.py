"""The portfolio as an in-memory row index: sorted and filtered without the database.

Revenue over 12 months, the last contact and the scores are aggregates over
deals, interactions and snapshots, so no single database index can sort
100,000 accounts by them. The index is read once per refresh (a handful of
set-based queries, :func:`core.views.load_rows`) into compact rows; sorting is
one ``list.sort`` per column, done when the column is first asked for and kept
(sorting every column ahead of time competed with the screen for the
interpreter and made the first key presses slower), and filtering one pass over
pre-folded text: each well under a couple of hundred milliseconds at 100k
accounts. The table widget pages through the resulting order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.views import PortfolioRow

TIERS = ("strategic", "key", "growth", "standard")
QUADRANTS = ("strategic", "develop", "maintain", "serve_efficiently")
BANDS = ("red", "yellow", "green")
SCOPES = ("all", "mine", "team")


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
    return lambda r: getattr(r, column)


@dataclass(eq=False)
class PortfolioIndex:
    """All rows, plus the orders the queries asked for (cached per column and direction)."""

    rows: list[PortfolioRow] = field(default_factory=list)
    _sorted: dict[tuple[str, bool], list[int]] = field(default_factory=dict)
    _texts: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._texts = [r.search_text for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        # kept short: workers put their arguments' repr in their description
        return f"<PortfolioIndex of {len(self.rows):,} accounts>"

    def order(self, column: str, descending: bool) -> list[int]:
        """Positions of every row sorted by ``column``; rows without a value come last."""
        cached = self._sorted.get((column, descending))
        if cached is not None:
            return cached
        if column not in COLUMN_KEYS:
            raise ValueError(f"unknown column {column!r}")
        with self._lock:  # an earlier selection still running may be sorting this column
            cached = self._sorted.get((column, descending))
            if cached is not None:
                return cached
            rows = self.rows
            values = [getattr(r, column) for r in rows]
            present = [i for i, v in enumerate(values) if v is not None]
            missing = [i for i, v in enumerate(values) if v is None]
            key = _sort_key(column)
            keys: list[Any] = [
                key(r) if v is not None else None for r, v in zip(rows, values, strict=True)
            ]
            present.sort(key=keys.__getitem__)
            self._sorted[(column, False)] = present + missing
            present.reverse()
            self._sorted[(column, True)] = present + missing
            return self._sorted[(column, descending)]

    def select(
        self,
        query: PortfolioQuery,
        scope_owner_ids: Sequence[int] | None,
        within: list[int] | None = None,
    ) -> list[int]:
        """Positions of the rows ``query`` keeps, in its order.

        ``within`` is an earlier result in the same order that holds every row
        ``query`` keeps (the user typed one more letter): only it is searched.
        """
        kept = within if within is not None else self.order(query.sort, query.descending)
        texts = self._texts
        for needle in query.text.casefold().split():
            kept = [i for i in kept if needle in texts[i]]
        rows = self.rows
        if query.tier is not None:
            kept = [i for i in kept if rows[i].tier == query.tier]
        if query.quadrant is not None:
            kept = [i for i in kept if rows[i].quadrant == query.quadrant]
        if query.band is not None:
            kept = [i for i in kept if rows[i].band == query.band]
        if scope_owner_ids is not None:
            owners = set(scope_owner_ids)
            kept = [i for i in kept if rows[i].owner_id in owners]
        return kept
