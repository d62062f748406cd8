"""Constraints hold at the database level, whatever path a write takes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.db import SQLITE_CACHE_KIB
from core.models import Account, Feedback, Interaction, name_key
from tests import factories


def test_account_names_are_unique_ignoring_case(session: Session) -> None:
    factories.account(session, "Kan-code")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Account).values(
                name="KAN-CODE",
                name_key=name_key("KAN-CODE"),
                status="active",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        session.flush()


def test_user_email_and_slack_id_are_unique(session: Session) -> None:
    factories.user(session, "a@example.com", slack_user_id="U1")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO users (name, email, role, timezone, digest_time, active, created_at, "
                "slack_user_id) VALUES ('B', 'b@example.com', 'am', 'UTC', '09:00:00', true, "
                "CURRENT_TIMESTAMP, 'U1')"
            )
        )
        session.flush()


def test_foreign_keys_are_enforced(session: Session) -> None:
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Interaction).values(
                account_id=999_999,
                kind="call",
                occurred_at=datetime.now(UTC),
                summary="x",
                source="test",
                created_at=datetime.now(UTC),
            )
        )
        session.flush()


def test_ratings_outside_their_scale_are_refused_by_the_database(session: Session) -> None:
    acme = factories.account(session)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(insert(Feedback).values(account_id=acme.id, csat=9, at=datetime.now(UTC)))
        session.flush()
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE accounts SET relationship_stage = 7"))
        session.flush()


def test_timestamps_come_back_timezone_aware_utc(session: Session) -> None:
    acme = factories.account(session)
    session.commit()
    session.expire_all()
    stored = session.exec(select(Account).where(Account.id == acme.id)).one()
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_deleting_an_account_removes_its_history(session: Session) -> None:
    acme = factories.account(session)
    session.add(Interaction(account_id=acme.id, occurred_at=datetime.now(UTC), summary="hi"))
    session.commit()
    session.delete(acme)
    session.commit()
    assert session.exec(select(Interaction)).all() == []


def test_every_connection_gets_kams_settings(engine: Engine) -> None:
    """SQLite: the write-ahead log and a larger page cache; PostgreSQL: no just-in-time
    compilation, which cost a sweep's check-in query more than the query itself."""
    for _ in range(2):  # a new connection, and one taken back from the pool
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            else:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
