"""Reminders people will not mute: working hours, the digest first, a few urgent DMs a day.

The scenario runs against the local Slack stand-in (tests/slack_harness.py) on a
synthetic portfolio whose people work in two zones, Oslo and New York; every
message is counted where it arrives.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.checkins import due_items, sweep
from core.checkins.config import CheckinConfig, load_checkin_config
from core.checkins.urgency import is_urgent
from core.demo import synthetic
from core.errors import KamError
from core.hours import WorkingHours, read_days, read_hours
from core.models import Account, CommitmentCreate, Reminder, User
from core.services.commitments import add_commitment
from core.services.users import link_slack, set_working_hours
from core.when import When
from kambot.notifier import SlackNotifier
from tests import factories
from tests.slack_harness import Call, FakeSlackAPI

MONDAY = date(2026, 3, 2)  # winter: Oslo is UTC+1, New York UTC-5
OSLO, NEW_YORK = "Europe/Oslo", "America/New_York"
CAP = 5


def at(hour: int, minute: int = 0, zone_offset: int = 0) -> datetime:
    """A moment on MONDAY, given as UTC hour and minute."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC) + timedelta(hours=zone_offset)


OSLO_3AM, OSLO_9AM, NEW_YORK_9AM = at(2), at(8), at(14)


@pytest.fixture
def team(engine: Engine) -> dict[str, Any]:
    """A synthetic portfolio shared by six people who work 09:00-17:00 in Oslo or New
    York, every other person, all linked to Slack but one Oslo person, ``late``. One Oslo
    person, ``busy``, has more overdue promises than the day's cap."""
    with Session(engine, expire_on_commit=False) as s:
        synthetic.load_synthetic(session=s, accounts=300, seed=7, now=at(0) - timedelta(days=1))
        for n in range(3):
            factories.user(s, f"am{n}@example.com")
        people = list(s.exec(select(User).order_by(User.id)).all())  # type: ignore[arg-type]
        for n, account in enumerate(s.exec(select(Account).order_by(Account.id)).all()):
            account.owner_id = people[n % len(people)].id  # six people share the portfolio
            s.add(account)
        zones: dict[str, str] = {}
        for n, person in enumerate(people):
            zones[person.email] = OSLO if n % 2 == 0 else NEW_YORK
            set_working_hours(
                person.email,
                "09:00-17:00",
                days="mon-fri",
                timezone=zones[person.email],
                session=s,
                actor=factories.SYSTEM,
            )
        oslo = [p for p in people if zones[p.email] == OSLO]
        busy, late = oslo[0], oslo[1]
        account = s.exec(select(Account).where(Account.owner_id == busy.id)).first()
        assert account is not None
        for n in range(CAP + 3):
            promise = CommitmentCreate(
                what=f"Send item {n}", due_on=MONDAY - timedelta(days=n + 1), owner_id=busy.id
            )
            add_commitment(account, promise, session=s, actor=factories.SYSTEM)
        for person in people:
            if person.id != late.id:
                person.slack_user_id = f"U{person.id:05d}"
                s.add(person)
        s.commit()
    return {"people": people, "zones": zones, "busy": busy, "late": late}


@pytest.fixture
def slack() -> Any:
    api = FakeSlackAPI()
    yield api
    api.close()


def run(engine: Engine, api: FakeSlackAPI, now: datetime) -> Any:
    notifier = SlackNotifier(WebClient(token="xoxb-test-bot-token", base_url=api.url))
    return sweep(engine, notifier, now=now, config=CheckinConfig())


def key_of(call: Call) -> str:
    metadata = call.body.get("metadata")
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    return str(metadata["event_payload"]["key"])


def arrived(api: FakeSlackAPI, since: int = 0) -> dict[str, list[str]]:
    """The keys each Slack user received, from the ``since``-th post on (a post Slack
    answered 429 did not arrive)."""
    out: dict[str, list[str]] = {}
    for call in api.of("chat.postMessage")[since:]:
        if not isinstance(call.response, dict) or not call.response.get("ok"):
            continue
        out.setdefault(str(call.body["channel"]), []).append(key_of(call))
    return out


def digests_and_alone(keys: list[str]) -> tuple[int, int]:
    digests = sum(k.startswith("digest:") for k in keys)
    return digests, len(keys) - digests


