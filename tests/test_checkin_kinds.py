"""Reminder kinds are plug-ins: one codec for their keys, one spec each, one registry.

These tests hold the engine to its own recipe: a new kind is one module (here,
one written in the test) and one line in the registry, with no migration and no
change to the engine, the actions or the front ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, literal
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins import KINDS, ReminderKey, digest_key, due_items, kind_named, sweep
from core.checkins import derive as derive_module
from core.checkins import kinds as registry
from core.checkins.keys import account_of, family, key_sql, leveled
from core.checkins.kind import Context, Derived, Kind, about, due
from core.checkins.sql import utc_day
from core.checkins.triage import Reading
from core.models import Account, AccountStatus, Reminder
from core.services.reminders import mark_done
from tests import factories
from tests.checkin_notifiers import ANY_HOUR, EACH_ON_ITS_OWN, Recorder

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- the key codec ------------------------------------------------------------------


def test_a_key_is_built_and_parsed_by_one_codec() -> None:
    key = ReminderKey("check_in_due", 42, "2026-01-05", "red")
    assert str(key) == "check_in_due:42:2026-01-05#red"
    assert ReminderKey.parse(str(key)) == key
    assert str(key.family) == family(str(key)) == "check_in_due:42:2026-01-05"
    assert key.account_id == account_of(str(key)) == 42
    assert ReminderKey.parse("thank_you:7:order-3").occurrence == "order-3"
    digest = digest_key(5, date(2026, 1, 5))
    assert digest == "digest:5:2026-01-05"
    assert account_of(digest) is None


@pytest.mark.parametrize("text", ["", "check_in_due", "check_in_due:x:2026", "kind:1:", ":1:a"])
def test_a_malformed_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a reminder key"):
        ReminderKey.parse(text)
    assert account_of(text) is None


@pytest.mark.parametrize("part", ["a:b", "a#b"])
def test_a_key_cannot_be_made_of_its_own_separators(part: str) -> None:
    with pytest.raises(ValueError, match="cannot make a reminder key"):
        ReminderKey("thank_you", 1, part)


def test_sql_spells_the_same_keys_as_python(session: Session) -> None:
    acme = factories.account(session, "Acme")
    session.commit()
    moment = datetime(2026, 1, 5, 23, 59, tzinfo=UTC)
    family_key = key_sql("check_in_due", col(Account.id), utc_day(literal(moment)))
    query = wide_select(
        family_key.label("family"),
        leveled(family_key, "red").label("red"),
        leveled(family_key, "red", literal(False)).label("unleveled"),
        key_sql("thank_you", col(Account.id), "deal-", col(Account.id)).label("deal"),
    ).where(col(Account.id) == acme.id)
    row = session.execute(query).one()
    assert acme.id is not None
    expected = ReminderKey("check_in_due", acme.id, "2026-01-05")
    assert row.family == str(expected) == row.unleveled
    assert row.red == str(ReminderKey("check_in_due", acme.id, "2026-01-05", "red"))
    assert row.deal == str(ReminderKey("thank_you", acme.id, f"deal-{acme.id}"))


# --- the registry ---------------------------------------------------------------------


def test_every_kind_is_registered_once_and_says_what_resolves_it() -> None:
    names = [kind.name for kind in KINDS]
    assert len(names) == len(set(names)) == 8
    for kind in KINDS:
        assert kind_named(kind.name) is kind
        assert kind.label and kind.resolved_by
    with pytest.raises(KeyError):
        kind_named("digest")  # a digest is not a reminder kind a person acts on


def test_a_query_without_the_key_columns_is_refused_with_a_clear_error(session: Session) -> None:
    reading = Reading(session, NOW)
    with pytest.raises(TypeError, match=r"lacks the columns \['key'\]"):
        reading.rows(wide_select(col(Account.id).label("user_id")))


# --- a new kind is one module -----------------------------------------------------------

NAME = "renewal_risk"


def _renewal_risk(context: Context, reading: Reading) -> list[Derived]:
    """A toy kind, written as a kind module would be: prospects not yet won over."""
    query = wide_select(
        *about(col(Account.id)),
        key_sql(NAME, col(Account.id), "2026Q1").label("key"),
    ).where(col(Account.status) == AccountStatus.PROSPECT.value)
    return [
        due(
            row,
            NAME,
            due_at=context.now,
            priority=1.0,
            severity="yellow",
            title=f"Win {row.name} over",
            detail="A prospect.",
        )
        for row in reading.rows(query)
    ]


@pytest.fixture
def with_a_new_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[Kind]:
    """The registry with one more kind, as one more line in ``KINDS`` would give."""
    kind = Kind(name=NAME, label="Renewal risk", read=_renewal_risk, resolved_by="never")
    extended = (*KINDS, kind)
    monkeypatch.setattr(derive_module, "KINDS", extended)
    monkeypatch.setattr(registry, "_BY_NAME", {k.name: k for k in extended})
    yield kind


def test_a_new_kind_is_listed_delivered_once_and_done_without_a_migration(
    engine: Engine, with_a_new_kind: Kind
) -> None:
    with Session(engine, expire_on_commit=False) as s:
        anna = factories.user(s, "anna@example.com", **ANY_HOUR)
        prospect = factories.account(s, "Zeta", owner_id=anna.id, status="prospect")
        s.commit()
    key = f"{NAME}:{prospect.id}:2026Q1"
    with Session(engine) as s:
        items = due_items(session=s, now=NOW, user_id=anna.id)
    assert [(i.key, i.title) for i in items if i.kind == NAME] == [(key, "Win Zeta over")]
    recorder = Recorder()
    # as a message of its own (a routine item otherwise waits for the digest)
    sweep(engine, recorder, now=NOW, config=EACH_ON_ITS_OWN)
    sweep(engine, recorder, now=NOW, config=EACH_ON_ITS_OWN)
    assert [k for k, _ in recorder.items].count(key) == 1
    with Session(engine) as s:
        mark_done(key, session=s, actor=factories.SYSTEM, now=NOW)
        s.commit()
    with Session(engine) as s:
        stored: Any = s.exec(select(Reminder).where(Reminder.key == key)).one()
        assert (stored.kind, stored.state) == (NAME, "done")
        assert NAME not in {i.kind for i in due_items(session=s, now=NOW)}
