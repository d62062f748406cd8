"""The audit trail, the people on the team, and what people do to plan records (an action
done, a request's outcome, a goal changed) in the TUI, through Pilot on a real SQLite file."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from textual.widgets import DataTable

from core.models import AuditEvent, CustomerRequest, Goal, PlanAction, User
from tests import test_tui
from tests.test_tui import count, error_text, fill, make_app, open_form, settle, shown
from tests.test_tui_people import open_form_here
from tests.test_tui_plan import save
from tui.app import KamApp
from tui.screens.account import AccountScreen
from tui.screens.audit import AuditScreen
from tui.screens.forms import (
    ACTION,
    ACTION_DONE,
    GOAL_EDIT,
    REQUEST,
    REQUEST_OUTCOME,
    USER_DEACTIVATE,
    USER_EDIT,
    FormScreen,
)
from tui.screens.plan import PlanScreen
from tui.screens.portfolio import PortfolioScreen
from tui.screens.users import UsersScreen

portfolio = test_tui.portfolio
SIZE = (120, 40)


def events(engine: Engine) -> int:
    return count(engine, AuditEvent)


def person(engine: Engine, email: str) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(col(User.email) == email)).one()


async def press(app: KamApp, pilot: object, *keys: str) -> object:
    """Press ``keys`` and let what they start finish; the screen on top."""
    await pilot.press(*keys)  # type: ignore[attr-defined]
    await settle(app, pilot)
    await settle(app, pilot)
    return app.screen


async def saved(app: KamApp, pilot: object, key: str, **typed: str) -> FormScreen:
    """Open the form ``key`` on the first account, fill it in with ``typed`` and save it."""
    form = await open_form(app, pilot, key)
    await fill(pilot, form, **typed)
    await save(app, pilot, form)
    return form


def form_of(screen: object, form: object) -> FormScreen:
    assert isinstance(screen, FormScreen) and screen.form is form, screen
    return screen


# -- the audit trail ---------------------------------------------------------------


async def test_an_accounts_history_shows_who_changed_what_newest_first(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await saved(app, pilot, "l", summary="Talked about the renewal")
        account = app.screen
        assert isinstance(account, AccountScreen)
        history = await press(app, pilot, "h")
        assert isinstance(history, AuditScreen)
        assert history.account_id == account.account_id
        assert "newest changes to Acme Corporation, newest first" in shown(
            history, "#list-status", width=120
        )
        newest = history.rows[0]
        assert (newest.action, newest.entity) == ("create", "interactions")
        assert "anna@example.com" in newest.actor
        assert [r.id for r in history.rows] == sorted((r.id for r in history.rows), reverse=True)
        assert all(r.entity != "goals" for r in history.rows)  # only this account's records
        table = history.query_one(DataTable)
        assert table.row_count == len(history.rows) > 1
        assert await press(app, pilot, "escape") is account


async def test_the_whole_trail_is_for_managers_and_admins(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await press(app, pilot, "h")
        assert isinstance(screen, AuditScreen) and not screen.rows
        assert "The whole audit trail is for managers and admins" in shown(
            screen, "#list-status", width=120
        )
        told = [n for n in app._notifications if "whole audit trail" in str(n.message)]
        assert len(told) == 1  # once: Textual runs every class's handler of the worker's end
    app = make_app(portfolio, user="bob@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await press(app, pilot, "h")
        assert isinstance(screen, AuditScreen)
        accounts = {r.entity_id for r in screen.rows if r.entity == "account"}
        assert len(accounts) > 1  # every account's changes, not one's
        assert "newest changes in kam" in shown(screen, "#list-status", width=120)


# -- the people on the team ----------------------------------------------------------


async def at_person(app: KamApp, pilot: object, email: str) -> UsersScreen:
    """The people screen with the cursor on ``email``."""
    screen = app.screen
    if not isinstance(screen, UsersScreen):
        screen = await press(app, pilot, "U")
    assert isinstance(screen, UsersScreen)
    row = [p.email for p in screen.rows].index(email)
    screen.query_one(DataTable).move_cursor(row=row)
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def test_a_manager_changes_and_deactivates_their_team_and_no_one_else(
    portfolio: Engine,
) -> None:
    app = make_app(portfolio, user="bob@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await at_person(app, pilot, "carl@example.com")
        assert [p.email for p in screen.rows] == sorted(p.email for p in screen.rows)
        assert "3 people, 3 active" in shown(screen, "#list-status", width=120)
        before = events(portfolio)
        form = form_of(await press(app, pilot, "e"), USER_EDIT)
        assert form.values()["email"] == "carl@example.com"
        for typed in ({"name": "Carl Olsen"}, {"name": "Carl", "slack_user_id": "U0CARL"}):
            await fill(pilot, form, **typed)
            await save(app, pilot, form)
            assert app.screen is form
            assert "Only an admin, or Carl's manager, may change carl@" in error_text(form)
        await press(app, pilot, "escape")
        assert events(portfolio) == before

        await at_person(app, pilot, "anna@example.com")
        form = form_of(await press(app, pilot, "e"), USER_EDIT)
        assert form.values()["manager"] == "bob@example.com"
        for typed, sentence in (
            ({"role": "admin"}, "only an admin makes someone an admin"),
            ({"role": "am", "email": "anna at example"}, "e-mail"),
            ({"email": "anna@example.com", "timezone": "Mars/Olympus"}, "time zone"),
            ({"timezone": "UTC", "manager": "nobody@example.com"}, "nobody@example.com"),
            ({"manager": "bob@example.com", "slack_user_id": "anna"}, "not a Slack user ID"),
        ):
            await fill(pilot, form, **typed)
            await save(app, pilot, form)
            assert app.screen is form and sentence in error_text(form), error_text(form)
        assert events(portfolio) == before
        await fill(pilot, form, name="Anna Berg", team="North", slack_user_id="U012AB3CD")
        await save(app, pilot, form)
        assert app.screen is screen
        await settle(app, pilot)
        anna = person(portfolio, "anna@example.com")
        assert (anna.name, anna.team, anna.role) == ("Anna Berg", "North", "am")
        assert anna.slack_user_id == "U012AB3CD"
        assert "Anna Berg" in screen.query_one(DataTable).get_row_at(0)[1].plain

        await at_person(app, pilot, "anna@example.com")
        form = form_of(await press(app, pilot, "x"), USER_DEACTIVATE)
        await save(app, pilot, form)
        assert app.screen is screen
        await settle(app, pilot)
        assert not person(portfolio, "anna@example.com").active
        assert "3 people, 2 active" in shown(screen, "#list-status", width=120)


async def test_a_person_changed_without_a_change_is_told_so(portfolio: Engine) -> None:
    app = make_app(portfolio)  # kam's own local tool: may change anyone, as the CLI does
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await at_person(app, pilot, "carl@example.com")
        before = events(portfolio)
        form = form_of(await press(app, pilot, "e"), USER_EDIT)
        await save(app, pilot, form)
        assert "Nothing was changed" in error_text(form)
        await fill(pilot, form, role="manager")
        await save(app, pilot, form)
        assert isinstance(app.screen, UsersScreen)
    assert person(portfolio, "carl@example.com").role == "manager"
    assert events(portfolio) == before + 1


# -- plan records: an action done, a request's outcome, a goal changed ---------------


async def test_an_action_of_the_plan_is_marked_done(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        plan = await press(app, pilot, "enter", "P")
        assert isinstance(plan, PlanScreen)
        await press(app, pilot, "x")
        assert app.screen is plan  # no open action: told, no form
        assert any("No open actions in the plan" in str(n.message) for n in app._notifications)
        form = form_of(await press(app, pilot, "n"), ACTION)
        await fill(pilot, form, what="Agree the EDI pilot", due="2099-04-30")
        await save(app, pilot, form)
        assert app.screen is plan, error_text(form)
        form = form_of(await press(app, pilot, "x"), ACTION_DONE)
        assert form.values()["action"].isdigit()
        await save(app, pilot, form)
        assert app.screen is plan
        await settle(app, pilot)
        assert "2026-03-02" in shown(plan, "#plan-parts", width=120).split("Agree the EDI")[1]
    with Session(portfolio) as session:
        done = session.exec(select(PlanAction)).one()
        assert done.done_at is not None


async def test_an_action_of_someone_elses_account_is_refused(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        plan = await press(app, pilot, "enter", "P")
        form = form_of(await press(app, pilot, "n"), ACTION)
        await fill(pilot, form, what="Agree the EDI pilot", due="2099-04-30")
        await save(app, pilot, form)
        assert app.screen is plan
    before = events(portfolio)
    app = make_app(portfolio, user="carl@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "P")
        form = form_of(await press(app, pilot, "x"), ACTION_DONE)
        await save(app, pilot, form)
        assert app.screen is form and "Acme Corporation" in error_text(form)
    assert events(portfolio) == before
    with Session(portfolio) as session:
        assert session.exec(select(PlanAction)).one().done_at is None


async def test_a_requests_outcome_is_set_on_the_account(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        account = await press(app, pilot, "enter", "x")
        assert isinstance(account, AccountScreen)  # no request yet: told, no form
        assert any("No requests logged yet" in str(n.message) for n in app._notifications)
        form = form_of(await open_form_here(app, pilot, "w"), REQUEST)
        await fill(pilot, form, what="EDI ordering", alternatives="CSV upload")
        await save(app, pilot, form)
        assert app.screen is account
        await settle(app, pilot)
        assert "EDI ordering → offered CSV upload (open)" in shown(account, "#voice", width=120)
        form = form_of(await open_form_here(app, pilot, "x"), REQUEST_OUTCOME)
        before = events(portfolio)
        await fill(pilot, form, outcome="open")
        await save(app, pilot, form)
        assert app.screen is form and "It is open already" in error_text(form)
        assert events(portfolio) == before
        await fill(pilot, form, outcome="alternative", alternatives="SFTP drop")
        await save(app, pilot, form)
        assert app.screen is account
        await settle(app, pilot)
        assert "offered SFTP drop (alternative)" in shown(account, "#voice", width=120)
    with Session(portfolio) as session:
        assert session.exec(select(CustomerRequest)).one().outcome == "alternative"


async def test_a_request_of_someone_elses_account_keeps_its_outcome(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await saved(app, pilot, "w", what="EDI ordering")
    before = events(portfolio)
    app = make_app(portfolio, user="carl@example.com")
    async with app.run_test(size=SIZE) as pilot:
        form = await saved(app, pilot, "x", outcome="lost")
        assert app.screen is form and "Acme Corporation" in error_text(form)
    assert events(portfolio) == before


async def test_a_goal_is_changed_from_the_overview(portfolio: Engine) -> None:
    app = make_app(portfolio, user="bob@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        overview = await press(app, pilot, "p")
        assert isinstance(overview, PortfolioScreen)
        form = form_of(await press(app, pilot, "E"), GOAL_EDIT)
        first = int(form.values()["goal"])
        before = events(portfolio)
        for typed, sentence in (
            ({"target": "nan"}, "A target is a finite number"),
            ({"target": "", "period": "someday"}, "cannot read the period"),
        ):
            await fill(pilot, form, **typed)
            await save(app, pilot, form)
            assert app.screen is form and sentence in error_text(form), error_text(form)
        assert events(portfolio) == before
        await fill(pilot, form, target="350,000", period="2026")
        await save(app, pilot, form)
        assert app.screen is overview
    with Session(portfolio) as session:
        goal = session.get(Goal, first)
        assert goal is not None and (goal.target, goal.period) == (350_000, "2026")


async def test_an_account_manager_may_not_change_a_team_goal(portfolio: Engine) -> None:
    before = events(portfolio)
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "p")
        form = form_of(await press(app, pilot, "E"), GOAL_EDIT)
        await fill(pilot, form, target="1")
        await save(app, pilot, form)
        assert "Only managers and admins set team goals" in error_text(form)
    assert events(portfolio) == before
