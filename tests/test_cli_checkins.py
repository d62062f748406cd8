"""``kam due`` and ``kam remind`` as a person or a script uses them."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_cli import kam


def test_due_lists_by_priority_as_json(capsys: pytest.CaptureFixture[str], demo_db: str) -> None:
    code, out, _ = kam(capsys, "due", "--at", "in 100 days", "--json", "--db", demo_db)
    assert code == 0
    items = json.loads(out)
    assert items and {"key", "kind", "title", "personal_notes", "priority", "user"} <= set(items[0])
    # one order (core/checkins/urgency.py): band first, then priority within the band
    bands = ["Urgent", "Red", "Soon", "Routine"]
    ranks = [(bands.index(i["why"].split(":")[0]), -i["priority"]) for i in items]
    assert ranks == sorted(ranks) and len({band for band, _ in ranks}) >= 2
    assert {i["kind"] for i in items} >= {"check_in_due"}


def test_due_for_one_person_and_in_a_table(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    _, out, _ = kam(capsys, "due", "--at", "in 100 days", "--json", "--db", demo_db)
    owner = json.loads(out)[0]["user"]
    args = ("--user", owner, "--at", "in 100 days", "--db", demo_db)
    code, out, _ = kam(capsys, "due", *args, "--json")
    assert code == 0 and {i["user"] for i in json.loads(out)} == {owner}
    code, out, _ = kam(capsys, "due", *args)
    assert code == 0 and "Check in with" in out
    assert re.search(r"(Urgent|Red|Soon|Routine):", out)  # why each stands where it does


def on_slack_all_day(capsys: pytest.CaptureFixture[str], demo_db: str) -> str:
    """The first owner with something due, linked to Slack user UOWNER and at work all day."""
    _, out, _ = kam(capsys, "due", "--at", "in 100 days", "--json", "--db", demo_db)
    owner = str(json.loads(out)[0]["user"])
    assert kam(capsys, "users", "link", owner, "UOWNER", "--db", demo_db)[0] == 0
    at_work = ("users", "hours", owner, "00:00-23:59", "--days", "mon-sun", "--db", demo_db)
    assert kam(capsys, *at_work)[0] == 0  # whatever the hour the test runs at
    return owner


def test_remind_with_a_revoked_token_stops_names_the_token_and_spends_nothing(
    capsys: pytest.CaptureFixture[str], demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.slack_faults import Faults, FaultySlackAPI

    on_slack_all_day(capsys, demo_db)
    api = FaultySlackAPI(faults=Faults(refuse_token="token_revoked"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-bot-token")
    monkeypatch.setenv("SLACK_API_URL", api.url)
    try:
        code, out, err = kam(capsys, "remind", "--at", "in 100 days", "--db", demo_db)
        api.faults = Faults()  # the app reinstalled, the new token in place
        fixed, json_out, _ = kam(capsys, "remind", "--at", "in 100 days", "--json", "--db", demo_db)
    finally:
        api.close()
    assert code == 1, err
    assert "Stopped early: SLACK_BOT_TOKEN was revoked (token_revoked)" in out
    assert "OAuth & Permissions" in out and "0 failed" not in out and "failed" not in out
    assert "Traceback" not in out + err and "xoxb-test-bot-token" not in out + err
    report = json.loads(json_out)
    assert fixed == 0 and report["stopped"] is None and report["failed"] == []
    assert sorted(api.delivered()) == sorted(report["delivered"] + report["digests"])


def test_remind_delivers_once_through_the_console(
    capsys: pytest.CaptureFixture[str], demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, out, _ = kam(capsys, "remind", "--at", "in 100 days", "--dry-run", "--db", demo_db)
    assert code == 0 and "Dry run" in out and "Nothing was sent" in out
    code, out, err = kam(capsys, "remind", "--at", "in 100 days", "--json", "--db", demo_db)
    assert code == 0
    report = json.loads(out)
    # urgent items are printed on their own (in their owners' working hours), routine
    # ones are left for the digest
    assert report["delivered"] or report["folded"]
    assert all("key: " + key in err for key in report["delivered"])
    code, out, _ = kam(capsys, "remind", "--at", "in 100 days", "--db", demo_db)
    assert code == 0 and out.startswith("Delivered 0 reminders")
    # urgent ones outside their owner's hours wait, claimed, for the start of the day
    handled = len(report["delivered"]) + report["folded"] + report["outside_hours"]
    assert f"{handled} were handled before (sent, or left for the digest)" in out


@pytest.mark.parametrize("command", ["due", "remind"])
def test_a_malformed_when_exits_1_with_an_example(
    capsys: pytest.CaptureFixture[str], demo_db: str, command: str
) -> None:
    code, out, err = kam(capsys, command, "--at", "the 45th of smarch", "--db", demo_db)
    assert code == 1 and out == ""
    assert "tomorrow 9am" in err and err.count("\n") == 1


def test_due_for_an_unknown_person_suggests_names(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, _, err = kam(capsys, "due", "--user", "nobody@example.com", "--db", demo_db)
    assert code == 1 and "No user has the e-mail" in err


def test_remind_sends_through_slack_when_a_bot_token_is_set(
    capsys: pytest.CaptureFixture[str], demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.slack_harness import FakeSlackAPI

    owner = on_slack_all_day(capsys, demo_db)
    api = FakeSlackAPI()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-bot-token")
    monkeypatch.setenv("SLACK_API_URL", api.url)
    try:
        code, out, err = kam(capsys, "remind", "--at", "in 100 days", "--json", "--db", demo_db)
        again = kam(capsys, "remind", "--at", "in 100 days", "--db", demo_db)
    finally:
        api.close()
    assert code == 0, err
    report = json.loads(out)
    posted = [c for c in api.calls if c.method == "chat.postMessage"]
    assert {c.body["channel"] for c in posted} <= {"UOWNER"}
    assert len(posted) == len(report["delivered"]) + len(report["digests"])
    # The others are not linked to Slack: their reminders wait (nothing failed for good),
    # and kam says who they are and the command that links each one.
    assert report["failed"] == [] and report["unreachable"]
    assert owner not in report["unreachable"]
    assert all(c.startswith("kam users link ") for c in report["how_to_reach"])
    assert "Traceback" not in err and "xoxb-test-bot-token" not in out + err
    code, text, _ = again
    assert code == 0 and "Not linked to Slack yet, so their digest and urgent" in text
    assert "kam users link " in text


def test_the_due_table_shows_the_most_urgent_and_says_how_many_more(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    _, out, _ = kam(capsys, "due", "--at", "in 100 days", "--json", "--db", demo_db)
    items = json.loads(out)
    code, out, _ = kam(capsys, "due", "--at", "in 100 days", "--limit", "2", "--db", demo_db)
    assert code == 0 and f"{len(items)} due at" in out and f"… and {len(items) - 2:,} more" in out
