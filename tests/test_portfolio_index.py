"""The portfolio index's orders and filters against the straightforward Python answer.

The index keeps the portfolio as columns and sorts and filters them with numpy; here
a synthetic portfolio full of ties (names equal once folded, shared owners, scores in
tenths, whole-day contacts) and missing values (unscored accounts, no contact, no
owner) is sorted by every column both ways and filtered every way, and each answer is
compared with a sort and filter of the same accounts' rows as plain Python objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.scoring.config import ScoringConfig
from core.views import PortfolioColumns, PortfolioRow, column_counts, score_counts
from core.views.portfolio_rows import BANDS, US_PER_DAY, microseconds
from tui.portfolio_index import COLUMN_KEYS, PortfolioIndex, PortfolioQuery

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WORDS = ["Acme", "ACME", "acme", "Globex", "Straße", "STRASSE", "Ærø", "İstanbul", "Émile"]
TAILS = ["corp", "Corp.", "", "GmbH", "zeta", "Ünited", "ß"]
TIER_ORDER = {"strategic": 0, "key": 1, "growth": 2, "standard": 3}
QUADRANT_ORDER = {"strategic": 0, "develop": 1, "maintain": 2, "serve_efficiently": 3}


def portfolio(n: int = 3000, seed: int = 3) -> PortfolioColumns:
    """``n`` accounts with ties in every column and values missing where they can be."""
    rng = np.random.default_rng(seed)
    config = ScoringConfig()
    names = [
        f"{WORDS[a]} {TAILS[b]}{c}"
        for a, b, c in zip(
            rng.integers(0, len(WORDS), n),
            rng.integers(0, len(TAILS), n),
            rng.integers(0, 40, n),
            strict=True,
        )
    ]
    names[5] = "Line\nbreak corp"  # a line break inside a name does not join two accounts
    sectors = [["retail", "", "energy", "Technology"][k] for k in rng.integers(0, 4, n)]
    # 7 and 8 share a short name; 9 is nobody the portfolio knows
    owners = {p: f"person{p % 6}" for p in range(1, 9)} | {7: "Zoë", 8: "zoë"}
    owner_ids = rng.choice([-1, 1, 2, 3, 4, 5, 6, 7, 8, 9], n).astype(np.int64)
    scored = rng.random(n) < 0.8
    tiers = ["strategic", "key", "growth", "standard", "legacy"]  # one tier unknown
    quadrants = ["strategic", "develop", "maintain", "serve_efficiently", "other"]

    def tenths(low: float, high: float) -> Any:
        values = np.round(rng.uniform(low, high, n), 1)
        return np.where(scored, values, np.nan)

    health = tenths(0, 100)
    previous = np.where(rng.random(n) < 0.7, np.round(rng.uniform(0, 100, n), 1), np.nan)
    band = np.full(n, -1, dtype=np.int16)
    for i in np.flatnonzero(scored):
        band[i] = BANDS.index(config.band(float(health[i])))
    contacted = rng.random(n) < 0.85
    days = rng.choice([0.0, 1.0, 2.5, 30.0, 91.25], n) + (rng.random(n) < 0.5) * rng.random(n)
    return PortfolioColumns(
        now=NOW,
        config=config,
        ids=np.arange(1, n + 1, dtype=np.int64) * 3,
        names=names,
        sectors=sectors,
        owner_ids=owner_ids,
        owners=owners,
        tier=rng.choice([0, 1, 2, 3, 3, 3, 4], n).astype(np.int16),
        quadrant=np.where(scored, rng.integers(0, 5, n), -1).astype(np.int16),
        band=band,
        attractiveness=tenths(0, 10),
        relationship=tenths(0, 10),
        health=health,
        previous=np.where(scored, previous, np.nan),
        revenue_12m=np.where(rng.random(n) < 0.3, 0.0, rng.integers(0, 50, n) * 1000.0),
        contact_us=np.where(contacted, microseconds(days), 0),
        contacted=contacted,
        interval_days=rng.choice([7, 30, 90], n).astype(np.int64),
        tiers=tiers,
        quadrants=quadrants,
    )


def python_key(column: str) -> Callable[[PortfolioRow], Any]:
    """How the table sorted a list of rows with ``list.sort``."""
    if column == "tier":
        return lambda r: TIER_ORDER.get(r.tier, 9)
    if column == "quadrant":
        return lambda r: QUADRANT_ORDER.get(r.quadrant or "", 9)
    if column in ("name", "owner"):
        return lambda r: getattr(r, column).casefold()
    return lambda r: getattr(r, column)


def python_order(rows: Sequence[PortfolioRow], column: str, descending: bool) -> list[int]:
    """Rows with a value sorted (stable; descending is ascending reversed), then the rest."""
    present = [i for i, r in enumerate(rows) if getattr(r, column) is not None]
    missing = [i for i, r in enumerate(rows) if getattr(r, column) is None]
    key = python_key(column)
    present.sort(key=lambda i: key(rows[i]))
    if descending:
        present.reverse()
    return present + missing


def python_select(
    rows: Sequence[PortfolioRow], query: PortfolioQuery, owners: Sequence[int] | None
) -> list[int]:
    kept = python_order(rows, query.sort, query.descending)
    for needle in query.text.casefold().split():
        kept = [i for i in kept if needle in rows[i].search_text]
    if query.tier is not None:
        kept = [i for i in kept if rows[i].tier == query.tier]
    if query.quadrant is not None:
        kept = [i for i in kept if rows[i].quadrant == query.quadrant]
    if query.band is not None:
        kept = [i for i in kept if rows[i].band == query.band]
    if owners is not None:
        kept = [i for i in kept if rows[i].owner_id in set(owners)]
    return kept


@pytest.fixture(scope="module")
def index() -> PortfolioIndex:
    return PortfolioIndex(portfolio())


@pytest.fixture(scope="module")
def rows(index: PortfolioIndex) -> list[PortfolioRow]:
    return list(index.rows)


def test_the_synthetic_portfolio_has_ties_and_gaps(rows: list[PortfolioRow]) -> None:
    """Otherwise the comparisons below would not tell a stable sort from another."""
    folded = [r.name.casefold() for r in rows]
    assert len(set(folded)) < len(folded)
    assert any(r.health is None for r in rows) and any(r.last_contact is None for r in rows)
    assert any(r.owner == "" for r in rows) and {r.tier for r in rows} >= {"legacy", "key"}
    assert len({r.health for r in rows}) < len(rows) / 2
    assert any(r.trend is not None for r in rows) and any(r.quadrant == "other" for r in rows)


@pytest.mark.parametrize("column", COLUMN_KEYS)
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_is_the_python_sort(
    index: PortfolioIndex, rows: list[PortfolioRow], column: str, descending: bool
) -> None:
    expected = python_order(rows, column, descending)
    assert index.order(column, descending).tolist() == expected
    # and the order is the rows' order by their values, not only the same positions
    shown = [python_key(column)(rows[i]) for i in expected if getattr(rows[i], column) is not None]
    assert shown == sorted(shown, reverse=descending)


QUERIES = [
    PortfolioQuery(),
    PortfolioQuery(text="acme"),
    PortfolioQuery(text="ACME corp", sort="health", descending=True),
    PortfolioQuery(text="strasse", sort="owner"),  # Straße and STRASSE, folded
    PortfolioQuery(text="ß", sort="last_contact"),  # "ss"
    PortfolioQuery(text="zoë retail", sort="next_due", descending=True),
    PortfolioQuery(text="line break", sort="name"),
    PortfolioQuery(text="e\tc", sort="revenue_12m"),
    PortfolioQuery(text="no such account"),
    PortfolioQuery(tier="standard", sort="attractiveness"),
    PortfolioQuery(tier="legacy", quadrant="develop"),
    PortfolioQuery(quadrant="other", sort="quadrant", descending=True),
    PortfolioQuery(band="red", sort="relationship"),
    PortfolioQuery(band="green", text="i̇stanbul", sort="tier", descending=True),
    PortfolioQuery(text="person1", scope="team", sort="owner", descending=True),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_every_selection_is_the_python_filter(
    index: PortfolioIndex, rows: list[PortfolioRow], query: PortfolioQuery
) -> None:
    owners = [1, 7, 9] if query.scope == "team" else None
    expected = python_select(rows, query, owners)
    assert index.select(query, owners).tolist() == expected
    if query.text:  # one more letter typed: the rows shown are narrowed to the same answer
        shorter = PortfolioQuery(**{**query.__dict__, "text": query.text[:-1]})
        shown = index.select(shorter, owners)
        assert index.select(query, owners, within=shown).tolist() == expected


def test_some_selections_keep_some_rows_and_not_all(
    index: PortfolioIndex, rows: list[PortfolioRow]
) -> None:
    kept = [len(python_select(rows, q, [1, 7, 9])) for q in QUERIES]
    assert sum(0 < k < len(rows) for k in kept) >= len(QUERIES) - 2


def test_the_overview_counts_from_columns_are_the_rows_counts(
    index: PortfolioIndex, rows: list[PortfolioRow]
) -> None:
    assert index.columns is not None
    assert column_counts(index.columns) == score_counts(rows)


def test_an_empty_index_sorts_and_filters_to_nothing() -> None:
    empty = PortfolioIndex()
    assert len(empty) == 0 and not empty.scored and list(empty.rows) == []
    assert empty.select(PortfolioQuery(text="acme"), None).tolist() == []


def test_rows_are_made_for_the_accounts_asked_for(index: PortfolioIndex) -> None:
    rows = index.rows
    assert rows[-1].id == rows[len(rows) - 1].id == 3 * len(rows)
    assert [r.id for r in rows[2:5]] == [9, 12, 15]
    with pytest.raises(IndexError):
        rows[len(rows)]


@given(st.floats(min_value=-40_000, max_value=40_000, allow_nan=False))
def test_microseconds_round_as_timedelta_does(days: float) -> None:
    """The last contact sorted as microseconds is the datetime the row shows."""
    us = int(microseconds(np.array([days]))[0])
    assert timedelta(microseconds=us) == timedelta(days=days)


def test_microseconds_of_halfway_fractions() -> None:
    """Fractions whose microseconds end in exactly a half round to the even one."""
    halves = np.array([k + 0.5 for k in range(50)]) / US_PER_DAY
    days = np.concatenate([halves, halves + 3, -halves, halves + 12345])
    expected = [timedelta(days=float(d)) // timedelta(microseconds=1) for d in days]
    assert microseconds(days).tolist() == expected


def test_the_text_made_in_chunks_finds_what_one_piece_finds(
    monkeypatch: pytest.MonkeyPatch, rows: list[PortfolioRow]
) -> None:
    monkeypatch.setattr("tui.portfolio_index.TEXT_CHUNK", 7)
    chunked = PortfolioIndex(portfolio())
    chunked.sort_ahead()
    for query in QUERIES:
        owners = [1, 7, 9] if query.scope == "team" else None
        assert chunked.select(query, owners).tolist() == python_select(rows, query, owners)
