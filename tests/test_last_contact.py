"""Each account's newest interaction, kept by the database (``accounts.last_contact_at``,
migration 0016): whatever writes the interactions, it is their ``max(occurred_at)``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import bulk
from core.clock import as_utc
from core.models import Account, Interaction, InteractionCreate
from core.services.interactions import log_interaction
from tests import factories

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def kept(session: Session) -> dict[int, datetime | None]:
    """Each account's kept moment."""
    session.flush()
    table = Account.__table__  # type: ignore[attr-defined]
    rows = session.execute(sa.select(table.c.id, table.c.last_contact_at)).all()
    return {account_id: at and as_utc(at) for account_id, at in rows}


def newest(session: Session) -> dict[int, datetime | None]:
    """Each account's newest interaction, grouped from them all (none without one)."""
    session.flush()
    found: dict[int, datetime | None] = {
        account_id: None for account_id in session.exec(select(Account.id)) if account_id
    }
    grouped = session.execute(
        sa.select(col(Interaction.account_id), sa.func.max(col(Interaction.occurred_at))).group_by(
            col(Interaction.account_id)
        )
    ).all()
    for account_id, at in grouped:
        found[account_id] = as_utc(at)
    return found


def assert_kept(session: Session) -> dict[int, datetime | None]:
    now = kept(session)
    assert now == newest(session)
    return now


def _rows(*interactions: tuple[int, datetime]) -> dict[str, list[Any]]:
    """Columns for :func:`core.bulk.insert_columns`: one call per (account, moment)."""
    return {
        "account_id": [account_id for account_id, _ in interactions],
        "occurred_at": [at for _, at in interactions],
        "kind": ["call"] * len(interactions),
        "summary": [f"call {n}" for n in range(len(interactions))],
        "source": ["import"] * len(interactions),
    }


def test_every_write_keeps_each_accounts_newest_interaction(session: Session) -> None:
    """Inserts through the service, the ORM and the bulk load (COPY on PostgreSQL), an
    older insert, an edit moving the newest earlier, a delete of the newest, a move to
    another account, an account's deletion and deleting all: after each, the kept moment
    of every account is the newest of its interactions."""
    anna = factories.user(session)
    acme, kanthal, volvo, saab = (
        factories.account(session, name) for name in ("Acme", "Kanthal", "Volvo", "Saab")
    )
    assert acme.id and kanthal.id and volvo.id and saab.id
    assert set(assert_kept(session).values()) == {None}

    log_interaction(
        acme,
        InteractionCreate(summary="Intro call", occurred_at=T0),
        session=session,
        actor=factories.SYSTEM,
        now=T0 + timedelta(days=30),
    )
    session.add(Interaction(account_id=kanthal.id, occurred_at=T0, summary="visit", kind="visit"))
    assert assert_kept(session)[acme.id] == T0

    # a bulk load: several accounts in one statement, several per account, not in order
    written = bulk.insert_columns(
        Interaction,
        _rows(
            (acme.id, T0 + timedelta(days=3)),
            (volvo.id, T0 - timedelta(days=40)),
            (acme.id, T0 + timedelta(days=9)),
            (kanthal.id, T0 - timedelta(days=5)),
            (volvo.id, T0 - timedelta(days=50)),
            (acme.id, T0 + timedelta(days=1)),
            (kanthal.id, T0 + timedelta(hours=1)),
        ),
        session=session,
    )
    assert written == 7
    state = assert_kept(session)
    assert state[acme.id] == T0 + timedelta(days=9)
    assert state[kanthal.id] == T0 + timedelta(hours=1)
    assert state[volvo.id] == T0 - timedelta(days=40)
    assert state[saab.id] is None

    # an older interaction changes nothing
    session.add(Interaction(account_id=acme.id, occurred_at=T0 - timedelta(days=400), summary="x"))
    assert assert_kept(session) == state

    # the newest edited to an earlier moment: the one before it is the newest
    newest_acme = session.exec(
        select(Interaction).where(
            Interaction.account_id == acme.id,
            Interaction.occurred_at == T0 + timedelta(days=9),
        )
    ).one()
    newest_acme.occurred_at = T0 - timedelta(days=2)
    session.add(newest_acme)
    assert assert_kept(session)[acme.id] == T0 + timedelta(days=3)

    # an edit of something else changes nothing
    newest_acme.summary = "edited"
    session.add(newest_acme)
    assert assert_kept(session)[acme.id] == T0 + timedelta(days=3)

    # a delete of the newest
    session.execute(
        sa.delete(Interaction).where(
            col(Interaction.account_id) == acme.id,
            col(Interaction.occurred_at) == T0 + timedelta(days=3),
        )
    )
    assert assert_kept(session)[acme.id] == T0 + timedelta(days=1)

    # a delete of an older one changes nothing
    session.execute(
        sa.delete(Interaction).where(
            col(Interaction.account_id) == acme.id,
            col(Interaction.occurred_at) == T0 - timedelta(days=400),
        )
    )
    assert assert_kept(session)[acme.id] == T0 + timedelta(days=1)

    # Kanthal's newest moved to Saab (and made the newest of all), in one statement
    session.execute(
        sa.update(Interaction)
        .where(
            col(Interaction.account_id) == kanthal.id,
            col(Interaction.occurred_at) == T0 + timedelta(hours=1),
        )
        .values(account_id=saab.id, occurred_at=T0 + timedelta(days=20))
    )
    state = assert_kept(session)
    assert state[kanthal.id] == T0
    assert state[saab.id] == T0 + timedelta(days=20)

    # every interaction moved in one statement, each account's to the next one
    ids = [acme.id, kanthal.id, volvo.id, saab.id]
    session.execute(
        sa.update(Interaction).values(
            account_id=sa.case(
                *(
                    (col(Interaction.account_id) == a, b)
                    for a, b in zip(ids, ids[1:] + ids[:1], strict=True)
                )
            )
        )
    )
    assert assert_kept(session)[acme.id] == T0 + timedelta(days=20)

    # an account deleted takes its interactions (ON DELETE CASCADE)
    session.execute(sa.delete(Account).where(col(Account.id) == volvo.id))
    assert volvo.id not in assert_kept(session)

    session.execute(sa.delete(Interaction))
    assert set(assert_kept(session).values()) == {None}
    session.commit()
    assert anna.id


