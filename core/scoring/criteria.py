"""Criteria, their robust normalisation to 0..1, and points that add up exactly.

Two normalisations keep one outlier from flattening everyone else:
``percentile`` (an account's mid-rank among the accounts with a value) and
``capped`` (a linear scale between a floor and a cap, clipped). A missing value
counts as neutral (0.5) and is flagged, except in the rows a score asks to be
``fed from the data``: there a missing criterion is left out (weight 0) and its
weight is shared, in proportion, among the criteria that have data. Points are
kept in tenths and allocated by largest remainder, so the rounded points of a
breakdown sum to its score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

NEUTRAL = 0.5


def percentile(raw: FloatArray) -> FloatArray:
    """Mid-rank percentile of each value among the known ones (ties share a rank); NaN stays."""
    out = np.full(raw.shape, np.nan)
    known = ~np.isnan(raw)
    values = raw[known]
    if values.size:
        order = np.argsort(values, kind="stable")
        ordered = values[order]  # searching sorted needles keeps the look-ups in cache
        below = np.searchsorted(ordered, ordered, side="left")
        up_to = np.searchsorted(ordered, ordered, side="right")
        mid = np.empty(values.size)
        mid[order] = (below + up_to) / (2.0 * values.size)
        out[known] = mid
    return out


def capped(raw: FloatArray, floor: float, cap: float) -> FloatArray:
    """Linear from ``floor`` (0) to ``cap`` (1), clipped; NaN stays."""
    with np.errstate(invalid="ignore"):
        return np.clip((raw - floor) / (cap - floor), 0.0, 1.0)


@dataclass(frozen=True)
class Criterion:
    """One thing a score weighs, and how its raw value is read."""

    name: str
    label: str
    method: str
    unit: str = ""


PointsArray = np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
"""Points in tenths, in the narrowest integer type that holds a score's weights (int16
for the usual 100 points: a million accounts' points take 44 MB instead of 176 MB)."""


@dataclass
class ScoreTable:
    """One score for the whole portfolio: raw, normalised and points per criterion."""

    criteria: tuple[Criterion, ...]
    base_weights: FloatArray  # (k,): the score's weights, which sum to its 100
    fed_from_data: BoolArray | None  # (n,): rows whose missing criteria's weight is shared out
    raw: tuple[FloatArray, ...]  # k columns of n, NaN where unknown (a fact's own array)
    normalised: FloatArray  # (n, k), neutral where unknown
    missing: BoolArray  # (n, k)
    tenths: PointsArray  # (n, k) points in tenths; each row sums to the score in tenths
    score: FloatArray  # (n,) 0–100 with one decimal

    def weights_of(self, i: int) -> FloatArray:
        """Account ``i``'s weights (:func:`row_weights`), worked out again for its row alone:
        a table of every account's weights took 64 MB at a million accounts, to explain one."""
        row = slice(i, i + 1)
        fed = None if self.fed_from_data is None else self.fed_from_data[row]
        weights: FloatArray = row_weights(self.base_weights, self.missing[row], fed)[0]
        return weights

    def points(self, i: int) -> dict[str, float]:
        """Account ``i``'s points per criterion."""
        return {
            c.name: t / 10.0 for c, t in zip(self.criteria, self.tenths[i].tolist(), strict=True)
        }


ROWS_AT_ONCE = 65_536
"""Rows whose weights and points are worked out at a time: the sort behind largest
remainders takes several arrays the size of its rows, which for a million accounts at
once were larger than the scores themselves."""


def row_weights(w: FloatArray, missing: BoolArray, fed_from_data: BoolArray | None) -> FloatArray:
    """Each row's weights: the score's own, or, in ``fed_from_data`` rows with a criterion
    missing, the known criteria's weights scaled up to the same total (to hundredths)."""
    shared = np.broadcast_to(w, missing.shape)  # one row read by all: no copy per account
    if fed_from_data is None or not missing.size:
        return shared
    known = np.where(missing, 0.0, shared)
    known_total = known.sum(axis=1)
    rows = fed_from_data & missing.any(axis=1) & (known_total > 0)
    if not rows.any():
        return shared
    weights = np.array(shared)
    scaled = known[rows] * (w.sum() / known_total[rows])[:, None]
    weights[rows] = allocate_tenths(scaled * 100.0) / 100.0
    return weights


def score_table(
    criteria: tuple[Criterion, ...],
    weights: dict[str, float],
    raw: dict[str, FloatArray],
    normalised: dict[str, FloatArray],
    fed_from_data: BoolArray | None = None,
) -> ScoreTable:
    """Weigh the normalised criteria into a score with an exact breakdown.

    In the rows ``fed_from_data`` marks, criteria without data are left out rather
    than counted as neutral (see :func:`row_weights`).
    """
    names = [c.name for c in criteria]
    w = np.array([weights[name] for name in names], dtype=np.float64)
    norm = np.column_stack([normalised[name] for name in names]).astype(np.float64, copy=False)
    missing = np.isnan(norm)
    np.clip(norm, 0.0, 1.0, out=norm)
    norm[missing] = NEUTRAL
    tenths = np.empty(norm.shape, dtype=points_type(w))
    for start in range(0, len(norm), ROWS_AT_ONCE):
        rows = slice(start, start + ROWS_AT_ONCE)
        fed = None if fed_from_data is None else fed_from_data[rows]
        weighed = row_weights(w, missing[rows], fed)
        tenths[rows] = allocate_tenths(norm[rows] * weighed * 10.0)
    return ScoreTable(
        criteria=criteria,
        base_weights=w,
        fed_from_data=fed_from_data,
        raw=tuple(np.asarray(raw[name], dtype=np.float64) for name in names),
        normalised=norm,
        missing=missing,
        tenths=tenths,
        score=tenths.sum(axis=1, dtype=np.int64) / 10.0,
    )


def points_type(weights: FloatArray) -> np.dtype[np.signedinteger[Any]]:
    """The narrowest integer type that holds any row's points in tenths, and their sum."""
    most = int(np.ceil(np.abs(weights).sum() * 10.0)) + 1  # a remainder rounded up
    kind: np.dtype[np.signedinteger[Any]] = np.min_scalar_type(-most)
    return kind


def allocate_tenths(exact: FloatArray) -> IntArray:
    """Round each row to whole tenths so the row sums to its rounded total (largest remainder)."""
    if exact.size == 0:
        return np.zeros(exact.shape, dtype=np.int64)
    floor = np.floor(exact + 1e-9)
    remainder = np.clip(exact - floor, 0.0, None)
    target = np.rint(exact.sum(axis=1) + 1e-9)
    short = (target - floor.sum(axis=1)).astype(np.int64)
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    rows = np.arange(exact.shape[0])[:, None]
    rank[rows, order] = np.arange(exact.shape[1])[None, :]
    tenths: IntArray = (floor + (rank < short[:, None])).astype(np.int64)
    return tenths
