"""The core services: validation messages, lookup, rights and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from core.actors import Actor
from core.errors import Forbidden, KamError, NotFound
from core.models import AuditEvent, Interaction
from core.services import records, users
from core.services.accounts import create_account, find_account, update_account
from tests import factories

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_a_duplicate_name_in_another_case_is_refused_with_a_clear_message(
    session: Session,
) -> None:
    factories.account(session, "Kan-code")
    with pytest.raises(KamError, match="already exists"):
        factories.account(session, "  kan-CODE ")


def test_invalid_fields_are_named_in_plain_words(session: Session) -> None:
    with pytest.raises(KamError) as error:
        factories.account(session, "Acme", relationship_stage=9, status="gone")
    message = str(error.value)
    assert "relationship stage" in message and "status should be one of" in message
    assert session.exec(select(AuditEvent)).all() == []


def test_a_name_without_letters_is_refused(session: Session) -> None:
    with pytest.raises(KamError, match="at least one letter"):
        factories.account(session, "  -- ")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kan code", "Kan-code"),
        ("KAN-CODE", "Kan-code"),
        ("kan-c", "Kan-code"),
        ("Betasol", "Betasoloin"),
    ],
)
def test_find_account_understands_how_people_type(
    session: Session, query: str, expected: str
) -> None:
    for name in ("Kan-code", "Betasoloin", "Betatech", "Codehow"):
        factories.account(session, name)
    assert find_account(query, session=session).name == expected


def test_an_unknown_account_suggests_the_nearest_names(session: Session) -> None:
    for name in ("Kan-code", "Konex", "Zumgoity"):
        factories.account(session, name)
    with pytest.raises(NotFound) as error:
        find_account("Kanko", session=session)
    assert "Did you mean" in str(error.value)
    assert error.value.suggestions[0] == "Kan-code"


def test_logging_twice_with_one_key_logs_once(session: Session) -> None:
    acme = factories.account(session)
    actor = Actor.system("test")
    first = records.log_interaction(
        acme, "Call", session=session, actor=actor, idempotency_key="k1", now=NOW
    )
    again = records.log_interaction(
        acme, "Call", session=session, actor=actor, idempotency_key="k1", now=NOW
    )
    assert first.id == again.id
    assert len(session.exec(select(Interaction)).all()) == 1


def test_an_interaction_in_the_future_is_refused(session: Session) -> None:
    acme = factories.account(session)
    with pytest.raises(KamError, match="in the future"):
        records.log_interaction(
            acme,
            "Call",
            session=session,
            actor=Actor.system(),
            occurred_at=NOW + timedelta(days=2),
            now=NOW,
        )


def test_account_managers_change_only_their_own_accounts(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    bo = factories.user(session, "bo@example.com")
    boss = factories.user(session, "boss@example.com", role="manager")
    mine = factories.account(session, "Mine", owner_id=anna.id)
    records.log_interaction(mine, "Visit", session=session, actor=Actor.of(anna, "test"), now=NOW)
    with pytest.raises(Forbidden, match="only your own accounts"):
        records.log_interaction(mine, "Visit", session=session, actor=Actor.of(bo, "test"), now=NOW)
    records.log_interaction(mine, "Visit", session=session, actor=Actor.of(boss, "test"), now=NOW)


def test_every_write_is_audited_with_who_and_what(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    acme = create_account({"name": "Acme"}, session=session, actor=Actor.of(anna, "slack:U1"))
    assert acme.owner_id == anna.id
    update_account(
        acme, {"relationship_stage": 3}, session=session, actor=Actor.of(anna, "slack:U1")
    )
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "account")).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].actor == "slack:U1 anna@example.com"
    assert events[1].before["relationship_stage"] is None
    assert events[1].after["relationship_stage"] == 3


def test_an_account_cannot_be_its_own_parent_group(session: Session) -> None:
    group = factories.account(session, "Group")
    child = factories.account(session, "Child", parent_id=group.id)
    with pytest.raises(KamError, match="its own parent"):
        update_account(group, {"parent_id": child.id}, session=session, actor=Actor.system())


def test_slack_links_are_checked(session: Session) -> None:
    factories.user(session, "anna@example.com")
    factories.user(session, "bo@example.com")
    users.link_slack("ANNA@example.com", "U123ABC", session=session, actor=Actor.system())
    with pytest.raises(KamError, match="already linked"):
        users.link_slack("bo@example.com", "U123ABC", session=session, actor=Actor.system())
    with pytest.raises(KamError, match="not a Slack user ID"):
        users.link_slack("bo@example.com", "<@U1>", session=session, actor=Actor.system())
    with pytest.raises(NotFound, match=r"Did you mean: anna@example\.com"):
        users.link_slack("ana@example.com", "U9", session=session, actor=Actor.system())


def test_records_validate_their_input(session: Session) -> None:
    acme = factories.account(session)
    actor = Actor.system()
    with pytest.raises(KamError, match="CSAT"):
        records.add_feedback(acme, session=session, actor=actor)
    with pytest.raises(KamError, match="nps"):
        records.add_feedback(acme, session=session, actor=actor, nps=11)
    with pytest.raises(KamError, match="close date"):
        records.add_deal(acme, {"stage": "won", "amount": 10}, session=session, actor=actor)
    with pytest.raises(KamError, match="promise is empty"):
        records.add_commitment(acme, " ", date(2026, 12, 1), session=session, actor=actor)
    with pytest.raises(KamError, match="problem description"):
        order = records.record_order(acme, "100 units", session=session, actor=actor)
        records.set_order_status(order, "problem", session=session, actor=actor)
    notice = records.add_notice(
        acme, "Price up 5%", date(2026, 12, 1), session=session, actor=actor, kind="price_change"
    )
    told = records.mark_notice_told(notice, session=session, actor=actor, now=NOW)
    assert told.communicated_at == NOW


def test_a_repeated_idempotency_key_records_once(session: Session) -> None:
    acme = factories.account(session)
    actor = Actor.system()
    due = date(2026, 12, 1)
    writers = {
        "commitment": lambda k: records.add_commitment(
            acme, "Send the deck", due, session=session, actor=actor, idempotency_key=k
        ),
        "notice": lambda k: records.add_notice(
            acme, "Price up 5%", due, session=session, actor=actor, idempotency_key=k
        ),
        "order": lambda k: records.record_order(
            acme, "40 licences", session=session, actor=actor, idempotency_key=k
        ),
        "request": lambda k: records.add_request(
            acme, "A blue model", session=session, actor=actor, idempotency_key=k
        ),
        "feedback": lambda k: records.add_feedback(
            acme, session=session, actor=actor, csat=4, idempotency_key=k
        ),
    }
    for name, write in writers.items():
        first, again = write(f"click-{name}"), write(f"click-{name}")
        assert first.id == again.id, name
        assert write(f"other-{name}").id != first.id, name
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "create")).all()
    assert len(audited) == 1 + 2 * len(writers)  # the account, then two records per writer
