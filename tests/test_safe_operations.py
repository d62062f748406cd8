"""Operating kam safely: dates at the calendar's ends, upgrades that cannot break a
database, nothing destroyed without asking, outages and secrets in messages."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from core.db import head_revision
from core.errors import KamError
from core.when import When
from tests.test_cli import kam

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "1900-01-01T00:00", "in 500 years"])
def test_a_moment_far_from_now_is_refused_like_any_bad_date(typed: str) -> None:
    with pytest.raises(KamError, match=r"kam reads dates from 1926 to 2126\. Try one of"):
        When(NOW, "Pacific/Kiritimati").moment(typed)


def test_a_moment_within_a_century_is_read() -> None:
    assert When(NOW).moment("1927-01-01") == datetime(1927, 1, 1, tzinfo=UTC)
    assert When(NOW).moment("2126-06-01T12:00") == datetime(2126, 6, 1, 12, tzinfo=UTC)


def test_kam_due_at_the_calendars_ends_says_which_dates_it_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    url = f"sqlite:///{tmp_path}/kam.db"
    assert kam(capsys, "init", "--db", url)[0] == 0
    for typed in ("9999-12-31", "0001-01-01"):
        code, out, err = kam(capsys, "due", "--at", typed, "--db", url)
        assert code == 1 and out == ""
        assert err.startswith(f"Error: Cannot use '{typed}' as a date: kam reads dates from")
        assert "Traceback" not in err and "OverflowError" not in err


def test_an_upgrade_that_fails_part_way_changes_nothing(empty_db_url: str) -> None:
    """Every migration of one upgrade runs in one transaction: when the last one fails,
    the indexes the first ones built are gone again and the revision is unchanged."""
    from alembic import command
    from sqlalchemy import inspect, text

    from core.db import _alembic_config, current_revision, open_database, upgrade

    engine = open_database(empty_db_url, create=True)
    try:
        command.downgrade(_alembic_config(engine), "0002")
        with engine.begin() as conn:  # 0006 builds an index of this name
            conn.execute(text("CREATE INDEX ix_score_snapshots_account_at_tier ON users (name)"))
        with pytest.raises(Exception, match="ix_score_snapshots_account_at_tier"):
            upgrade(engine)
        assert current_revision(engine) == "0002"
        deal_indexes = {i["name"] for i in inspect(engine).get_indexes("deals")}
        assert "ix_deals_stage_closed" not in deal_indexes  # built by 0003, rolled back
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_score_snapshots_account_at_tier"))
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


OLDEST_DATA = """
INSERT INTO users (id, name, email, role, timezone, digest_time, active, created_at) VALUES
 (1, 'Ann', 'ann@example.com', 'am', 'UTC', '08:00:00', 1, '2025-01-02 10:00:00'),
 (2, 'Bo', 'bo@example.com', 'manager', 'Europe/Oslo', '07:30:00', 1, '2025-01-03 10:00:00');
INSERT INTO accounts (id, name, name_key, owner_id, status, annual_revenue, created_at, updated_at)
 VALUES (1, 'Acme', 'acme', 1, 'active', 1200000.5, '2025-01-02 10:00:00', '2025-02-02 10:00:00'),
 (2, 'Bolt & Co', 'bolt co', 2, 'active', NULL, '2025-01-02 10:00:00', '2025-01-02 10:00:00');
INSERT INTO commitments (id, account_id, owner_id, what, due_on, created_at) VALUES
 (1, 1, 1, 'Send the price list', '2025-03-01', '2025-02-01 09:00:00'),
 (2, 2, 2, 'Call back about the renewal', '2025-03-05', '2025-02-02 09:00:00');
INSERT INTO deals (id, account_id, owner_id, product, stage, amount, cost, closed_on, created_at)
 VALUES (1, 1, 1, 'GTX', 'won', 5400, 3000, '2025-01-20', '2025-01-02 10:00:00'),
 (2, 2, 2, 'MG', 'open', 900, NULL, NULL, '2025-01-02 10:00:00');
INSERT INTO interactions (id, account_id, user_id, kind, occurred_at, summary, source, created_at)
 VALUES (1, 1, 1, 'call', '2025-02-01 09:00:00', 'Talked budgets', 'manual',
 '2025-02-01 09:05:00');
