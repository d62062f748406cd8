"""One urgency across kinds: what may interrupt someone, and the one order of every list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.checkins import DueItem, in_order, is_urgent
from core.checkins.urgency import Band, band

NOW = datetime(2026, 11, 30, 8, tzinfo=UTC)


def item(kind: str, severity: str = "info", priority: float = 1.0, **more: Any) -> DueItem:
    fields: dict[str, Any] = {
        "key": f"{kind}:1:{severity}-{priority}",
        "kind": kind,
        "account_id": 1,
        "account_name": "Acme",
        "user_id": 1,
        "due_at": NOW - timedelta(days=1),
        "priority": priority,
        "severity": severity,
        "title": f"{kind} {severity}",
        "detail": "",
    }
    return DueItem(**{**fields, **more})


@pytest.mark.parametrize(
    ("due", "urgent"),
    [
        (item("commitment_due", "red", late_days=3), True),
        (item("commitment_due", "yellow", late_days=0), True),  # due today
        (item("commitment_due", "info", late_days=-2), False),
        (item("notice_untold", "yellow", late_days=0), True),  # its must-tell-by day
        (item("notice_untold", "red", late_days=1), True),
        (item("notice_untold", "yellow", late_days=-1), False),
        (item("check_in_due", "red", tier="strategic"), True),
        (item("check_in_due", "red", tier="key"), True),
        (item("check_in_due", "red", tier="growth"), False),
        (item("check_in_due", "yellow", tier="strategic"), False),
        (item("personal_connect", "red"), False),
        (item("health_drop", "red", tier="strategic"), False),
        (item("thank_you", "yellow", priority=9.0), False),
    ],
)
def test_is_urgent_is_exactly_the_three_cases(due: DueItem, urgent: bool) -> None:
    assert is_urgent(due) is urgent


def test_any_red_promise_news_or_key_account_outranks_every_thank_you() -> None:
    thanks = [item("thank_you", "yellow", priority=p, key=f"thank_you:{p}:x") for p in (4.5, 9)]
    promise = item("commitment_due", "red", priority=1.01, late_days=1)
    news = item("notice_untold", "yellow", priority=1.0, late_days=0)
    key_account = item("check_in_due", "red", priority=0.01, tier="key")
    trouble = item("personal_connect", "red", priority=2.0)
    yellow = item("check_in_due", "yellow", priority=0.2, tier="growth")
    review = item("account_review", "info", priority=0.5)
    ordered = in_order([*thanks, review, yellow, trouble, key_account, news, promise])
    assert [band(i) for i in ordered] == sorted(band(i) for i in ordered)
    assert [i.kind for i in ordered[:3]] == ["commitment_due", "notice_untold", "check_in_due"]
    assert ordered[3].key == trouble.key and ordered[3].why == "Red: personal_connect red"
    assert ordered[4].kind == "check_in_due" and band(ordered[4]) is Band.SOON
    assert {i.kind for i in ordered[5:]} == {"thank_you", "account_review"}
    assert ordered[0].why == "Urgent: commitment_due red"  # no reason given: the title


def test_within_a_band_the_higher_priority_then_the_longest_waiting_comes_first() -> None:
    old = item("check_in_due", "yellow", priority=0.5, due_at=NOW - timedelta(days=9), key="a")
    new = item("check_in_due", "yellow", priority=0.5, due_at=NOW - timedelta(days=1), key="b")
    high = item("check_in_due", "yellow", priority=0.9, key="c")
    assert [i.key for i in in_order([new, old, high])] == ["c", "a", "b"]


def test_a_payload_stored_before_urgency_still_loads_and_ranks() -> None:
    stored = item("commitment_due", "red", late_days=2).as_dict()
    for newer in ("tier", "late_days", "reason", "why"):
        stored.pop(newer)
    loaded = DueItem.from_dict(stored)
    assert (loaded.tier, loaded.late_days, loaded.reason, loaded.why) == (None, None, "", "")
    assert band(loaded) is Band.RED  # without its lateness it is red, not urgent
    assert in_order([loaded])[0].why == "Red: commitment_due red"
