"""How a score's raw values and a goal's figures read, in the CLI (wide) and the TUI (narrow).

Both front ends render through ``core.scoring.display``, so a figure reads the same
wherever it is shown, apart from what a narrow column cannot hold.
"""

from __future__ import annotations

from typing import get_args

import pytest

from core.scoring.display import criterion_value, goal_style, goal_value, short_money
from core.scoring.goals import GoalStatus


@pytest.mark.parametrize(
    ("value", "unit", "wide", "narrow"),
    [
        (480_000.0, "money", "480,000", "480k"),
        (-1_166.25, "money", "-1,166", "-1.2k"),
        (0.27, "share", "27%", "27%"),
        (0.19, "ratio", "+19%", "+19%"),
        (-0.5, "change", "-50%", "-50%"),
        (106.0, "days", "106 days", "106d"),
        (3, "count", "3", "3"),
        (4, "rating", "4", "4"),
        (None, "money", "–", "–"),
    ],
)
def test_a_criterion_reads_in_its_unit(
    value: float | None, unit: str, wide: str, narrow: str
) -> None:
    assert criterion_value(value, unit) == wide
    assert criterion_value(value, unit, narrow=True) == narrow


def test_money_under_a_thousand_reads_as_whole_money_like_every_other_amount() -> None:
    """Fixed: the CLI showed money below 1,000 to three significant digits, so a margin
    of 999.60 read "1e+03" and one of -34.60 read "-34.6" beside "-1,166"."""
    assert criterion_value(999.6, "money") == "1,000"
    assert criterion_value(-34.6, "money") == "-35"
    assert criterion_value(512.35, "money") == "512"


@pytest.mark.parametrize(
    ("value", "unit", "wide", "narrow"),
    [
        (1_300.0, "money", "1,300", "1.3k"),
        (0.955, "share", "95.5%", "96%"),
        (0.1, "ratio", "+10.0%", "+10%"),
        (25.0, "nps", "+25", "+25"),
        (4.0, "rating", "4.00", "4.00"),
        (71.3, "score", "71.3", "71.3"),
        (2.5, "count", "2.5", "2.5"),
        (3.0, "count", "3", "3"),
        (None, "share", "–", "–"),
    ],
)
def test_a_goal_figure_reads_in_its_unit(
    value: float | None, unit: str, wide: str, narrow: str
) -> None:
    assert goal_value(value, unit) == wide
    assert goal_value(value, unit, narrow=True) == narrow


def test_short_money_fits_seven_cells() -> None:
    assert [short_money(v) for v in (950.0, 1_250.5, 48_000.0, 2_345_678.0, -3e9)] == [
        "950",
        "1.3k",
        "48k",
        "2.35M",
        "-3.00B",
    ]


def test_every_goal_status_has_a_colour() -> None:
    styles = {status: goal_style(status) for status in get_args(GoalStatus)}
    assert styles == {
        "met": "green",
        "on_track": "green",
        "behind": "yellow",
        "missed": "red",
        "not_started": "dim",
        "no_data": "dim",
        "unknown_metric": "red",
        "unknown_scope": "red",
        "unknown_period": "red",
    }
