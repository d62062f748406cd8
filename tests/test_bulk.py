"""The set-based writer: what it stores is what the ORM would store, row for row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, select

from core import bulk
from core.models import Account, Interaction, User
from core.types import UTCDateTime
from tests.conftest import examples

SQLITE = sqlite.dialect()
PROCESS = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)

moments = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.one_of(st.none(), moments), max_size=40))
def test_moments_are_formatted_for_sqlite_as_the_column_type_formats_them(
    values: list[datetime | None],
) -> None:
    assert PROCESS is not None
    assert bulk._sqlite_moments(values) == [PROCESS(v) for v in values]


def test_a_naive_or_non_moment_value_is_left_to_the_column_type_to_refuse() -> None:
    assert bulk._sqlite_moments([datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1)]) is None
    assert bulk._sqlite_moments(["2026-01-01"]) is None


def _user(session: Session) -> int:
    user = User(name="Ann Example", email="ann@example.com", role="am")
    session.add(user)
    session.flush()
    assert user.id is not None
    return user.id


def test_rows_are_written_as_the_orm_reads_them_back_across_chunks(session: Session) -> None:
    owner = _user(session)
    now = datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=UTC)
    bulk.insert_rows(
        Account,
        ({"name": f"Acme {k}", "name_key": f"acme {k}", "owner_id": owner} for k in range(7)),
        session=session,
        chunk=3,
    )
    ids = bulk.ids_by(Account, "name_key", session=session)
    assert len(ids) == 7
    rows = [
        {
            "account_id": ids[f"acme {k % 7}"],
            "user_id": owner,
            "kind": "call",
            "summary": f"call {k}",
            "occurred_at": now - timedelta(days=k, microseconds=k),
            "created_at": now,
        }
        for k in range(11)
    ]
    rows[6]["sentiment"] = "positive"
    written = bulk.insert_rows(Interaction, rows, session=session, chunk=4)
    assert written == 11
    stored = session.exec(select(Interaction).order_by(Interaction.id)).all()  # type: ignore[arg-type]
    assert [i.summary for i in stored] == [f"call {k}" for k in range(11)]
    assert [i.occurred_at for i in stored] == [
        now - timedelta(days=k, microseconds=k) for k in range(11)
    ]
    assert [i.sentiment for i in stored] == [None] * 6 + ["positive"] + [None] * 4
    assert {i.created_at for i in stored} == {now}
    assert {i.source for i in stored} == {"cli"}


def test_a_naive_moment_is_refused_and_nothing_is_written(session: Session) -> None:
    owner = _user(session)
    with pytest.raises(ValueError, match="naive datetime"):
        bulk.insert_rows(
            User,
            [
                {
                    "name": "Bo",
                    "email": "bo@example.com",
                    "role": "am",
                    "created_at": datetime(2026, 1, 1),
                }
            ],
            session=session,
        )
    assert session.exec(select(User.id)).all() == [owner]  # type: ignore[arg-type]
