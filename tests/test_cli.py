"""The ``kam`` command line as scripts use it: exit codes, stderr, JSON."""

from __future__ import annotations

import json

import pytest

from kam.cli.main import run


def kam(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``kam`` in-process; return (exit code, stdout, stderr)."""
    code = 0
    try:
        run(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_then_accounts_lists_85(capsys: pytest.CaptureFixture[str], demo_db: str) -> None:
    code, out, _ = kam(capsys, "accounts", "--json", "--db", demo_db)
    assert code == 0
    assert len(json.loads(out)) == 85


def test_show_finds_a_loosely_typed_name(capsys: pytest.CaptureFixture[str], demo_db: str) -> None:
    code, out, _ = kam(capsys, "--db", demo_db, "show", "kan code", "--json")
    assert code == 0
    assert json.loads(out)["name"] == "Kan-code"


def test_show_unknown_exits_1_with_did_you_mean(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, out, err = kam(capsys, "show", "nosuch", "--db", demo_db)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Did you mean" in err


def test_logged_interaction_is_the_latest(capsys: pytest.CaptureFixture[str], demo_db: str) -> None:
    code, _, _ = kam(capsys, "log", "Kan-code", "Called about the renewal", "--db", demo_db)
    assert code == 0
    _, out, _ = kam(capsys, "show", "Kan-code", "--json", "--db", demo_db)
    assert json.loads(out)["latest_interaction"]["summary"] == "Called about the renewal"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "Kan-code", "x", "--at", "the 45th of smarch"], "Try one of"),
        (["log", "Kan-code", "x", "--kind", "fax"], "Unknown kind"),
        (["log", "Kan-code", "   "], "summary is empty"),
        (["log", "Kan-code", "x", "--as", "nobody@example.com"], "No user has the e-mail"),
        (["accounts", "--tier", "gold"], "Unknown tier"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], demo_db: str, args: list[str], message: str
) -> None:
    _, before, _ = kam(capsys, "show", "Kan-code", "--json", "--db", demo_db)
    code, _, err = kam(capsys, *args, "--db", demo_db)
    assert code == 1 and message in err and "Traceback" not in err
    _, after, _ = kam(capsys, "show", "Kan-code", "--json", "--db", demo_db)
    assert before == after


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = kam(capsys, "no-such-command")
    assert code == 2


def test_a_missing_database_says_to_run_init(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = kam(capsys, "accounts", "--db", f"sqlite:///{tmp_path}/none.db")
    assert code == 1 and "kam init" in err


def test_users_link_and_list(capsys: pytest.CaptureFixture[str], demo_db: str) -> None:
    code, out, err = kam(
        capsys, "users", "link", "reed.clapper@example.com", "U0REED", "--db", demo_db
    )
    assert code == 0, err
    _, out, _ = kam(capsys, "users", "list", "--json", "--db", demo_db)
    people = {p["email"]: p for p in json.loads(out)}
    assert len(people) == 41
    assert people["reed.clapper@example.com"]["slack_user_id"] == "U0REED"


def test_demo_twice_keeps_one_portfolio(capsys: pytest.CaptureFixture[str], demo_db: str) -> None:
    code, out, _ = kam(capsys, "demo", "--db", demo_db)
    assert code == 0 and "already loaded" in out
    _, out, _ = kam(capsys, "accounts", "--json", "--db", demo_db)
    assert len(json.loads(out)) == 85


def test_the_account_table_shows_the_largest_and_says_how_many_more(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, out, _ = kam(capsys, "accounts", "--limit", "5", "--db", demo_db)
    assert code == 0 and "85 accounts" in out and "… and 80 more" in out
    _, listing, _ = kam(capsys, "accounts", "--json", "--db", demo_db)
    names = [row["name"] for row in json.loads(listing)]
    assert names[0] in out and names[-1] not in out
