"""One rule for "my team": the lead is whoever manages someone or has no manager, else
their manager; the team is the lead and everyone who reports to the lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core.checkins import due_items
from core.models import InteractionCreate, Role, User
from core.services.interactions import log_interaction
from core.teams import Team, team_leads, team_of
from tests import factories

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _org(session: Session) -> dict[str, User]:
    """Vera heads sales; Maja manages Anna and Olle and reports to Vera; Zed works alone."""
    vera = factories.user(session, "vera@example.com", role=Role.ADMIN)
    maja = factories.user(session, "maja@example.com", role=Role.MANAGER, manager_id=vera.id)
    anna = factories.user(session, "anna@example.com", manager_id=maja.id)
    olle = factories.user(session, "olle@example.com", manager_id=maja.id)
    zed = factories.user(session, "zed@example.com")
    session.commit()
    return {"vera": vera, "maja": maja, "anna": anna, "olle": olle, "zed": zed}


def _ids(people: dict[str, User], *names: str) -> frozenset[int]:
    return frozenset(people[n].id or 0 for n in names)


def test_a_manager_leads_their_reports_and_a_report_shares_the_managers_team(
    session: Session,
) -> None:
    people = _org(session)
    maja_team = Team(
        lead_id=people["maja"].id or 0, member_ids=_ids(people, "maja", "anna", "olle")
    )
    assert team_of(people["maja"].id or 0, session=session) == maja_team
    assert team_of(people["anna"].id or 0, session=session) == maja_team
    assert team_of(people["olle"].id or 0, session=session) == maja_team


def test_someone_who_manages_leads_even_with_a_manager_and_the_top_leads_too(
    session: Session,
) -> None:
    people = _org(session)
    vera = team_of(people["vera"].id or 0, session=session)
    assert vera == Team(lead_id=people["vera"].id or 0, member_ids=_ids(people, "vera", "maja"))
    zed = team_of(people["zed"].id or 0, session=session)
    assert zed == Team(lead_id=people["zed"].id or 0, member_ids=_ids(people, "zed"))


def test_the_due_list_of_a_team_is_the_same_for_the_manager_and_each_report(
    session: Session,
) -> None:
    people = _org(session)
    for name, owner in (("Acme", "anna"), ("Bolt", "olle"), ("Crux", "maja"), ("Zeta", "zed")):
        account = factories.account(session, name, owner_id=people[owner].id)
        account.created_at = NOW - timedelta(days=400)
        call = InteractionCreate(summary="Quarterly call", occurred_at=NOW - timedelta(days=200))
        log_interaction(account, call, session=session, actor=factories.SYSTEM, now=NOW)
    session.commit()

    def team_accounts(name: str) -> set[str]:
        items = due_items(session=session, now=NOW, team_of=people[name].id)
        return {i.account_name for i in items}

    assert team_accounts("maja") == {"Acme", "Bolt", "Crux"}
    assert team_accounts("anna") == team_accounts("olle") == team_accounts("maja")
    assert team_accounts("zed") == {"Zeta"}


def test_the_whole_teams_leads_follow_the_same_rule_as_team_of(session: Session) -> None:
    people = _org(session)
    managers = {u.id or 0: u.manager_id for u in people.values()}
    leads = team_leads(managers)
    for person in people.values():
        assert leads[person.id or 0] == team_of(person.id or 0, session=session).lead_id
