"""kam promise, notice, order, feedback, done, snooze and audit, as a person types them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from core.db import open_database
from tests import factories
from tests.test_cli import kam
from tests.test_import import dump
from tests.typed_numbers import NOT_NUMBERS


@pytest.fixture
def acme(db_url: str) -> str:
    """A database with Anna (an account manager) owning Acme, and Bob owning nothing."""
    return _acme(db_url)


@pytest.fixture
def acme_on_sqlite(sqlite_template: Path, tmp_path: Path) -> str:
    """:func:`acme` on SQLite only: for refusals made before the database is asked."""
    shutil.copyfile(sqlite_template, tmp_path / "kam.db")
    return _acme(f"sqlite:///{tmp_path}/kam.db")


def _acme(db_url: str) -> str:
    engine = open_database(db_url)
    with Session(engine) as session:
        anna = factories.user(session, "anna@example.com", name="Anna")
        factories.user(session, "bob@example.com", name="Bob")
        factories.account(session, "Acme Corp", owner_id=anna.id)
        session.commit()
    engine.dispose()
    return db_url


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    return kam(capsys, *args, "--db", url)


def test_each_verb_records_and_answers_in_a_sentence_or_json(
    acme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, acme, "promise", "acme", "Send the list", "--by", "in 3 days")
    assert code == 0 and out.startswith("Promise to Acme Corp recorded: Send the list"), err
    code, out, _ = run(
        capsys, acme, "notice", "Acme Corp", "Prices rise", "--by", "in 9 days",
        "--kind", "price change", "--as", "anna@example.com", "--json",
    )  # fmt: skip
    notice = json.loads(out)
    assert code == 0 and (notice["kind"], notice["what"]) == ("price_change", "Prices rise")
    code, out, _ = run(capsys, acme, "order", "Acme Corp", "40 licences", "--amount", "$1,200.50")
    assert code == 0 and "Order from Acme Corp recorded: 40 licences." in out
    code, out, _ = run(capsys, acme, "feedback", "Acme Corp", "--csat", "4", "--nps", "9", "--json")
    assert code == 0 and (json.loads(out)["csat"], json.loads(out)["nps"]) == (4, 9)

    code, out, _ = run(capsys, acme, "audit", "Acme Corp", "--json")
    events = json.loads(out)
    assert [(e["entity"], e["action"]) for e in events] == [
        ("feedback", "create"),
        ("orders", "create"),
        ("notices", "create"),
        ("commitments", "create"),
        ("account", "create"),
    ]
    assert events[2]["actor"] == "cli anna@example.com" and events[1]["after"]["amount"] == 1200.5


def test_bob_may_not_record_on_annas_account(acme: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = dump(acme)
    code, out, err = run(
        capsys, acme, "order", "Acme Corp", "40 licences", "--as", "bob@example.com"
    )
    assert code == 1 and out == "" and "Traceback" not in err
    assert dump(acme) == before


BAD = [
    (("promise", "Acme Corp", "Call back", "--by", "yesterday"), "is in the past; give a day"),
    (("notice", "Acme Corp", "Late", "--by", "2001-01-01"), "2001-01-01 is in the past"),
    (("promise", "Acme Corp", "   ", "--by", "tomorrow"), "The promise is empty"),
    (("order", "Acme Corp", "x", "--amount", "1e308"), "'1e308' is out of range"),
    (("order", "Acme Corp", "\t "), "The order description is empty"),
    (("feedback", "Acme Corp"), "Feedback needs a CSAT"),
    (("users", "add", "carl@example.com", ""), "The name is empty"),
    (("log", "Acme Corp", "Call", "--at", "tomorrow"), "`kam promise ACCOUNT WHAT --by WHEN`"),
] + [
    (("order", "Acme Corp", "x", "--amount", typed), sentence)
    if field == "amount"
    else (("feedback", "Acme Corp", f"--{field}", typed), sentence)
    for field, typed, sentence in NOT_NUMBERS
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_one_clear_line_and_writes_nothing(
    acme_on_sqlite: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    acme = acme_on_sqlite
    before = dump(acme)
    code, out, err = run(capsys, acme, *args)
    assert (code, out) == (1, "") and message in err and err.count("\n") == 1, err
    assert dump(acme) == before


def test_done_and_snooze_act_on_a_due_reminder(
    acme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, acme, "promise", "Acme Corp", "Send it", "--by", "today")[0] == 0
    code, out, _ = run(capsys, acme, "due", "--json")
    key = next(i["key"] for i in json.loads(out) if i["kind"] == "commitment_due")
    code, out, err = run(capsys, acme, "snooze", key, "--until", "1d", "--as", "anna@example.com")
    assert code == 0 and out.startswith("Snoozed until"), err
    code, out, err = run(capsys, acme, "snooze", key, "--until", "yesterday")
    assert code == 1 and "Snooze until a moment in the future" in err
    code, out, _ = run(capsys, acme, "done", key, "--json")
    assert code == 0 and json.loads(out)["state"] == "done"
    code, out, _ = run(capsys, acme, "audit", "--json", "--limit", "3")
    assert "done_at" in json.loads(out)[0]["changed"]  # the promise was marked kept


def test_a_person_is_edited_and_deactivated(acme: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, acme, "users", "edit", "anna@example.com", "--name", "Anna Berg",
        "--team", "Nordics", "--manager", "bob@example.com", "--json",
    )  # fmt: skip
    assert code == 0 and (json.loads(out)["name"], json.loads(out)["team"]) == (
        "Anna Berg",
        "Nordics",
    ), err
    for args, message in [
        (("--name", " "), "The name is empty"),
        (("--email", "bob@example.com"), "A user with e-mail bob@example.com already exists"),
        (("--manager", "anna@example.com"), "cannot be their own manager"),
    ]:
        code, _, err = run(capsys, acme, "users", "edit", "anna@example.com", *args)
        assert code == 1 and message in err
    assert run(capsys, acme, "promise", "Acme Corp", "Send it", "--by", "today")[0] == 0
    code, out, _ = run(capsys, acme, "remind", "--dry-run", "--json")
    assert json.loads(out)["due"] >= 1 and json.loads(out)["unassigned"] == 0

    code, out, _ = run(capsys, acme, "users", "deactivate", "anna@example.com")
    assert code == 0 and "They still own 1 account; give it to someone" in out
    code, out, _ = run(capsys, acme, "remind", "--dry-run", "--json")
    sweep = json.loads(out)
    assert sweep["unassigned"] == sweep["due"] and not sweep["would_deliver"]  # no reminders
    code, _, err = run(capsys, acme, "promise", "Acme Corp", "x", "--by", "today")
    assert code == 1 and "Anna Berg <anna@example.com> is deactivated and owns nothing new" in err
    code, _, err = run(capsys, acme, "log", "Acme Corp", "Call", "--as", "anna@example.com")
    assert code == 1 and "deactivated; kam does not act as them" in err
    code, _, err = run(capsys, acme, "capture", "ignore", "x@y.example", "--as", "anna@example.com")
    assert code == 1 and "deactivated; kam does not act as them" in err  # as every command
    code, out, _ = run(capsys, acme, "users", "list", "--json")
    assert [p["active"] for p in json.loads(out)] == [False, True]


def test_a_choice_option_offers_what_it_accepts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per option
    code, out, _ = kam(capsys, "notice", "--help")
    assert code == 0
    kinds = next(line for line in out.splitlines() if "--kind" in line)
    assert "price_change, delay, product_change or other." in kinds
    assert "discontinued" not in out  # no kind of notice
