"""A sweep's claims: each new key inserted once, every value stored as given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from core.checkins.claim_rows import COLUMNS, insert_new
from core.models import Reminder
from tests import factories

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def row(key: str, *, user_id: int | None, account_id: int | None, **changed: object) -> dict:
    base = {
        "key": key,
        "kind": "commitment_due",
        "account_id": account_id,
        "user_id": user_id,
        "due_at": NOW - timedelta(days=3),
        "state": "pending",
        "snoozed_until": None,
        "attempts": 0,
        "payload": {"title": "Keep your promise: “Send the quote”", "notes": ["a\\b", 'say "hi"']},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return {**base, **changed}


def test_new_keys_are_inserted_once_with_every_value_as_given(engine: Engine) -> None:
    with Session(engine) as s:
        user = factories.user(s, "ann@example.com")
        account = factories.account(s, "Nordic AB", owner_id=user.id)
        s.commit()
        uid, aid = user.id, account.id
    oslo = timezone(timedelta(hours=1))
    first = [
        row("commitment_due:1:7", user_id=uid, account_id=aid),
        row(
            "digest:1:2026-03-02",
            user_id=uid,
            account_id=None,
            kind="digest",
            state="held",
            snoozed_until=datetime(2026, 3, 2, 9, 0, tzinfo=oslo),
            payload={},
        ),
        row("check_in_due:1:2026-01-01#red", user_id=None, account_id=aid, attempts=2),
    ]
    with engine.begin() as conn:
        assert sorted(insert_new(conn, first)) == sorted(r["key"] for r in first)
    again = [
        row("commitment_due:1:7", user_id=uid, account_id=aid, state="done"),
        row("commitment_due:1:8", user_id=uid, account_id=aid),
    ]
    with engine.begin() as conn:
        assert insert_new(conn, again) == ["commitment_due:1:8"]  # the first key was taken
        assert insert_new(conn, []) == []
    with engine.connect() as conn:
        stored = {r.key: r for r in conn.execute(select(Reminder.__table__))}  # type: ignore[attr-defined]
    assert set(stored) == {r["key"] for r in first} | {"commitment_due:1:8"}
    assert stored["commitment_due:1:7"].state == "pending"  # not overwritten by the second
    for given in [*first, again[1]]:
        kept = stored[given["key"]]
        for name in COLUMNS:
            value = getattr(kept, name)
            if isinstance(given[name], datetime):
                value = value if value.tzinfo else value.replace(tzinfo=UTC)
                assert value == given[name], name
            else:
                assert value == given[name], name


def test_a_naive_moment_is_refused_and_nothing_is_written(engine: Engine) -> None:
    naive = row("commitment_due:1:9", user_id=None, account_id=None, due_at=datetime(2026, 3, 1))
    with pytest.raises(Exception, match="naive"), engine.begin() as conn:
        insert_new(conn, [naive])
    with engine.connect() as conn:
        assert conn.execute(select(Reminder.__table__)).all() == []  # type: ignore[attr-defined]
