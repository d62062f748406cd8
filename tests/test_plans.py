"""Requests, goals, account plans and reviews: through core, and through the CLI.

Each record is written by its core service with its input rules, rights and audit;
the CLI is a thin call into the same services, so bad input reads the same there
and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from core.actors import Actor
from core.clock import utcnow
from core.errors import Forbidden, KamError
from core.models import (
    Account,
    AccountUpdate,
    AuditEvent,
    ContactCreate,
    CustomerRequestCreate,
    GoalCreate,
    GoalScope,
    GoalUpdate,
    PlanActionCreate,
    PlanObjectiveCreate,
    PlanRiskCreate,
    RequestOutcome,
    Role,
    Tier,
    User,
)
from core.services import goals, plans
from core.services.accounts import update_account
from core.services.contacts import add_contact
from core.services.requests import add_request, set_outcome
from core.views.plan import SCORECARD, account_plan
from core.views.requests import request_gaps, request_rows
from tests import factories
from tests.test_cli import kam
from tests.test_import import dump

SYSTEM = factories.SYSTEM
AHEAD = utcnow().date() + timedelta(days=90)


def _team(session: Session) -> tuple[User, User, Account, Account]:
    """A manager, her account manager, a key account (by override) and a standard one."""
    boss = factories.user(session, "maja@example.com", role=Role.MANAGER, team="Nordics")
    anna = factories.user(session, "anna@example.com", manager_id=boss.id, team="Nordics")
    acme = factories.account(session, "Acme", owner_id=anna.id)
    key = AccountUpdate(tier_override=Tier.KEY, tier_override_reason="Board decision")
    update_account(acme, key, session=session, actor=SYSTEM)
    small = factories.account(session, "Small Co", owner_id=anna.id)
    cfo = ContactCreate(name="Erik Lund", title="CFO", decision_maker=True)
    add_contact(acme, cfo, session=session, actor=SYSTEM)
    add_contact(acme, ContactCreate(name="Ola Buyer", title="Buyer"), session=session, actor=SYSTEM)
    session.commit()
    return boss, anna, acme, small


def test_requests_are_listed_per_account_and_ranked_by_gap(session: Session) -> None:
    _, anna, acme, small = _team(session)
    as_anna = Actor.of(anna, "test")
    blue = add_request(
        acme, CustomerRequestCreate(what="A blue model"), session=session, actor=as_anna
    )
    add_request(small, CustomerRequestCreate(what=" a blue MODEL"), session=session, actor=as_anna)
    add_request(small, CustomerRequestCreate(what="EDI ordering"), session=session, actor=as_anna)
    with pytest.raises(KamError, match="NUL character"):
        set_outcome(blue, RequestOutcome.LOST, session=session, actor=as_anna, alternatives="a\x00")
    set_outcome(
        blue, RequestOutcome.ALTERNATIVE, session=session, actor=as_anna, alternatives="Teal"
    )
    session.commit()
    [first, second] = request_gaps(session=session)
    assert (first.asked, first.accounts, first.alternative, first.open) == (2, 2, 1, 1)
    assert second.what == "EDI ordering" and second.asked == 1
    [row] = request_rows(session=session, account=acme)
    assert (row.outcome, row.alternatives, row.by) == ("alternative", "Teal", "anna@example.com")
    trail = select(AuditEvent.action).where(AuditEvent.entity == "requests")
    assert session.exec(trail.order_by(col(AuditEvent.id))).all() == ["create"] * 3 + ["update"]


def test_goals_are_checked_by_one_rule_and_team_goals_are_for_managers(session: Session) -> None:
    boss, anna, _, _ = _team(session)
    as_anna, as_boss = Actor.of(anna, "test"), Actor.of(boss, "test")
    tier_goal = GoalCreate(
        metric="NPS", target=30, scope=GoalScope.TIER, scope_ref="Key", period="2026"
    )
    with pytest.raises(Forbidden, match="Only managers and admins"):
        goals.add_goal(tier_goal, session=session, actor=as_anna)
    stored = goals.add_goal(tier_goal, session=session, actor=as_boss)
    assert (stored.metric, stored.scope_ref) == ("nps", "key")
    mine = GoalCreate(
        metric="csat", target=4.5, scope=GoalScope.ACCOUNT, scope_ref="acme", period="12m"
    )
    assert goals.add_goal(mine, session=session, actor=as_anna).scope_ref == "Acme"
    for bad, message in (
        ({"metric": "happiness"}, "kam does not measure 'happiness'"),
        ({"period": "next year"}, "cannot read the period"),
        ({"scope": "team", "scope_ref": "Martians"}, "No one is in a team called 'Martians'"),
        ({"scope_ref": "Nowhere Ltd"}, "No account matches"),
    ):
        with pytest.raises(KamError, match=message):
            goals.add_goal(mine.model_copy(update=bad), session=session, actor=as_boss)
    with pytest.raises(KamError, match="finite number"):
        GoalUpdate(target=float("nan"))
    goals.edit_goal(stored, GoalUpdate(target=40), session=session, actor=as_boss)
    goals.remove_goal(stored, session=session, actor=as_boss)
    session.commit()
    assert [g.metric for g in goals.list_goals(session=session)] == ["csat"]
    trail = select(AuditEvent.action).where(AuditEvent.entity == "goals")
    assert session.exec(trail.order_by(col(AuditEvent.id))).all() == [
        "create",
        "create",
        "update",
        "delete",
    ]


def test_a_plan_is_for_key_accounts_and_shows_its_parts_and_scorecard(session: Session) -> None:
    boss, anna, acme, small = _team(session)
    as_anna = Actor.of(anna, "test")
    aim = PlanObjectiveCreate(metric="contact coverage", target=4, due_on=AHEAD)
    with pytest.raises(KamError, match="Small Co is standard"):
        plans.add_objective(small, aim, session=session, actor=as_anna)
    plans.add_objective(acme, aim, session=session, actor=as_anna)
    step = PlanActionCreate(what="Meet the board", due_on=AHEAD)
    action = plans.add_action(acme, step, session=session, actor=as_anna, owner_email=boss.email)
    plans.add_risk(acme, PlanRiskCreate(what="Rival bid"), session=session, actor=as_anna)
    plans.complete_action(action, session=session, actor=as_anna)
    session.commit()
    plan = account_plan(acme, session=session)
    [objective] = plan.objectives
    assert objective.measure.metric == "contact_coverage"
    assert (objective.measure.actual, objective.measure.target) == (2.0, 4.0)
    assert objective.measure.status == "behind"
    assert [(a.owner, a.done_at is not None) for a in plan.actions] == [(boss.email, True)]
    assert [(c.name, c.role, c.title) for c in plan.buying_centre] == [
        ("Erik Lund", "decision maker", "CFO"),
        ("Ola Buyer", None, "Buyer"),
    ]
    assert [m.metric for m in plan.scorecard] == list(SCORECARD)
    assert plan.scorecard[0].target == 4.0 and plan.scorecard[1].target is None
    assert plan.last_review is None and plan.tier == "key"
    json.dumps(plan.as_json(), allow_nan=False)
    removed = plans.get_part("risk", plan.risks[0].id or 0, account=acme, session=session)
    plans.remove_part(removed, session=session, actor=as_anna)
    with pytest.raises(KamError, match="has no action 99"):
        plans.get_part("action", 99, account=acme, session=session)
    session.commit()
    assert account_plan(acme, session=session).risks == []


def test_a_part_of_the_plan_or_a_goal_with_a_used_key_is_the_one_stored(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same request reaching kam twice, the second in a session of its own (a retry after
    a restart, a second bot process): the first record comes back and nothing is written."""
    _, anna, acme, _ = _team(session)
    as_anna = Actor.of(anna, "test")
    writers: dict[str, Callable[[Session, str], Any]] = {
        "plan_objectives": lambda s, k: plans.add_objective(
            acme,
            PlanObjectiveCreate(metric="csat", target=4.5, due_on=AHEAD, idempotency_key=k),
            session=s,
            actor=as_anna,
        ),
        "plan_actions": lambda s, k: plans.add_action(
            acme,
            PlanActionCreate(what="Meet the board", due_on=AHEAD, idempotency_key=k),
            session=s,
            actor=as_anna,
        ),
        "plan_risks": lambda s, k: plans.add_risk(
            acme, PlanRiskCreate(what="Rival bid", idempotency_key=k), session=s, actor=as_anna
        ),
        "goals": lambda s, k: goals.add_goal(
            GoalCreate(
                metric="csat", target=4.5, scope=GoalScope.ACCOUNT, scope_ref="Acme",
                period="2026", idempotency_key=k,
            ),
            session=s,
            actor=as_anna,
        ),
    }  # fmt: skip
    engine = session.get_bind()

    def stored() -> dict[str, int]:
        with Session(engine) as s:
            tables = [*writers, "audit_events"]
            return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}

    for table, write in writers.items():
        first = write(session, f"slack:view:V-{table}")
        session.commit()
        before = stored()
        with Session(engine) as other:
            again = write(other, f"slack:view:V-{table}")
            other.commit()
            assert (type(again), again.id) == (type(first), first.id), table
        assert stored() == before, table
        with Session(engine) as other:
            assert write(other, f"slack:view:W-{table}").id != first.id, table
    # two processes at once: the twin's key is stored after this one looked for it
    monkeypatch.setattr(goals, "earlier", lambda *_, **__: None)
    before = stored()
    assert writers["goals"](session, "slack:view:V-goals").idempotency_key == "slack:view:V-goals"
    session.commit()
    assert stored() == before


