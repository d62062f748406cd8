"""The portfolio as an in-memory index: sorted and filtered without the database.

Revenue over 12 months, the last contact and the scores are aggregates over
deals, interactions and snapshots, so no single database index can sort a
million accounts by them. The index is read once per refresh (a handful of
set-based queries, :func:`core.views.load_columns`) into columns: numpy arrays
for the numbers and codes, lists for the texts. Sorting is one stable numpy
``argsort`` per column (missing values last, ties in account order, the
descending order the ascending one reversed, as ``list.sort`` made it), done
when the column is first asked for, or ahead in a worker, and kept; filtering
searches the folded names of every account joined into one byte string, in C,
and the few distinct sectors and owners one by one, and keeps the hits' rows of
the current order through a mask. A :class:`PortfolioRow` is made only for the
rows the table draws.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from core.views import PortfolioColumns, PortfolioRow
from core.views.portfolio_rows import BANDS as BANDS
from core.views.portfolio_rows import US_PER_DAY, BoolArray

IntArray = np.ndarray[Any, np.dtype[np.signedinteger[Any]]]  # ids; positions (32-bit)
TEXT_CHUNK = 50_000
TIERS = ("strategic", "key", "growth", "standard")
QUADRANTS = ("strategic", "develop", "maintain", "serve_efficiently")
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


def _key_of_codes(names: Sequence[str], order: dict[str, int]) -> IntArray:
    """Each code's place in the sort (a name not in ``order`` after every one that is)."""
    return np.array([order.get(name, 9) for name in names], dtype=np.int64)


class IndexRows(Sequence[PortfolioRow]):
    """The index's rows in account order, each made when asked for (the table asks for
    the few it draws)."""

    def __init__(self, columns: PortfolioColumns | None) -> None:
        self._columns = columns

    def __len__(self) -> int:
        return 0 if self._columns is None else len(self._columns)

    @overload
    def __getitem__(self, i: int) -> PortfolioRow: ...

    @overload
    def __getitem__(self, i: slice) -> list[PortfolioRow]: ...

    def __getitem__(self, i: int | slice) -> PortfolioRow | list[PortfolioRow]:
        n = len(self)
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(n))]
        k = int(i)
        if k < 0:
            k += n
        if not 0 <= k < n or self._columns is None:
            raise IndexError(i)
        return self._columns.row(k)

    def __iter__(self) -> Iterator[PortfolioRow]:
        for k in range(len(self)):
            yield self[k]