INSERT INTO reminders (id, key, kind, account_id, user_id, due_at, state, attempts, payload,
 created_at, updated_at) VALUES (1, 'commitment:1:1', 'commitment_due', 1, 1,
 '2025-03-01 08:00:00', 'sent', 1, '{"key": "commitment:1:1"}', '2025-03-01 08:00:00',
 '2025-03-01 08:00:00');
"""


def _oldest_database_with_data(path: Path) -> None:
    from alembic import command

    from core.db import _alembic_config, make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        command.upgrade(_alembic_config(engine), "0001")
        raw = engine.raw_connection()
        raw.driver_connection.executescript(OLDEST_DATA)  # type: ignore[union-attr]
        raw.commit()
        raw.close()
    finally:
        engine.dispose()


def _contents(
    path: Path, columns: dict[str, list[str]] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every kam table's rows, columns in a fixed order (only ``columns`` where given:
    what an older schema had, to compare its data with the same rows after an upgrade
    that added columns)."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        tables = [
            t
            for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if t != "alembic_version" and not t.startswith("sqlite_")
        ]
        out = {}
        for table in tables:
            if columns is not None and table not in columns:
                continue
            names = sorted(row[1] for row in conn.execute(f'PRAGMA table_info("{table}")'))
            if columns is not None:
                names = columns[table]
            listed = ", ".join(f'"{c}"' for c in names)
            out[table] = sorted(
                conn.execute(f'SELECT {listed} FROM "{table}"').fetchall(), key=repr
            )
    return out


def _matches_the_model(url: str) -> bool:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from core.db import current_revision, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = [  # a table of the user's own may share the file
                d for d in compare_metadata(context, SQLModel.metadata) if d[0] != "remove_table"
            ]
        return current_revision(engine) == head_revision() and diff == []
    finally:
        engine.dispose()


@pytest.mark.parametrize(("mode", "seed"), [("older", 1), ("older", 2), ("kam", 3)])
def test_an_upgrade_killed_at_random_moments_is_brought_to_the_schema_by_kam_init(
    mode: str, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL at a random statement of an upgrade from the oldest schema, of this kam or
    of an older one whose upgrade was not one transaction: `kam init` always brings the
    copy to the current schema, with the same data as an upgrade never interrupted."""
    import json
    import subprocess
    import sys

    oldest = tmp_path / "oldest.db"
    _oldest_database_with_data(oldest)
    copies = [tmp_path / f"copy{i}.db" for i in range(5)]
    for copy in copies:
        shutil.copyfile(oldest, copy)
    ran = subprocess.run(
        [sys.executable, "-m", "tests.upgrade_killer", mode, str(seed), *map(str, copies)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    outcomes = json.loads(ran.stdout)["outcomes"]
    assert all(o["killed"] for o in outcomes)
    upgraded = _contents(copies[0])
    assert "work_days" not in str(_contents(oldest)) and upgraded["users"]
    for copy in copies[1:]:
        url = f"sqlite:///{copy}"
        code, out, err = kam(capsys, "init", "--db", url)
        assert code == 0, err
        assert f"(schema {head_revision()})" in out
        assert _matches_the_model(url)
        assert _contents(copy) == upgraded


def test_kam_init_repairs_each_thing_an_older_kam_left_half_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An older kam stopped while upgrading from 0002 left 0003's new index, lost the
    index 0003 rebuilds, added a column and left a table copy: a command says what to
    do, and `kam init` undoes each and upgrades with the data intact."""
    import sqlite3

    from alembic import command

    from core.db import _alembic_config, make_engine

    path = tmp_path / "kam.db"
    _oldest_database_with_data(path)
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(_alembic_config(engine), "0002")
    engine.dispose()
    before = _contents(path)
    with sqlite3.connect(path) as conn:
        had = {
            table: sorted(row[1] for row in conn.execute(f'PRAGMA table_info("{table}")'))
            for table in ("accounts", "deals")
        }
        conn.executescript(
            "CREATE INDEX ix_deals_stage_closed ON deals (stage, closed_on);"
            "DROP INDEX ix_deals_account_stage_closed;"
            "ALTER TABLE users ADD COLUMN work_start TIME;"
            "CREATE TABLE _alembic_tmp_reminders AS SELECT * FROM reminders;"
        )
    url = f"sqlite:///{path}"
    code, _, err = kam(capsys, "accounts", "--db", url)
    assert code == 1 and "Cannot upgrade the database" in err and "Nothing was changed" in err
    assert "`kam init` repairs" in err and "Traceback" not in err
    code, _, err = kam(capsys, "init", "--db", url)
    assert code == 0, err
    for change in (
        "removed _alembic_tmp_reminders, an unfinished copy of reminders",
        "removed index ix_deals_stage_closed",
        "removed the column users.work_start",
        "rebuilt index ix_deals_account_stage_closed",
    ):
        assert f"Repaired what an interrupted upgrade left behind: {change}." in err
    assert _matches_the_model(url)
    after = _contents(path, had)
    assert after["accounts"] == before["accounts"] and after["deals"] == before["deals"]
    assert kam(capsys, "init", "--db", url)[2] == ""  # sound now: nothing more to repair


def test_kam_init_after_an_interrupted_first_upgrade_and_never_drops_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    path = tmp_path / "kam.db"
    with sqlite3.connect(path) as conn:  # the first upgrade had made two tables, no revision
        conn.executescript(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY);"
            "CREATE TABLE their_own (x INTEGER);"
        )
    url = f"sqlite:///{path}"
    code, _, err = kam(capsys, "init", "--db", url)
    assert code == 0 and "removed the table users" in err and "their_own" not in err
    assert _matches_the_model(url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM their_own").fetchall() == [(0,)]

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.executescript(
            "CREATE TABLE users (id INTEGER PRIMARY KEY); INSERT INTO users VALUES (7);"
        )
    code, _, err = kam(capsys, "init", "--db", f"sqlite:///{other}")
    assert code == 1 and "the table users holds 1 rows" in err and "changed nothing" in err
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT id FROM users").fetchall() == [(7,)]


SECRET = "s3cret-pw"


def test_a_database_url_is_never_echoed_with_its_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = kam(capsys, "accounts", "--db", f"postgresql://kam:{SECRET}@db:x/kam")
    assert code == 1 and SECRET not in out + err
    assert "Cannot read the database URL 'postgresql+psycopg://kam:***@db:x/kam'" in err
    monkeypatch.setenv("KAM_DATABASE_URL", f"postgres://kam:{SECRET}@db:port/kam")
    code, out, err = kam(capsys, "accounts")
    assert code == 1 and SECRET not in out + err and "kam:***@db:port" in err


def test_a_database_server_that_is_down_is_named_with_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = kam(capsys, "due", "--db", f"postgresql://kam:{SECRET}@127.0.0.1:1/kam")
    assert code == 1 and out == "" and SECRET not in err
    assert err.startswith("Error: The database postgresql://kam:***@127.0.0.1:1/kam cannot be")
    assert "pg_isready -h 127.0.0.1 -p 1" in err and "unexpected" not in err


def test_a_connection_lost_mid_sweep_names_the_database_and_what_to_do(engine: Engine) -> None:
    """The server ends kam's connection while a sweep runs (an outage, a restart, a
    failover): the sweep stops with the database named, not "unexpected problem"."""
    from sqlalchemy import event

    from core.checkins.sweeper import sweep
    from core.errors import DatabaseUnavailable
    from tests.checkin_notifiers import Recorder
    from tests.conftest import _admin_engine

    if engine.dialect.name != "postgresql":
        pytest.skip("a SQLite file has no server to lose")
    admin = _admin_engine()
    statements = []

    def end_the_connection(conn: Any, *_args: Any) -> None:
        statements.append(1)
        if len(statements) == 2:
            pid = conn.connection.driver_connection.info.backend_pid
            with admin.connect() as other:
                other.execute(text(f"SELECT pg_terminate_backend({pid})"))

    event.listen(engine, "before_cursor_execute", end_the_connection)
    try:
        with pytest.raises(DatabaseUnavailable) as lost:
            sweep(engine, Recorder(), now=NOW)
    finally:
        admin.dispose()
    shown = engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
    assert str(lost.value).startswith(f"The database {shown} cannot be reached: ")
    assert "pg_isready -h" in str(lost.value) and "run the command again" in str(lost.value)


def test_the_log_file_rotates_and_masks_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("KAM_LOG_MAX_BYTES", "10000")
    monkeypatch.setenv("KAM_LOG_BACKUPS", "2")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "plain-looking-bot-credential")

    def boom(**_kwargs: object) -> None:
        raise RuntimeError(f"postgresql://kam:{SECRET}@db/kam " + "x" * 3000)

    monkeypatch.setattr("kam.cli.portfolio.account_page", boom)
    url = f"sqlite:///{tmp_path}/kam.db"
    log = tmp_path / "state" / "kam" / "log"
    assert kam(capsys, "init", "--db", url)[0] == 0
    for _ in range(10):
        code, _, err = kam(capsys, "accounts", "--db", url)
        assert code == 1 and f"(RuntimeError). Details: {log / 'kam.log'}" in err
    shaped_like_a_bot_token = "-".join(("xoxb", "111", "222", "abcdef"))  # built, not committed
    logging.getLogger("core").warning(
        "sent with %s and plain-looking-bot-credential", shaped_like_a_bot_token
    )
    assert sorted(p.name for p in log.iterdir()) == ["kam.log", "kam.log.1", "kam.log.2"]
    written = "".join(p.read_text() for p in log.iterdir())
    assert written.count("RuntimeError: postgresql://kam:***@db/kam") >= 2
    assert "xoxb-***" in written and "abcdef" not in written
    for secret in (SECRET, "plain-looking-bot-credential"):
        assert secret not in written


class Terminal(io.StringIO):
    """Someone at a terminal, who types what the test gives."""

    def isatty(self) -> bool:
        return True


def _accounts_in(url: str) -> list[str]:
    from sqlmodel import Session, select

    from core.db import make_engine
    from core.models import Account

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return sorted(a.name for a in s.exec(select(Account)))
    finally:
        engine.dispose()


def _own_data(url: str) -> None:
    from sqlmodel import Session

    from core.db import open_database
    from tests import factories

    engine = open_database(url, create=True)
    with Session(engine) as s:
        owner = factories.user(s)
        factories.account(s, "Our Real Customer", owner_id=owner.id)
        s.commit()
    engine.dispose()


DEMO = ("demo", "--synthetic", "--accounts", "3")


def test_demo_reset_asks_on_a_terminal_refuses_elsewhere_and_keeps_a_copy(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _own_data(db_url)
    code, out, err = kam(capsys, *DEMO, "--db", db_url)
    assert code == 1 and "already holds 1 accounts, 1 people" in err
    assert "--reset" not in err and "kam demo --db sqlite:///kam-demo.db" in err

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: nobody to ask
    code, out, err = kam(capsys, *DEMO, "--reset", "--db", db_url)
    assert code == 1 and "This replaces everything in" in err
    assert "Nothing was changed: run it again with --yes" in err
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, out, err = kam(capsys, *DEMO, "--reset", "--db", db_url)
    assert code == 1 and "Go ahead? [y/N]" in err and "Nothing was changed." in err
    assert _accounts_in(db_url) == ["Our Real Customer"]
    assert not [p for p in tmp_path.rglob("*backup*")]

    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, err = kam(capsys, *DEMO, "--reset", "--db", db_url)
    assert code == 0, err
    assert "Our Real Customer" not in _accounts_in(db_url) and len(_accounts_in(db_url)) == 3
    kept = out.split("Kept a copy at ")[1].split(";")[0]
    if db_url.startswith("sqlite"):
        assert _accounts_in(f"sqlite:///{kept}") == ["Our Real Customer"]
        assert f"copy it over {tmp_path / 'kam.db'}" in out
    else:
        assert "Our Real Customer" in (Path(kept) / "accounts.csv").read_text()
        assert f"kam import --profile kam {kept}" in out

    code, out, err = kam(capsys, *DEMO, "--db", db_url)
    assert code == 0 and "`kam demo --synthetic --reset` replaces everything" in out
    assert "asks first and keeps a copy" in out


def test_export_over_an_earlier_export_asks_and_moves_it_aside(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _own_data(db_url)
    folder = tmp_path / "out"
    assert kam(capsys, "export", str(folder), "--db", db_url)[0] == 0
    (folder / "accounts.csv").write_text("edited by hand\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = kam(capsys, "export", str(folder), "--db", db_url)
    assert code == 1 and "already holds an export (users.csv, accounts.csv" in err
    assert (folder / "accounts.csv").read_text() == "edited by hand\n"
    code, out, _ = kam(capsys, "export", str(folder), "--yes", "--db", db_url)
    assert code == 0
    aside = Path(out.split("the files it held are in ")[1].split(".\n")[0])
    assert aside.parent == tmp_path and (aside / "accounts.csv").read_text() == "edited by hand\n"
    assert "Our Real Customer" in (folder / "accounts.csv").read_text()