def test_a_goal_changed_to_what_it_says_writes_nothing(session: Session) -> None:
    boss, _, _, _ = _team(session)
    as_boss = Actor.of(boss, "test")
    aim = GoalCreate(metric="nps", target=30, scope=GoalScope.TIER, scope_ref="key", period="2026")
    goal = goals.add_goal(aim, session=session, actor=as_boss)
    for _ in range(2):  # the edit form sent twice
        goals.edit_goal(goal, GoalUpdate(target=40), session=session, actor=as_boss)
    goals.edit_goal(goal, GoalUpdate(metric="NPS", scope_ref="Key"), session=session, actor=as_boss)
    session.commit()
    trail = select(AuditEvent.action).where(AuditEvent.entity == "goals")
    assert session.exec(trail.order_by(col(AuditEvent.id))).all() == ["create", "update"]
    assert goals.get_goal(goal.id or 0, session=session).target == 40


@pytest.fixture
def team_db(db_url: str, engine: Engine) -> Iterator[str]:
    with Session(engine) as session:
        _team(session)
    yield db_url


def test_the_cli_records_a_day_of_work(capsys: pytest.CaptureFixture[str], team_db: str) -> None:
    def run(*args: str) -> str:
        code, out, err = kam(capsys, *args, "--db", team_db)
        assert code == 0, err
        return out

    as_anna = ("--as", "anna@example.com")
    run("request", "add", "Acme", "A blue model", "--alternatives", "Offered teal", *as_anna)
    run("request", "add", "Small Co", "a blue model", "--outcome", "lost")
    [gap] = json.loads(run("request", "gaps", "--json"))
    assert (gap["asked"], gap["lost"]) == (2, 1)
    [row] = json.loads(run("request", "list", "Acme", "--json"))
    assert row["alternatives"] == "Offered teal" and row["by"] == "anna@example.com"
    goal = json.loads(
        run("goal", "add", "csat", "4.5", "--scope", "account", "--of", "Acme", "--json", *as_anna)
    )
    run("goal", "edit", str(goal["id"]), "--target", "4.8")
    assert json.loads(run("goal", "list", "--json"))[0]["target"] == 4.8
    run("plan", "objective", "Acme", "csat", "4.5", "--due", AHEAD.isoformat(), *as_anna)
    run("plan", "action", "Acme", "Map the buying centre", "--due", "in 2 weeks", *as_anna)
    run("plan", "risk", "Acme", "A rival's bid", "--mitigation", "Three-year terms", *as_anna)
    run("plan", "done", "Acme", "1", *as_anna)
    run("review", "add", "Acme", "--with", "Anna; Erik Lund", "--progress", "On track", *as_anna)
    plan = json.loads(run("plan", "show", "acme", "--json"))
    assert plan["objectives"][0]["measure"]["target"] == 4.5
    assert plan["actions"][0]["done_at"] and plan["risks"][0]["mitigation"] == "Three-year terms"
    assert plan["last_review"]["participants"] == "Anna; Erik Lund"
    assert "Scorecard" in run("plan", "show", "Acme")
    run("goal", "remove", str(goal["id"]))
    assert json.loads(run("goal", "list", "--json")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["request", "add", "Acme", "  "], "The request is empty"),
        (["request", "add", "Acme", "x", "--outcome", "maybe"], "Unknown outcome 'maybe'"),
        (["goal", "add", "nps", "nan"], "A target is a finite number"),
        (["goal", "add", "nps", "1e400"], "A target is a finite number"),
        (["goal", "add", "mood", "3"], "kam does not measure 'mood'"),
        (
            [
                "goal",
                "add",
                "nps",
                "30",
                "--scope",
                "tier",
                "--of",
                "key",
                "--as",
                "anna@example.com",
            ],
            "Only managers",
        ),
        (["plan", "objective", "Acme", "csat", "4", "--due", "2020-01-01"], "has passed"),
        (
            ["plan", "objective", "Small Co", "csat", "4", "--due", "2099-01-01"],
            "Small Co is standard",
        ),
        (["plan", "action", "Acme", " ", "--due", "2099-01-01"], "The action is empty"),
        (["review", "add", "Acme", "--with", "Anna", "--on", "2099-01-01"], "is still ahead"),
        (["review", "add", "Small Co", "--with", "Anna"], "Small Co is standard"),
        (["review", "add", "Acme", "--with", " "], "participants is empty"),
    ],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], team_db: str, args: list[str], message: str
) -> None:
    before = dump(team_db)
    code, _, err = kam(capsys, *args, "--db", team_db)
    assert code == 1 and message in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert dump(team_db) == before


def test_an_account_manager_cannot_plan_someone_elses_account(
    capsys: pytest.CaptureFixture[str], team_db: str
) -> None:
    assert kam(capsys, "users", "add", "bo@example.com", "Bo", "--db", team_db)[0] == 0
    before = dump(team_db)
    code, _, err = kam(
        capsys, "plan", "risk", "Acme", "x", "--as", "bo@example.com", "--db", team_db
    )
    assert code == 1 and "only your own accounts" in err
    assert dump(team_db) == before