def urgent_keys(engine: Engine, now: datetime) -> set[str]:
    with Session(engine) as s:
        return {i.key for i in due_items(session=s, now=now) if is_urgent(i)}


def test_a_day_in_two_zones_digest_first_a_few_urgent_dms_nothing_at_night(
    engine: Engine, slack: FakeSlackAPI, team: dict[str, Any]
) -> None:
    zones, busy, late = team["zones"], team["busy"], team["late"]
    slack_id = {p.email: f"U{p.id:05d}" for p in team["people"]}

    night = run(engine, slack, OSLO_3AM)
    assert slack.of("chat.postMessage") == [], "nothing is sent at 03:00 their time"
    assert night.folded > 0  # routine items wait for the digest, recorded as folded
    with Session(engine) as s:  # urgent ones are held for the morning, still on the list
        held = {r.key for r in s.exec(select(Reminder)).all() if r.state == "held"}
        listed = {i.key for i in due_items(session=s, now=OSLO_3AM)}
    assert held and held <= listed and 0 < night.outside_hours <= len(held)

    morning = run(engine, slack, OSLO_9AM)
    got = arrived(slack)
    oslo_ids = {slack_id[e] for e, z in zones.items() if z == OSLO and e != late.email}
    assert got and set(got) <= oslo_ids, "at 09:00 in Oslo only Oslo people hear from kam"
    urgent = urgent_keys(engine, OSLO_9AM)
    for keys in got.values():
        digests, alone = digests_and_alone(keys)
        assert digests == 1 and alone <= CAP
        assert all(k in urgent for k in keys if not k.startswith("digest:"))
    assert digests_and_alone(got[slack_id[busy.email]]) == (1, CAP)  # the cap holds
    # the unlinked person waits, and the report says how to link them
    assert late.email in morning.unreachable
    assert f"kam users link {late.email} SLACK_USER_ID" in morning.how_to_reach
    assert morning.failed == []

    seen = len(slack.of("chat.postMessage"))
    run(engine, slack, OSLO_9AM + timedelta(minutes=5))
    assert len(slack.of("chat.postMessage")) == seen  # nothing twice

    with Session(engine) as s:  # linked after the first sweep
        link_slack(late.email, "ULATE", session=s, actor=factories.SYSTEM)
        s.commit()
    slack.rate_limited["chat.postMessage"] = 2  # Slack pushes back on the first two posts
    run(engine, slack, OSLO_9AM + timedelta(minutes=30))
    run(engine, slack, OSLO_9AM + timedelta(minutes=35))
    late_keys = arrived(slack, seen).get("ULATE", [])
    digests, alone = digests_and_alone(late_keys)
    assert digests == 1 and alone <= CAP, late_keys
    assert Counter(late_keys).most_common(1)[0][1] == 1

    before_ny = len(slack.of("chat.postMessage"))
    run(engine, slack, NEW_YORK_9AM)
    ny = arrived(slack, before_ny)
    ny_ids = {slack_id[e] for e, z in zones.items() if z == NEW_YORK}
    assert ny and ny_ids & set(ny)
    for user, keys in ny.items():
        digests, alone = digests_and_alone(keys)
        if user in ny_ids:
            assert digests == 1 and alone <= CAP, (user, keys)
        else:  # Oslo is still at work: no second digest, and the day's cap still holds
            assert digests == 0
    day: dict[str, list[str]] = {}
    for user, keys in arrived(slack).items():
        day.setdefault(user, []).extend(keys)
    for user, keys in day.items():
        assert Counter(keys).most_common(1)[0][1] == 1, f"{user} got a message twice"
        digests, alone = digests_and_alone(keys)
        assert digests == 1 and alone <= CAP, user

    with Session(engine) as s:
        states = Counter(r.state for r in s.exec(select(Reminder)).all())
    assert states["failed"] == 0 and states["folded"] > 0


def test_over_the_cap_urgent_items_fold_into_the_digest_and_the_next_day_opens_it(
    engine: Engine, slack: FakeSlackAPI, team: dict[str, Any]
) -> None:
    busy = team["busy"]
    run(engine, slack, OSLO_9AM)
    mine = arrived(slack)[f"U{busy.id:05d}"]
    assert digests_and_alone(mine) == (1, CAP)
    [digest] = [
        c
        for c in slack.of("chat.postMessage")
        if key_of(c).startswith("digest:") and c.body["channel"] == f"U{busy.id:05d}"
    ]
    assert "Send item 7" in json.dumps(digest.body)  # the one over the cap is in the digest
    seen = len(slack.of("chat.postMessage"))
    run(engine, slack, OSLO_9AM + timedelta(days=1))  # Tuesday 09:00
    tuesday = arrived(slack, seen)[f"U{busy.id:05d}"]
    assert digests_and_alone(tuesday)[0] == 1


