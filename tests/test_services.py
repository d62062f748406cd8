"""The core services: validation messages, lookup, rights and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from core.actors import Actor
from core.errors import Forbidden, KamError, NotFound
from core.models import (
    AccountCreate,
    AccountUpdate,
    AuditEvent,
    CommitmentCreate,
    CustomerRequestCreate,
    DealCreate,
    FeedbackCreate,
    Interaction,
    InteractionCreate,
    NoticeCreate,
    OrderCreate,
)
from core.services import users
from core.services.accounts import create_account, find_account, update_account
from core.services.commitments import add_commitment
from core.services.feedback import add_feedback
from core.services.interactions import log_interaction
from core.services.notices import add_notice, mark_notice_told
from core.services.orders import record_order, set_order_status
from core.services.requests import add_request
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
    call = InteractionCreate(summary="Call", idempotency_key="k1")
    first = log_interaction(acme, call, session=session, actor=actor, now=NOW)
    again = log_interaction(acme, call, session=session, actor=actor, now=NOW)
    assert first.id == again.id
    assert len(session.exec(select(Interaction)).all()) == 1


def test_an_interaction_in_the_future_is_refused(session: Session) -> None:
    acme = factories.account(session)
    with pytest.raises(KamError, match="in the future"):
        call = InteractionCreate(summary="Call", occurred_at=NOW + timedelta(days=2))
        log_interaction(acme, call, session=session, actor=Actor.system(), now=NOW)


def test_account_managers_change_only_their_own_accounts(session: Session) -> None:
    boss = factories.user(session, "boss@example.com", role="manager")
    other_boss = factories.user(session, "other@example.com", role="manager")
    admin = factories.user(session, "admin@example.com", role="admin")
    anna = factories.user(session, "anna@example.com", manager_id=boss.id)
    bo = factories.user(session, "bo@example.com", manager_id=boss.id)
    mine = factories.account(session, "Mine", owner_id=anna.id)
    nobodys = factories.account(session, "Nobody's")
    visit = InteractionCreate(summary="Visit")
    log_interaction(mine, visit, session=session, actor=Actor.of(anna, "test"), now=NOW)
    with pytest.raises(Forbidden, match="only your own accounts"):
        log_interaction(mine, visit, session=session, actor=Actor.of(bo, "test"), now=NOW)
    # a manager changes their team's accounts and unowned ones, not another team's
    log_interaction(mine, visit, session=session, actor=Actor.of(boss, "test"), now=NOW)
    log_interaction(nobodys, visit, session=session, actor=Actor.of(other_boss, "test"), now=NOW)
    with pytest.raises(Forbidden, match="a manager: their team's"):
        log_interaction(mine, visit, session=session, actor=Actor.of(other_boss, "test"), now=NOW)
    log_interaction(mine, visit, session=session, actor=Actor.of(admin, "test"), now=NOW)


def test_every_write_is_audited_with_who_and_what(session: Session) -> None:
    anna = factories.user(session, "anna@example.com")
    acme = create_account(
        AccountCreate(name="Acme"), session=session, actor=Actor.of(anna, "slack:U1")
    )
    assert acme.owner_id == anna.id
    update_account(
        acme, AccountUpdate(relationship_stage=3), session=session, actor=Actor.of(anna, "slack:U1")
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
        update_account(
            group, AccountUpdate(parent_id=child.id), session=session, actor=Actor.system()
        )


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


def test_a_person_links_themselves_and_only_a_manager_links_someone_else(
    session: Session,
) -> None:
    anna = factories.user(session, "anna@example.com")
    bo = factories.user(session, "bo@example.com")
    users.link_slack(bo.email, "UBO", session=session, actor=Actor.of(bo, "test"))
    with pytest.raises(Forbidden, match="Only an admin, or"):
        users.link_slack(bo.email, "UOTHER", session=session, actor=Actor.of(anna, "test"))
    assert bo.slack_user_id == "UBO"


def test_records_validate_their_input(session: Session) -> None:
    acme = factories.account(session)
    actor = Actor.system()
    with pytest.raises(KamError, match="CSAT"):
        FeedbackCreate()
    with pytest.raises(KamError, match="NPS"):
        FeedbackCreate(nps=11)
    with pytest.raises(KamError, match="close date"):
        DealCreate(stage="won", amount=10)
    with pytest.raises(KamError, match="promise is empty"):
        CommitmentCreate(what=" ", due_on=date(2026, 12, 1))
    with pytest.raises(KamError, match="problem description"):
        order = record_order(acme, OrderCreate(what="100 units"), session=session, actor=actor)
        set_order_status(order, "problem", session=session, actor=actor)
    news = NoticeCreate(what="Price up 5%", must_tell_by=date(2026, 12, 1), kind="price_change")
    notice = add_notice(acme, news, session=session, actor=actor)
    told = mark_notice_told(notice, session=session, actor=actor, now=NOW)
    assert told.communicated_at == NOW


def test_a_repeated_idempotency_key_records_once(session: Session) -> None:
    acme = factories.account(session)
    actor = Actor.system()
    due = date(2026, 12, 1)
    writers = {
        "commitment": lambda k: add_commitment(
            acme,
            CommitmentCreate(what="Send the deck", due_on=due, idempotency_key=k),
            session=session,
            actor=actor,
        ),
        "notice": lambda k: add_notice(
            acme,
            NoticeCreate(what="Price up 5%", must_tell_by=due, idempotency_key=k),
            session=session,
            actor=actor,
        ),
        "order": lambda k: record_order(
            acme, OrderCreate(what="40 licences", idempotency_key=k), session=session, actor=actor
        ),
        "request": lambda k: add_request(
            acme,
            CustomerRequestCreate(what="A blue model", idempotency_key=k),
            session=session,
            actor=actor,
        ),
        "feedback": lambda k: add_feedback(
            acme, FeedbackCreate(csat=4, idempotency_key=k), session=session, actor=actor
        ),
    }
    for name, write in writers.items():
        first, again = write(f"click-{name}"), write(f"click-{name}")
        assert first.id == again.id, name
        assert write(f"other-{name}").id != first.id, name
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "create")).all()
    assert len(audited) == 1 + 2 * len(writers)  # the account, then two records per writer