@dataclass(eq=False)
class PortfolioIndex:
    """Every account's columns, plus the orders the queries asked for (cached per column
    and direction) and the folded texts the filter searches."""

    columns: PortfolioColumns | None = None
    _sorted: dict[tuple[str, bool], IntArray] = field(default_factory=dict)
    _present: dict[str, int] = field(default_factory=dict)  # rows with a value, per column
    _locks: dict[str, threading.Lock] = field(
        default_factory=lambda: {key: threading.Lock() for key in COLUMN_KEYS}
    )
    _text: Any = None  # the folded names as UTF-8 bytes (numpy), one account a line
    _line_ends: IntArray | None = None
    _sector_codes: Any = None  # each row's sector, a place in _sectors
    _sectors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    rows: IndexRows = field(init=False)

    def __post_init__(self) -> None:
        self.rows = IndexRows(self.columns)

    def __len__(self) -> int:
        return 0 if self.columns is None else len(self.columns)

    def __repr__(self) -> str:
        # kept short: workers put their arguments' repr in their description
        return f"<PortfolioIndex of {len(self):,} accounts>"

    @property
    def scored(self) -> bool:
        """Whether any account has stored scores."""
        return self.columns is not None and bool(self.columns.scored.any())

    def ids(self) -> IntArray:
        """Each row's account id."""
        return self.columns.ids if self.columns is not None else np.zeros(0, dtype=np.int64)

    def names(self) -> list[tuple[int, str]]:
        """Each account's id and name."""
        if self.columns is None:
            return []
        return list(zip(self.columns.ids.tolist(), self.columns.names, strict=True))

    def order(self, column: str, descending: bool) -> IntArray:
        """Positions of every row sorted by ``column``; rows without a value come last."""
        cached = self._sorted.get((column, descending))
        if cached is not None:
            return cached
        if column not in COLUMN_KEYS:
            raise ValueError(f"unknown column {column!r}")
        with self._locks[column]:  # an earlier selection may be sorting this column
            ascending = self._sorted.get((column, False))
            if ascending is None:
                key, missing = self._key(column)
                if missing is None:
                    ascending = np.argsort(key, kind="stable")
                    self._present[column] = len(ascending)
                else:
                    present = np.flatnonzero(~missing)
                    ranked = present[np.argsort(key[present], kind="stable")]
                    ascending = np.concatenate([ranked, np.flatnonzero(missing)])
                    self._present[column] = len(present)
                ascending = ascending.astype(np.int32)
                self._sorted[(column, False)] = ascending
            if not descending:
                return ascending
            m = self._present[column]
            reverse = np.concatenate([ascending[:m][::-1], ascending[m:]])
            self._sorted[(column, True)] = reverse
            return reverse

    def sort_ahead(self) -> None:
        """Sort every column and make the filter's text now (a worker calls this after the
        first order is shown), so key presses find them ready."""
        for column in COLUMN_KEYS:
            self.order(column, False)
        self._search_text()

    def _key(self, column: str) -> tuple[Any, BoolArray | None]:
        """What ``column`` sorts by, and which rows have no value in it (None: none lacks one).

        Keys are made as small as they can be without changing the order: numpy sorts
        16-bit keys by radix, a pass or two over the rows."""
        c = self.columns
        if c is None:
            return np.zeros(0), None
        if column == "name":
            return np.array([n.casefold() for n in c.names], dtype=np.dtypes.StringDType()), None
        if column == "owner":
            return self._owner_key(c), None
        if column == "tier":
            return _key_of_codes(c.tiers, _TIER_ORDER)[c.tier], None
        if column == "quadrant":
            return _key_of_codes(c.quadrants, _QUADRANT_ORDER)[c.quadrant], c.quadrant < 0
        if column == "last_contact":
            return -c.contact_us, ~c.contacted
        if column == "next_due":
            return c.interval_days * US_PER_DAY - c.contact_us, ~c.contacted
        values = getattr(c, column)
        missing = np.isnan(values)
        return _tenths(values, missing), missing

    @staticmethod
    def _owner_key(c: PortfolioColumns) -> Any:
        """Each row's owner's place among the owners' folded names ("" for nobody)."""
        people = np.array(sorted(c.owners), dtype=np.int64)
        folded = [c.owners[p].casefold() for p in people.tolist()]
        rank = {name: i for i, name in enumerate(sorted({"", *folded}))}
        of_person = np.array([rank[name] for name in folded] + [rank[""]], dtype=np.int64)
        if not len(people):
            return np.full(len(c), rank[""], dtype=np.int16)
        where = np.clip(np.searchsorted(people, c.owner_ids), 0, len(people) - 1)
        known = (people[where] == c.owner_ids) & (c.owner_ids > 0)
        key = of_person[np.where(known, where, len(people))]
        return key.astype(np.int16) if len(rank) < 2**15 else key

    def _search_text(self) -> tuple[Any, IntArray]:
        """Every account's name, case-folded, one account a line, as UTF-8 bytes, and
        where each line ends; and each account's sector as a code (made once, when first
        searched)."""
        if self._text is None or self._line_ends is None:
            with self._lock:
                c = self.columns
                if self._text is None and c is not None:
                    # a chunk at a time, so a million accounts' lines are never all held
                    parts = [
                        _folded_lines(c.names[start : start + TEXT_CHUNK])
                        for start in range(0, len(c), TEXT_CHUNK)
                    ]
                    data = np.frombuffer(b"\n".join(parts), dtype=np.uint8)
                    places: dict[str, int] = {}
                    codes = [places.setdefault(s, len(places)) for s in c.sectors]
                    self._sector_codes = np.array(codes, dtype=np.int32)
                    self._sectors = list(places)
                    self._line_ends = np.flatnonzero(data == ord("\n"))
                    self._text = data
        if self._text is None or self._line_ends is None:
            return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
        return self._text, self._line_ends

    def matches(self, needle: str) -> BoolArray:
        """Which rows' folded name, sector or owner holds ``needle`` (folded, without
        white space: so it never spans two of them, and each is searched on its own).

        The names are searched as one UTF-8 text, byte by byte: a character's bytes never
        start inside another's, so a byte match of the needle is a character match. The
        few distinct sectors and owners are searched one by one and their rows marked."""
        text, ends = self._search_text()
        found = np.zeros(len(self), dtype=bool)
        c = self.columns
        wanted = np.frombuffer(needle.encode(), dtype=np.uint8)
        if c is None or not len(wanted):
            return found
        if len(text) >= len(wanted):
            at = np.flatnonzero(text[: len(text) - len(wanted) + 1] == wanted[0])
            for k in range(1, len(wanted)):
                at = at[text[at + k] == wanted[k]]
            found[np.searchsorted(ends, at)] = True
        in_sector = np.array([needle in s.casefold() for s in self._sectors], dtype=bool)
        if in_sector.any():
            found |= in_sector[self._sector_codes]
        people = [p for p, name in c.owners.items() if p > 0 and needle in name.casefold()]
        if people:
            found |= np.isin(c.owner_ids, np.array(people, dtype=np.int64))
        return found

    def select(
        self,
        query: PortfolioQuery,
        scope_owner_ids: Sequence[int] | None,
        within: IntArray | None = None,
    ) -> IntArray:
        """Positions of the rows ``query`` keeps, in its order.

        ``within`` is an earlier result in the same order that holds every row
        ``query`` keeps (the user typed one more letter): only it is kept from.
        """
        kept = within if within is not None else self.order(query.sort, query.descending)
        c = self.columns
        if c is None:
            return kept
        wanted: BoolArray | None = None

        def keep(these: BoolArray) -> None:
            nonlocal wanted
            wanted = these if wanted is None else wanted & these

        for needle in query.text.casefold().split():
            keep(self.matches(needle))
        if query.tier is not None:
            keep(c.tier == _code(c.tiers, query.tier))
        if query.quadrant is not None:
            keep(c.quadrant == _code(c.quadrants, query.quadrant))
        if query.band is not None:
            keep(c.band == _code(BANDS, query.band))
        if scope_owner_ids is not None:
            keep(np.isin(c.owner_ids, np.array(sorted(set(scope_owner_ids)), dtype=np.int64)))
        if wanted is None:
            return kept
        selected: IntArray = kept[wanted[kept]]
        return selected


def _code(names: Sequence[str], name: str) -> int:
    """``name``'s code, or one no row has (-2) when no row holds it."""
    return names.index(name) if name in names else -2


def _tenths(values: Any, missing: BoolArray) -> Any:
    """``values`` as whole tenths (16-bit) when each is one, as scores are; else as they are.

    A value that is exactly its tenths over ten keeps its place among the others: equal
    values stay equal and smaller ones smaller."""
    if missing.all():
        return np.zeros(len(values), dtype=np.int16)
    filled = np.where(missing, 0.0, values)
    tenths = np.rint(filled * 10)
    if np.abs(tenths).max() < 2**15 and np.array_equal(tenths / 10, filled):
        return tenths.astype(np.int16)
    return values


def _folded_lines(names: Sequence[str]) -> bytes:
    """The names case-folded, one a line, as UTF-8 (folding is per character, so the
    lines fold together as each one does alone)."""
    text = "\n".join(names)
    if text.count("\n") != len(names) - 1:  # a name holding a line break: one name a line
        text = "\n".join([name.replace("\n", " ") for name in names])
    return text.casefold().encode()