# the rules, one by one -----------------------------------------------------------------------


def test_hours_and_days_are_read_one_way_and_refused_with_an_example() -> None:
    assert read_hours("8:30-16:30") == (time(8, 30), time(16, 30))
    assert read_days("mon-fri") == "12345"
    assert read_days("sun-thu") == "12347"
    assert read_days("mon, wed,fri") == "135"
    for bad in ("17:00-09:00", "9-9", "25:00-26:00", "nine to five", ""):
        with pytest.raises(KamError, match=r"(?i)working hours|time of day"):
            read_hours(bad)
    for bad in ("funday", "", "mon-", "weekdays"):
        with pytest.raises(KamError, match="working days"):
            read_days(bad)


def test_working_hours_follow_the_persons_zone_and_weekdays() -> None:
    oslo = WorkingHours(OSLO, time(9), time(17), "12345")
    assert not oslo.is_working(at(7, 59))  # 08:59 in Oslo
    assert oslo.is_working(at(8))
    assert not oslo.is_working(at(16))  # 17:00 in Oslo
    saturday = datetime(2026, 3, 7, 10, tzinfo=UTC)
    assert not oslo.is_working(saturday)
    summer = WorkingHours(OSLO)  # after the clocks go forward, 09:00 is 07:00 UTC
    assert summer.day_start(date(2026, 3, 30)) == datetime(2026, 3, 30, 7, tzinfo=UTC)


def test_next_monday_typed_late_on_sunday_means_the_start_of_mondays_working_day() -> None:
    person = User(name="A", email="a@example.com", timezone=OSLO, work_start=time(8, 30))
    sunday_late = datetime(2026, 3, 1, 22, 54, tzinfo=UTC)  # Sunday 23:54 in Oslo
    monday = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # Monday 08:30 in Oslo
    assert When.of(person, sunday_late).moment("next monday") == monday
    assert When.of(person, sunday_late).moment("tomorrow") == monday
    assert When.of(person, sunday_late).moment("2026-03-02") == monday
    assert When.of(person, sunday_late).moment("monday 2pm") == monday + timedelta(
        hours=5, minutes=30
    )


def test_setting_hours_refuses_bad_input_and_changes_nothing(session: Session) -> None:
    factories.user(session, "ola@example.com")
    session.commit()
    for hours, days, zone in (
        ("17-9", None, None),
        ("9-17", "someday", None),
        ("9-17", None, "Mars/Base"),
    ):
        with pytest.raises(KamError):
            set_working_hours(
                "ola@example.com",
                hours,
                days=days,
                timezone=zone,
                session=session,
                actor=factories.SYSTEM,
            )
    person = session.exec(select(User).where(User.email == "ola@example.com")).one()
    assert (person.work_start, person.work_end, person.work_days, person.timezone) == (
        time(9),
        time(17),
        "12345",
        "UTC",
    )
    set_working_hours(
        "ola@example.com",
        "07:30-15:30",
        days="sun-thu",
        timezone="Asia/Dubai",
        session=session,
        actor=factories.SYSTEM,
    )
    assert WorkingHours.of(person).label == "07:30-15:30 sun-thu (Asia/Dubai)"
    assert person.digest_time == time(7, 30)  # the digest comes at the start of the day


def test_the_cap_and_folding_are_set_in_kam_toml_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "kam.toml"
    path.write_text("[reminders]\nurgent_per_day = 2\nfold_routine = false\n", encoding="utf-8")
    config = load_checkin_config(path)
    assert (config.urgent_per_day, config.fold_routine) == (2, False)
    for bad in ("urgent_per_day = -1", 'urgent_per_day = "five"', "every_item = true"):
        path.write_text(f"[reminders]\n{bad}\n", encoding="utf-8")
        with pytest.raises(KamError, match=r"\[reminders\]"):
            load_checkin_config(path)
