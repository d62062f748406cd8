"""Alembic owns the schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from core.db import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    upgrade,
)
from core.errors import DatabaseNotReady


def test_upgrade_from_empty_creates_every_table(empty_db_url: str) -> None:
    engine = open_database(empty_db_url, create=True)
    try:
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_migrations_match_the_model(empty_db_url: str) -> None:
    """A model change without a migration fails here."""
    engine = open_database(empty_db_url, create=True)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_back(empty_db_url: str) -> None:
    from alembic import command

    engine = open_database(empty_db_url, create=True)
    try:
        command.downgrade(_alembic_config(engine), "base")
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_commands_refuse_a_database_without_schema(empty_db_url: str) -> None:
    with pytest.raises(DatabaseNotReady, match="Run `kam init`"):
        open_database(empty_db_url)


def test_unknown_database_kind_is_a_clear_error() -> None:
    from core.errors import KamError

    with pytest.raises(KamError, match="SQLite or PostgreSQL"):
        make_engine("mysql://localhost/kam")


def test_a_command_on_an_older_schema_says_it_is_upgrading(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    from tests.test_cli import kam

    engine = open_database(empty_db_url, create=True)
    command.downgrade(_alembic_config(engine), "0002")
    engine.dispose()
    code, _, err = kam(capsys, "accounts", "--db", empty_db_url)
    assert code == 0 and f"Upgrading the database from schema 0002 to {head_revision()}" in err
    engine = make_engine(empty_db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    code, _, err = kam(capsys, "accounts", "--db", empty_db_url)
    assert code == 0 and "Upgrading" not in err


def test_0004_renames_old_reminder_keys_and_accepts_any_kind(empty_db_url: str) -> None:
    """Reminders claimed under the old keys keep their history; a new kind needs no
    migration (the kind column is no longer a fixed list)."""
    from alembic import command
    from sqlalchemy import text

    engine = open_database(empty_db_url, create=True)
    try:
        command.downgrade(_alembic_config(engine), "0003")
        rows = [
            ("check_in:7:2026-01-05#red", "check_in_due", '{"key": "check_in:7:2026-01-05#red"}'),
            ("commitment:7:3", "commitment_due", '{"key": "commitment:7:3", "title": "x"}'),
            ("thank_you:7:deal-9", "thank_you", '{"key": "thank_you:7:deal-9"}'),
            ("digest:1:2026-01-05", "digest", '{"items": ["check_in:7:2026-01-05#red"]}'),
        ]
        with engine.begin() as conn:
            for key, kind, payload in rows:
                conn.execute(
                    text(
                        "INSERT INTO reminders (key, kind, due_at, state, attempts, payload, "
                        "created_at, updated_at) VALUES (:key, :kind, CURRENT_TIMESTAMP, "
                        "'sent', 1, :payload, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"key": key, "kind": kind, "payload": payload},
                )
        upgrade(engine)
        with engine.begin() as conn:
            stored = {
                key: str(payload)
                for key, payload in conn.execute(text("SELECT key, payload FROM reminders"))
            }
            assert set(stored) == {
                "check_in_due:7:2026-01-05#red",
                "commitment_due:7:3",
                "thank_you:7:deal-9",
                "digest:1:2026-01-05",
            }
            assert "check_in_due:7:2026-01-05#red" in stored["check_in_due:7:2026-01-05#red"]
            assert "commitment_due:7:3" in stored["commitment_due:7:3"]
            assert "check_in_due:7:2026-01-05#red" in stored["digest:1:2026-01-05"]
            conn.execute(
                text(
                    "INSERT INTO reminders (key, kind, due_at, state, attempts, payload, "
                    "created_at, updated_at) VALUES ('renewal_risk:7:2026Q1', 'renewal_risk', "
                    "CURRENT_TIMESTAMP, 'pending', 0, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        command.downgrade(_alembic_config(engine), "0003")
        with engine.begin() as conn:
            keys = {k for (k,) in conn.execute(text("SELECT key FROM reminders"))}
        assert keys == {
            "check_in:7:2026-01-05#red",
            "commitment:7:3",
            "thank_you:7:deal-9",
            "digest:1:2026-01-05",
        }
    finally:
        engine.dispose()


def test_0005_gives_people_who_own_accounts_working_hours_and_back(empty_db_url: str) -> None:
    """Upgrading a database in use: the people accounts refer to keep their rows and get
    09:00-17:00, Monday to Friday; going back, a folded reminder reads as sent."""
    from datetime import UTC, datetime, time

    from alembic import command
    from sqlalchemy import text
    from sqlmodel import Session, select

    from core.models import Reminder, User
    from tests import factories

    engine = open_database(empty_db_url, create=True)
    config = _alembic_config(engine)
    try:
        command.downgrade(config, "0004")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (name, email, role, timezone, digest_time, active, "
                    "created_at) VALUES ('O', 'o@example.com', 'am', 'UTC', '08:00:00', "
                    "true, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO accounts (name, name_key, owner_id, status, created_at, "
                    "updated_at) SELECT 'Acme', 'acme', id, 'active', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP FROM users"
                )
            )
        command.upgrade(config, "head")
        with Session(engine) as s:
            person = s.exec(select(User)).one()
            assert (person.work_start, person.work_end, person.work_days) == (
                time(9),
                time(17),
                "12345",
            )
            at = datetime(2026, 3, 2, tzinfo=UTC)
            for key, state in (("thank_you:1:a", "folded"), ("commitment_due:1:2", "held")):
                s.add(Reminder(key=key, kind=key.split(":")[0], state=state, due_at=at))  # type: ignore[arg-type]
            factories.user(s, "new@example.com", work_days="67")
            s.commit()
        command.downgrade(config, "0004")
        with engine.connect() as conn:
            states = dict(conn.execute(text("SELECT key, state FROM reminders")).all())
            owners = conn.execute(
                text("SELECT count(*) FROM accounts a JOIN users u ON u.id = a.owner_id")
            ).scalar()
        assert states == {"thank_you:1:a": "sent"} and owners == 1
        command.upgrade(config, "head")
    finally:
        engine.dispose()


def test_0010_counts_the_tier_runs_of_a_scored_history(empty_db_url: str) -> None:
    """Upgrading a portfolio scored many times: each strategic or key snapshot gets the
    moment its run began, a lower-tier one none, and each account the tier of its newest
    snapshot as its current tier; going back drops only what 0010 added."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from alembic import command
    from sqlmodel import Session, col, select

    from core.clock import as_utc
    from core.models import CurrentTier, ScoreSnapshot
    from core.types import UTCDateTime
    from tests import factories

    engine = open_database(empty_db_url, create=True)
    config = _alembic_config(engine)
    try:
        with Session(engine) as s:
            ids = [factories.account(s, name).id for name in ("Acme", "Kanthal", "Volvo")]
            s.commit()
        command.downgrade(config, "0009")
        night = datetime(2026, 1, 1, tzinfo=UTC)
        histories = {  # per account, its tier at each nightly scoring
            ids[0]: ["standard", "key", "key", "growth", "strategic", "key"],
            ids[1]: ["key", "key", "strategic"],
            ids[2]: ["growth", "growth"],
        }
        snapshots = sa.table(
            "score_snapshots",
            *(sa.column(c) for c in ("account_id", "attractiveness", "relationship", "health")),
            *(sa.column(c) for c in ("tier", "quadrant", "breakdown")),
            sa.column("at", UTCDateTime()),
        )
        values = [
            dict(account_id=a, at=night + timedelta(days=n), tier=tier, quadrant="strategic")
            | dict(attractiveness=50.0, relationship=50.0, health=50.0, breakdown="{}")
            for a, tiers in histories.items()
            for n, tier in enumerate(tiers)
        ]
        with engine.begin() as conn:
            conn.execute(snapshots.insert(), values)
        command.upgrade(config, "head")
        with Session(engine) as s:
            kept = s.exec(
                select(ScoreSnapshot.account_id, ScoreSnapshot.tier_since).order_by(
                    col(ScoreSnapshot.account_id), col(ScoreSnapshot.at)
                )
            ).all()
        day = [night + timedelta(days=n) for n in range(6)]
        assert kept == [
            *((ids[0], since) for since in (None, day[1], day[1], None, day[4], day[4])),
            *((ids[1], since) for since in (day[0], day[0], day[0])),
            (ids[2], None),
            (ids[2], None),
        ]
        with engine.connect() as conn:
            current = conn.execute(sa.text("SELECT account_id, tier FROM current_tiers")).all()
        assert sorted(current) == [(ids[0], "key"), (ids[1], "strategic"), (ids[2], "growth")]
        with Session(engine) as s:  # and (0012) the newest snapshot's moment and health
            newest = s.exec(
                select(
                    CurrentTier.account_id,
                    CurrentTier.at,
                    CurrentTier.health,
                    CurrentTier.tier_since,
                ).order_by(col(CurrentTier.account_id))
            ).all()
        assert [(a, as_utc(at), h, since and as_utc(since)) for a, at, h, since in newest] == [
            (ids[0], day[5], 50.0, day[4]),
            (ids[1], day[2], 50.0, day[0]),
            (ids[2], day[1], 50.0, None),
        ]
        command.downgrade(config, "0009")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM score_snapshots")).scalar() == 11
    finally:
        engine.dispose()


