"""One health trend rule: the change rounded to one decimal, then compared with the threshold."""

from __future__ import annotations

import pytest

from core.scoring import ScoringConfig, config_from
from core.scoring.trend import HealthTrend, health_trend

RULES = ScoringConfig()


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (51.96, 50.0, HealthTrend(2.0, "up")),  # 1.96 reads as 2.0, as `kam score` shows it
        (48.04, 50.0, HealthTrend(-2.0, "down")),
        (51.94, 50.0, HealthTrend(1.9, "steady")),
        (52.0, 50.0, HealthTrend(2.0, "up")),
        (50.0, 50.0, HealthTrend(0.0, "steady")),
        (20.0, 80.0, HealthTrend(-60.0, "down")),
    ],
)
def test_the_change_is_rounded_before_it_is_compared(
    current: float, previous: float, expected: HealthTrend
) -> None:
    assert health_trend(current, previous, RULES) == expected


def test_the_threshold_comes_from_the_scoring_rules() -> None:
    strict = config_from({"bands": {"trend_threshold": 5.0}})
    assert health_trend(54.0, 50.0, strict) == HealthTrend(4.0, "steady")
    assert health_trend(55.0, 50.0, strict) == HealthTrend(5.0, "up")
    assert health_trend(50.0, 50.0, config_from({"bands": {"trend_threshold": 0.0}})).direction == (
        "up"
    )