def test_a_bulk_load_of_many_accounts_keeps_each(session: Session) -> None:
    """Thousands of interactions in one load (more than one INSERT on SQLite, one COPY
    on PostgreSQL), several per account and out of order."""
    ids = [factories.account(session, f"Account {n}").id for n in range(40)]
    assert all(ids)
    moments = [T0 - timedelta(hours=(n * 7919) % 5000) for n in range(3000)]
    accounts = [ids[(n * 31) % len(ids)] for n in range(len(moments))]
    columns = _rows(*zip(accounts, moments, strict=True))
    assert bulk.insert_columns(Interaction, columns, session=session) == len(moments)
    assert None not in assert_kept(session).values()


@pytest.mark.postgres
def test_truncating_the_interactions_clears_every_accounts_moment(
    engine: Engine, session: Session
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    acme = factories.account(session)
    assert acme.id
    session.add(Interaction(account_id=acme.id, occurred_at=T0, summary="call"))
    assert assert_kept(session)[acme.id] == T0
    session.execute(sa.text("TRUNCATE interactions"))
    assert assert_kept(session)[acme.id] is None


def test_the_kept_moment_is_no_input_nor_exported() -> None:
    """The database keeps it: no writer's input has it, an import cannot set it (its
    heading means nothing), and an export of the accounts does not write it."""
    from core.models import AccountCreate, AccountUpdate
    from core.transfer.export import exported_fields
    from core.transfer.fields import entity, normalise

    assert "last_contact_at" in Account.model_fields
    for model in (AccountCreate, AccountUpdate):
        assert "last_contact_at" not in model.model_fields
    for with_id in (False, True):
        accounts = entity("accounts", with_id=with_id)
        assert not {"last_contact_at"} & {f.column for f in accounts.fields.values()}
        assert normalise("last_contact_at") not in accounts.aliases
    assert "last_contact_at" not in {f.column for f in exported_fields("accounts")}