def test_the_head_read_from_file_names_is_alembics() -> None:
    """kam reads the newest revision from the migrations' file names (no Alembic import
    on every command); each file begins with its revision id, one after another."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.db import MIGRATIONS, VERSIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    assert head_revision() == scripts.get_current_head()
    for script in scripts.walk_revisions():
        assert script.path is not None and script.path.startswith(str(VERSIONS))
        assert script.path.rpartition("/")[2].startswith(f"{script.revision}_")


def test_0014_keeps_the_newest_scores_and_the_health_before(empty_db_url: str) -> None:
    """Upgrading a portfolio scored several times: each account's current tier gets its
    newest snapshot's attractiveness, relationship and quadrant and the health of the
    snapshot before it (none for an account scored once); going back keeps the rest."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from alembic import command
    from sqlmodel import Session

    from core.types import UTCDateTime
    from tests import factories

    engine = open_database(empty_db_url, create=True)
    config = _alembic_config(engine)
    try:
        with Session(engine) as s:
            ids = [factories.account(s, name).id for name in ("Acme", "Kanthal", "Volvo")]
            s.commit()
        command.downgrade(config, "0013")
        night = datetime(2026, 1, 1, tzinfo=UTC)
        histories = {  # per account, its health at each nightly scoring (not in order)
            ids[0]: [(2, 61.0), (0, 40.0), (1, 55.5)],
            ids[1]: [(0, 30.0)],
            ids[2]: [(1, 72.0), (3, 20.0)],
        }
        snapshots = sa.table(
            "score_snapshots",
            *(sa.column(c) for c in ("account_id", "attractiveness", "relationship", "health")),
            *(sa.column(c) for c in ("tier", "quadrant", "breakdown")),
            sa.column("at", UTCDateTime()),
        )
        values = [
            dict(account_id=a, at=night + timedelta(days=n), health=health, tier="growth")
            | dict(attractiveness=n + 0.5, relationship=n + 0.25, breakdown="{}")
            | dict(quadrant=["develop", "maintain", "strategic", "serve_efficiently"][n])
            for a, history in histories.items()
            for n, health in history
        ]
        with engine.begin() as conn:
            conn.execute(snapshots.insert(), values)
            # what 0012 kept: the newest snapshot's tier, moment and health
            conn.execute(
                sa.text(
                    "INSERT INTO current_tiers (account_id, tier, at, health) SELECT "
                    "account_id, tier, at, health FROM score_snapshots s WHERE at = "
                    "(SELECT max(at) FROM score_snapshots n WHERE n.account_id = s.account_id)"
                )
            )
        command.upgrade(config, "head")
        query = sa.text(
            "SELECT account_id, health, attractiveness, relationship, quadrant, "
            "previous_health FROM current_tiers ORDER BY account_id"
        )
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(query)] == [
                (ids[0], 61.0, 2.5, 2.25, "strategic", 55.5),
                (ids[1], 30.0, 0.5, 0.25, "develop", None),
                (ids[2], 20.0, 3.5, 3.25, "serve_efficiently", 72.0),
            ]
        command.downgrade(config, "0013")
        with engine.connect() as conn:
            kept = conn.execute(
                sa.text("SELECT account_id, health FROM current_tiers ORDER BY account_id")
            ).all()
        assert [tuple(r) for r in kept] == [(ids[0], 61.0), (ids[1], 30.0), (ids[2], 20.0)]
        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_0015_keeps_where_each_red_run_began_by_the_red_line_configured(
    empty_db_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading a portfolio scored several times: each account's current tier gets the
    red line of the scoring settings in force and the moment of its newest snapshot
    above it (the newest itself when above; none for one never above); going back
    keeps the rest."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import sqlalchemy as sa
    from alembic import command
    from sqlmodel import Session

    from core.clock import as_utc
    from core.types import UTCDateTime
    from tests import factories

    settings = Path(str(tmp_path)) / "kam.toml"
    settings.write_text("[scoring.bands]\nred = 45\n", encoding="utf-8")
    monkeypatch.setenv("KAM_CONFIG", str(settings))
    engine = open_database(empty_db_url, create=True)
    config = _alembic_config(engine)
    try:
        with Session(engine) as s:
            names = ("Acme", "Kanthal", "Volvo", "Saab", "Scania")
            ids = [factories.account(s, name).id for name in names]
            s.commit()
        command.downgrade(config, "0014")
        night = datetime(2026, 1, 1, tzinfo=UTC)
        histories = {  # per account, its health at each nightly scoring (not in order)
            ids[0]: [(2, 30.0), (0, 70.0), (1, 40.0)],  # red since day 1
            ids[1]: [(0, 30.0), (1, 80.0)],  # above now
            ids[2]: [(0, 20.0), (1, 44.0)],  # never above
            ids[3]: [(0, 60.0), (1, 45.0)],  # at the line is red
            ids[4]: [(0, 48.0), (1, 47.0)],  # above 45, not above the default 50
        }
        snapshots = sa.table(
            "score_snapshots",
            *(sa.column(c) for c in ("account_id", "attractiveness", "relationship", "health")),
            *(sa.column(c) for c in ("tier", "quadrant", "breakdown")),
            sa.column("at", UTCDateTime()),
        )
        values = [
            dict(account_id=a, at=night + timedelta(days=n), health=health, tier="growth")
            | dict(attractiveness=50.0, relationship=50.0, quadrant="develop", breakdown="{}")
            for a, history in histories.items()
            for n, health in history
        ]
        with engine.begin() as conn:
            conn.execute(snapshots.insert(), values)
            conn.execute(sa.text("DELETE FROM current_tiers"))
            conn.execute(  # what 0014 kept of the newest snapshots
                sa.text(
                    "INSERT INTO current_tiers (account_id, tier, at, health, attractiveness,"
                    " relationship, quadrant) SELECT account_id, tier, at, health,"
                    " attractiveness, relationship, quadrant FROM score_snapshots s WHERE at ="
                    " (SELECT max(at) FROM score_snapshots n WHERE n.account_id = s.account_id)"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            kept = conn.execute(
                sa.select(
                    sa.column("account_id"),
                    sa.column("red_line"),
                    sa.column("above_at", UTCDateTime()),
                )
                .select_from(sa.table("current_tiers"))
                .order_by(sa.column("account_id"))
            ).all()
        day = [night + timedelta(days=n) for n in range(3)]
        assert [(a, line, at and as_utc(at)) for a, line, at in kept] == [
            (ids[0], 45.0, day[0]),
            (ids[1], 45.0, day[1]),
            (ids[2], 45.0, None),
            (ids[3], 45.0, day[0]),
            (ids[4], 45.0, day[1]),
        ]
        command.downgrade(config, "0014")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("current_tiers")}
            left = conn.execute(
                sa.text("SELECT account_id, health FROM current_tiers ORDER BY account_id")
            ).all()
        assert not columns & {"red_line", "above_at"}
        assert [tuple(r) for r in left] == [
            (ids[0], 30.0),
            (ids[1], 80.0),
            (ids[2], 44.0),
            (ids[3], 45.0),
            (ids[4], 47.0),
        ]
        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_0016_keeps_each_accounts_newest_interaction(empty_db_url: str) -> None:
    """Upgrading a portfolio with interactions: each account gets the moment of its
    newest (none for one without), and the triggers keep it from then on; going back
    drops the column and the triggers and keeps the interactions."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from alembic import command
    from sqlmodel import Session

    from core.clock import as_utc
    from core.types import UTCDateTime
    from tests import factories

    engine = open_database(empty_db_url, create=True)
    config = _alembic_config(engine)
    try:
        with Session(engine) as s:
            ids = [factories.account(s, name).id for name in ("Acme", "Kanthal", "Volvo")]
            s.commit()
        command.downgrade(config, "0015")
        day = [
            datetime(2026, 1, 1, 8, 15, 30, 250, tzinfo=UTC) + timedelta(days=n) for n in range(5)
        ]
        interactions = sa.table(
            "interactions",
            *(sa.column(c) for c in ("account_id", "kind", "summary", "source")),
            sa.column("occurred_at", UTCDateTime()),
            sa.column("created_at", UTCDateTime()),
        )
        histories = {ids[0]: [day[2], day[0], day[4]], ids[1]: [day[1]]}  # Volvo: none
        with engine.begin() as conn:
            conn.execute(
                interactions.insert(),
                [
                    dict(account_id=a, occurred_at=at, created_at=at)
                    | dict(kind="call", summary="call", source="cli")
                    for a, moments in histories.items()
                    for at in moments
                ],
            )
        command.upgrade(config, "head")
        query = sa.select(sa.column("id"), sa.column("last_contact_at", UTCDateTime())).select_from(
            sa.table("accounts")
        )
        with engine.connect() as conn:
            kept = {a: at and as_utc(at) for a, at in conn.execute(query.order_by(sa.column("id")))}
        assert kept == {ids[0]: day[4], ids[1]: day[1], ids[2]: None}
        with engine.begin() as conn:  # kept from then on
            conn.execute(
                interactions.insert(),
                [
                    dict(account_id=ids[2], occurred_at=day[3], created_at=day[3], kind="call")
                    | dict(summary="call", source="cli")
                ],
            )
            conn.execute(sa.text("DELETE FROM interactions WHERE account_id = :a"), {"a": ids[0]})
        with engine.connect() as conn:
            kept = {a: at and as_utc(at) for a, at in conn.execute(query.order_by(sa.column("id")))}
        assert kept == {ids[0]: None, ids[1]: day[1], ids[2]: day[3]}
        command.downgrade(config, "0015")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("accounts")}
            left = conn.execute(sa.text("SELECT count(*) FROM interactions")).scalar()
        assert "last_contact_at" not in columns
        assert left == 2
        with engine.begin() as conn:  # no trigger is left to write the dropped column
            conn.execute(sa.text("DELETE FROM interactions"))
        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
