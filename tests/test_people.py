"""Contacts, personal facts and the account profile: through the core services and the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session, func, select

from core.actors import Actor
from core.checkins.due import personal_notes
from core.errors import Forbidden, KamError
from core.models import AuditEvent, ContactCreate, ContactUpdate, ProfileEntry
from core.services import contacts
from core.services.profile import read_profile, set_profile
from core.views.card import account_card, profile_lines
from tests import factories
from tests.test_cli import kam

SYSTEM = Actor.system("test")


def _events(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def test_a_contact_is_added_edited_and_retired_with_a_reporting_line(session: Session) -> None:
    acme = factories.account(session, "Acme")
    other = factories.account(session, "Other")
    boss = contacts.add_contact(
        acme, ContactCreate(name="Ingrid", buying_role="decision_maker"), session=session,
        actor=SYSTEM,
    )  # fmt: skip
    stranger = contacts.add_contact(
        other, ContactCreate(name="Sven"), session=session, actor=SYSTEM
    )
    typed = {"name": "Ola", "title": "Buyer", "role": "Gatekeeper", "reports_to": "ingrid"}
    ola = contacts.read_contact(acme, typed, session=session)
    assert isinstance(ola, ContactCreate)
    ola_row = contacts.add_contact(acme, ola, session=session, actor=SYSTEM)
    card = account_card(acme, session=session)
    assert [(c.name, c.role, c.reports_to) for c in card.contacts] == [
        ("Ingrid", "decision maker", None),
        ("Ola", "gatekeeper", "Ingrid"),
    ]
    assert boss.decision_maker and not ola_row.decision_maker

    before = _events(session)
    refusals = [
        ContactUpdate(reports_to_id=stranger.id),  # a contact of another account
        ContactUpdate(reports_to_id=ola_row.id),  # themselves
    ]
    for bad in refusals:
        with pytest.raises(KamError, match=r"not a contact at Acme|cannot report to themselves"):
            contacts.edit_contact(ola_row, bad, session=session, actor=SYSTEM)
    with pytest.raises(KamError, match="cannot report to Ola, who reports to them"):
        contacts.edit_contact(
            boss, ContactUpdate(reports_to_id=ola_row.id), session=session, actor=SYSTEM
        )
    with pytest.raises(KamError, match="name is empty"):
        contacts.read_contact(acme, {"name": "  "}, session=session, editing=True)
    assert _events(session) == before  # nothing written

    contacts.edit_contact(
        ola_row, ContactUpdate(buying_role="decision_maker", reports_to_id=None),
        session=session, actor=SYSTEM,
    )  # fmt: skip
    assert ola_row.decision_maker and contacts.bosses([ola_row.id], session=session) == {}
    contacts.retire_contact(boss, session=session, actor=SYSTEM)
    assert [c.name for c in account_card(acme, session=session).contacts] == ["Ola"]
    assert _events(session) == before + 3  # edit, reporting line removed, retire


def test_personal_facts_reach_the_reminder_text(session: Session) -> None:
    acme = factories.account(session, "Acme")
    ingrid = contacts.add_contact(acme, ContactCreate(name="Ingrid"), session=session, actor=SYSTEM)
    today = date(2026, 3, 1)
    hint = personal_notes("Acme", [ingrid], today)[0]
    assert 'kam fact add "Acme"' in hint and "/kam fact add" in hint

    kinds = contacts.fact_kind
    contacts.add_fact(ingrid, kinds("Hometown"), "Bergen", session=session, actor=SYSTEM)
    contacts.add_fact(ingrid, kinds("interests"), "golf", session=session, actor=SYSTEM)
    contacts.add_fact(ingrid, kinds("interests"), "sailing", session=session, actor=SYSTEM)
    contacts.add_fact(ingrid, kinds("favourite team"), "Brann", session=session, actor=SYSTEM)
    contacts.edit_fact(ingrid, kinds("team"), "Rosenborg", session=session, actor=SYSTEM)
    contacts.add_fact(ingrid, kinds("birthday"), "1980-03-04", session=session, actor=SYSTEM)
    with pytest.raises(KamError, match="already noted"):
        contacts.add_fact(ingrid, kinds("hometown"), "Oslo", session=session, actor=SYSTEM)
    with pytest.raises(KamError, match="YYYY-MM-DD"):
        contacts.edit_fact(ingrid, kinds("birthday"), "4 March", session=session, actor=SYSTEM)
    with pytest.raises(KamError, match="use one of hometown, team"):
        kinds("shoe size")
    contacts.remove_fact(ingrid, kinds("hometown"), session=session, actor=SYSTEM)
    with pytest.raises(KamError, match="nothing to remove"):
        contacts.remove_fact(ingrid, kinds("hometown"), session=session, actor=SYSTEM)
    notes = personal_notes("Acme", [ingrid], today)
    assert notes == ["Ingrid: supports Rosenborg; into golf; sailing; birthday 4 March (in 3 days)"]


def test_the_profile_is_dated_attributed_refused_whole_and_checked_for_rights(
    session: Session,
) -> None:
    boss = factories.user(session, "maria@example.com", role="manager")
    anna = factories.user(session, "anna@example.com", manager_id=boss.id)
    carl = factories.user(session, "carl@example.com")
    acme = factories.account(session, "Acme", owner_id=anna.id)
    typed = {"relationship_stage": "4", "gross_margin": "32%", "customer_values": "Uptime"}
    set_profile(acme, read_profile(typed), session=session, actor=Actor.of(anna, "cli"))
    set_profile(
        acme, read_profile({"tier_override": "strategic", "tier_override_reason": "Group"}),
        session=session, actor=Actor.of(boss, "slack"),
    )  # fmt: skip
    card = account_card(acme, session=session)
    assert (card.relationship_stage, card.gross_margin, card.tier) == (4, 32.0, "strategic")
    by = {s.field: s.set_by for s in card.profile_set}
    assert by["relationship_stage"] == "anna@example.com" and by["tier_override"] == (
        "maria@example.com"
    )
    assert [line.label for line in profile_lines(card)][:2] == [
        "Relationship stage (1–5)",
        "Gross margin (%)",
    ]

    before = (_events(session), session.exec(select(func.count(ProfileEntry.id))).one())
    bad = [
        ({"relationship_stage": "6"}, "whole number from 1 to 5, not '6'"),
        ({"relationship_stage": "0"}, "whole number from 1 to 5, not '0'"),
        ({"category_spend": "nan"}, "not a number kam can read"),
        ({"cost_to_serve": "1e400"}, "not a number kam can read"),
        ({"replacement_cost": "5e13"}, "cannot be above 1,000,000,000,000"),
        ({"tier_override": "key"}, "needs a reason"),
        ({"financial_health": "3", "stage": "2"}, "no field 'stage'"),
    ]
    for typed, message in bad:
        with pytest.raises(KamError, match=message):
            set_profile(acme, read_profile(typed), session=session, actor=SYSTEM)
    with pytest.raises(Forbidden):
        set_profile(
            acme, read_profile({"financial_health": "2"}), session=session,
            actor=Actor.of(carl, "cli"),
        )  # fmt: skip
    with pytest.raises(Forbidden):
        contacts.add_contact(
            acme, ContactCreate(name="X"), session=session, actor=Actor.of(carl, "cli")
        )
    assert (_events(session), session.exec(select(func.count(ProfileEntry.id))).one()) == before
    assert acme.financial_health is None

    set_profile(acme, read_profile({"tier_override": "auto"}), session=session, actor=SYSTEM)
    assert acme.tier_override is None and acme.tier_override_reason is None


def test_the_cli_verbs_for_contacts_facts_and_the_profile(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.db import open_database

    engine = open_database(db_url)
    with Session(engine) as s:
        anna = factories.user(s, "anna@example.com")
        factories.user(s, "carl@example.com")
        factories.account(s, "Acme Corp", owner_id=anna.id)
        factories.account(s, "Beta AS")
        s.commit()
    engine.dispose()

    def run(*args: str) -> tuple[int, str, str]:
        return kam(capsys, *args, "--db", db_url)

    code, out, err = run("contact", "add", "acme", "Ingrid Berg", "--role", "decision maker",
                         "--as", "anna@example.com", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["buying_role"] == "decision_maker"
    assert run("contact", "add", "acme", "Ola", "--reports-to", "ingrid")[0] == 0
    assert run("contact", "add", "beta", "Sven")[0] == 0
    assert run("fact", "add", "acme", "ingrid", "hometown", "Bergen")[0] == 0
    assert run("fact", "edit", "acme", "ingrid", "hometown", "Oslo")[0] == 0
    code, out, _ = run("account", "set", "acme", "--stage", "3", "--margin", "30%",
                       "--plans", "Sweden", "--as", "anna@example.com", "--json")  # fmt: skip
    printed = json.loads(out)
    assert code == 0 and printed["relationship_stage"] == 3
    assert printed["strategic_plans"] == "Sweden"
    assert printed["profile_set"][0]["set_by"] == "anna@example.com"

    refused = [
        (("contact", "add", "acme", ""), "name is empty"),
        (("contact", "add", "acme", "Per", "--reports-to", "Sven"), "no contact called 'Sven'"),
        (("contact", "add", "acme", "Per", "--role", "boss"), "Unknown buying role 'boss'"),
        (("contact", "edit", "acme", "ola", "--as", "carl@example.com", "--title", "X"),
         "only your own accounts"),
        (("fact", "add", "acme", "ola", "birthday", "soon"), "YYYY-MM-DD"),
        (("fact", "remove", "acme", "ola", "family"), "nothing to remove"),
        (("account", "set", "acme", "--stage", "6"), "not '6'"),
        (("account", "set", "acme", "--stage", "0"), "not '0'"),
        (("account", "set", "acme", "--spend", "inf"), "not a number kam can read"),
        (("account", "set", "acme", "--tier", "key"), "needs a reason"),
    ]  # fmt: skip
    before = run("show", "acme", "--json")[1]
    for args, message in refused:
        code, out, err = run(*args)
        assert code == 1 and message in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1
    assert run("show", "acme", "--json")[1] == before  # nothing changed

    assert run("contact", "retire", "acme", "ola")[0] == 0
    code, out, _ = run("contact", "list", "acme", "--json")
    assert [(c["name"], c["hometown"]) for c in json.loads(out)] == [("Ingrid Berg", "Oslo")]
    code, out, _ = run("show", "acme")
    assert "decision maker" in out and "Their strategic plans" in out and "anna@example.com" in out


def test_the_profile_feeds_the_scores_that_read_it(session: Session) -> None:
    from core.clock import utcnow
    from core.scoring import score_accounts

    twins = [factories.account(session, name) for name in ("Left", "Right")]
    contacts_of_each = [ContactCreate(name="Ingrid", buying_role="decision_maker")] * 2
    for account, person in zip(twins, contacts_of_each, strict=True):
        contacts.add_contact(account, person, session=session, actor=SYSTEM)
    typed = {"relationship_stage": "5", "tier_override": "key", "tier_override_reason": "Group"}
    set_profile(twins[1], read_profile(typed), session=session, actor=SYSTEM)
    scores = {s.account_name: s for s in score_accounts(session=session, now=utcnow())}
    assert scores["Right"].relationship > scores["Left"].relationship
    assert scores["Right"].tier == "key" and scores["Left"].tier != "key"


def test_a_dash_clears_a_contact_detail(session: Session) -> None:
    acme = factories.account(session, "Acme")
    typed = {"name": "Ola", "title": "Buyer", "role": "decision maker", "email": "o@acme.example"}
    ola = contacts.read_contact(acme, typed, session=session)
    assert isinstance(ola, ContactCreate)
    row = contacts.add_contact(acme, ola, session=session, actor=SYSTEM)
    cleared = contacts.read_contact(
        acme, {"title": "-", "role": "-", "email": ""}, session=session, editing=True
    )
    assert isinstance(cleared, ContactUpdate)
    contacts.edit_contact(row, cleared, session=session, actor=SYSTEM)
    assert (row.name, row.title, row.buying_role, row.email) == ("Ola", None, None, None)
    assert not row.decision_maker
