"""One health trend rule: the change rounded to one decimal, then compared with the threshold.

``kam score``'s breakdown, the App Home, the TUI's card and its portfolio table
all read it, so each says the same about the same two snapshots.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from core.models import ScoreSnapshot
from core.scoring import ScoringConfig, config_from
from core.scoring.trend import HealthChange, health_trend
from core.views import account_card, app_home, load_rows
from tests import factories

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RULES = ScoringConfig()


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (51.96, 50.0, HealthChange(2.0, "up")),  # 1.96 reads as 2.0, as `kam score` shows it
        (48.04, 50.0, HealthChange(-2.0, "down")),
        (51.94, 50.0, HealthChange(1.9, "steady")),
        (52.0, 50.0, HealthChange(2.0, "up")),
        (50.0, 50.0, HealthChange(0.0, "steady")),
        (20.0, 80.0, HealthChange(-60.0, "down")),
    ],
)
def test_the_change_is_rounded_before_it_is_compared(
    current: float, previous: float, expected: HealthChange
) -> None:
    assert health_trend(current, previous, RULES) == expected


def test_the_threshold_comes_from_the_scoring_rules() -> None:
    strict = config_from({"bands": {"trend_threshold": 5.0}})
    assert health_trend(54.0, 50.0, strict) == HealthChange(4.0, "steady")
    assert health_trend(55.0, 50.0, strict) == HealthChange(5.0, "up")
    assert health_trend(50.0, 50.0, config_from({"bands": {"trend_threshold": 0.0}})).direction == (
        "up"
    )


def _snapshot(account_id: int | None, at: datetime, health: float) -> ScoreSnapshot:
    return ScoreSnapshot(
        account_id=account_id,
        at=at,
        attractiveness=70.0,
        relationship=60.0,
        health=health,
        tier="key",
        quadrant="strategic",
        breakdown={},
    )


def test_home_card_and_table_all_say_up_for_a_change_of_1_96(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    acme = factories.account(session, "Acme", owner_id=anna.id)
    session.add(_snapshot(acme.id, NOW - timedelta(days=7), 50.0))
    session.add(_snapshot(acme.id, NOW - timedelta(days=1), 51.96))
    session.commit()
    assert acme.id is not None
    up = HealthChange(2.0, "up")

    [key_account] = app_home(anna, session=session, now=NOW).key_accounts
    assert key_account.trend == up  # the App Home used to call this "steady"
    assert account_card(acme, session=session, now=NOW).health_trend == up
    [row] = load_rows(session=session, now=NOW, config=RULES)
    assert row.trend == up
