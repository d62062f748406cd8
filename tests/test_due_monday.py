"""Monday morning on the real demo: the list a key account manager opens at 08:00.

The real CRM sample is loaded and scored under a frozen Monday 08:00 clock, as a
new user would (``kam demo``, then ``kam score``); ``kam due --json`` is then read
the way a person reads it, top down.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlmodel import Session, select

from core.db import open_database
from core.models import Account, CommitmentCreate, NoticeCreate
from core.services.commitments import add_commitment
from core.services.notices import add_notice
from tests.factories import SYSTEM
from tests.test_cli import kam

# The first Monday of a month: the demo moves by whole months, so its last close is
# then yesterday and the week's won deals are still waiting for their thank-yous.
MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
CADENCE = {"strategic": 14, "key": 30, "growth": 60, "standard": 90}  # DESIGN.md defaults
RED_AFTER = 1.5


@pytest.fixture(scope="module")
def monday(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, loaded and scored at Monday 08:00, with the clock held there."""
    url = f"sqlite:///{tmp_path_factory.mktemp('monday')}/demo.db"
    with time_machine.travel(MONDAY, tick=False):
        cap = _Capture()
        assert kam(cap, "demo", "--db", url)[0] == 0  # type: ignore[arg-type]
        assert kam(cap, "score", "--db", url)[0] == 0  # type: ignore[arg-type]
        yield url


class _Capture:
    """capsys for a module-scoped fixture: kam() prints to stdout, which is discarded."""

    def readouterr(self) -> tuple[str, str]:
        return "", ""


def due(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> list[dict[str, Any]]:
    code, out, err = kam(capsys, "due", "--json", "--db", url, *args)
    assert code == 0, err
    items: list[dict[str, Any]] = json.loads(out)
    return items


def accounts(capsys: pytest.CaptureFixture[str], url: str) -> list[dict[str, Any]]:
    code, out, _ = kam(capsys, "accounts", "--json", "--db", url)
    assert code == 0
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def urgency(item: dict[str, Any], tiers: dict[int, str], today: date) -> int:
    """How urgent an item is, read from the facts (not from the engine's own bands):
    3 a promise due or overdue, news at or past its day, a strategic or key account
    past its red line; 2 anything else red; 1 yellow other than a thank-you; 0 the rest."""
    kind, key = item["kind"], item["key"]
    if kind == "commitment_due" and (key.endswith("#overdue") or "due today" in item["detail"]):
        return 3
    if kind == "notice_untold" and (
        key.endswith(("#late", "#manager")) or "(today)" in item["detail"]
    ):
        return 3
    if kind == "check_in_due" and key.endswith("#red"):
        return 3 if tiers[item["account_id"]] in ("strategic", "key") else 2
    if item["severity"] == "red":
        return 2
    return 1 if item["severity"] == "yellow" and kind != "thank_you" else 0


def test_at_most_one_thank_you_per_account_and_no_onboarding_flood(
    capsys: pytest.CaptureFixture[str], monday: str
) -> None:
    items = due(capsys, monday)
    thanks = Counter(i["account_id"] for i in items if i["kind"] == "thank_you")
    assert thanks and max(thanks.values()) == 1
    assert sum(thanks.values()) < 85 and len(items) < 166  # the list was 166 long
    # The first scoring classified every account at once: nobody *became* key.
    assert not [i for i in items if i["kind"] == "onboarding"]
    # Repeat purchases of the same product are not renewals.
    assert not [i for i in items if "renew" in i["title"]]
    # Kan-code's deals of the week are one item with one draft naming them all.
    [kan] = [i for i in items if i["account_name"] == "Kan-code" and i["kind"] == "thank_you"]
    assert kan["title"].startswith("Thank Kan-code for ") and kan["title"].endswith(" this week")
    assert kan["draft"].count("Thank you for") == 1
    assert all(i["why"] for i in items)


def test_no_item_precedes_one_of_higher_urgency(
    capsys: pytest.CaptureFixture[str], monday: str
) -> None:
    engine = open_database(monday)
    with time_machine.travel(MONDAY, tick=False), Session(engine) as s:
        kan = s.exec(select(Account).where(Account.name == "Kan-code")).one()
        konex = s.exec(select(Account).where(Account.name == "Konex")).one()
        late = CommitmentCreate(
            what="Send the revised quote", due_on=MONDAY.date() - timedelta(days=3)
        )
        add_commitment(kan, late, session=s, actor=SYSTEM)
        today = NoticeCreate(what="Prices rise 4% in January", must_tell_by=MONDAY.date())
        add_notice(konex, today, session=s, actor=SYSTEM)
        soon = CommitmentCreate(what="Book the workshop", due_on=MONDAY.date() + timedelta(days=2))
        add_commitment(konex, soon, session=s, actor=SYSTEM)
        s.commit()
    engine.dispose()
    tiers = {a["id"]: a["tier"] for a in accounts(capsys, monday)}
    # This Monday, and three Mondays on, when check-ins have come due and gone red.
    for at in (MONDAY.isoformat(), (MONDAY + timedelta(weeks=3)).isoformat()):
        items = due(capsys, monday, "--at", at)
        levels = [urgency(i, tiers, MONDAY.date()) for i in items]
        assert levels == sorted(levels, reverse=True), [
            (i["why"], n) for i, n in zip(items, levels, strict=True)
        ]
        assert len(set(levels)) >= 2
    items = due(capsys, monday)
    first_thanks = next(n for n, i in enumerate(items) if i["kind"] == "thank_you")
    top = {i["title"] for i in items[:first_thanks]}
    assert "Keep your promise at Kan-code: Send the revised quote" in top
    assert "Tell Konex: Prices rise 4% in January" in top
    assert items[0]["why"].startswith("Urgent: ")
    booked = next(i for i in items if "Book the workshop" in i["title"])
    assert booked["why"].startswith("Routine: promise due")


@pytest.mark.parametrize("weeks", [0, 3, 8])
def test_check_ins_appear_where_an_account_is_past_its_cadence(
    capsys: pytest.CaptureFixture[str], monday: str, weeks: int
) -> None:
    now = MONDAY + timedelta(weeks=weeks)
    rows = accounts(capsys, monday)
    expected = {}
    for row in rows:
        last = datetime.fromisoformat(row["last_contact"])
        days = (now - last) / timedelta(days=1)
        cadence = CADENCE[row["tier"]]
        if days >= cadence:
            expected[row["id"]] = "red" if days >= cadence * RED_AFTER else "yellow"
    items = due(capsys, monday, "--at", now.isoformat())
    found = {i["account_id"]: i["severity"] for i in items if i["kind"] == "check_in_due"}
    assert found == expected
    if weeks:
        assert expected, "three weeks on, some account is past its cadence"
