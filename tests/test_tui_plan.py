"""The TUI's request, goal, plan and review forms and the plan screen, through Pilot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.widgets import Button

from core.models import CustomerRequest, Goal, Interaction, PlanObjective, Review
from tests.test_tui import count, error_text, fill, make_app, open_form, settle, shown
from tests.tui_data import open_copy
from tui.app import KamApp
from tui.screens.forms import GOAL, OBJECTIVE, REQUEST, REVIEW, FormScreen
from tui.screens.plan import PlanScreen
from tui.screens.portfolio import PortfolioScreen

SIZE = (100, 40)


@pytest.fixture
def portfolio(tui_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = open_copy(tui_template, tmp_path / "kam.db")
    yield engine
    engine.dispose()


async def save(app: KamApp, pilot: object, form: FormScreen) -> None:
    """Save, then wait until the form has closed or shown its refusal: on a busy machine
    the save's thread can still be running when the click returns."""
    button = form.query_one("#save", Button)
    while button.has_class("-active"):  # a press is ignored while the last one shows
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    await pilot.click("#save")  # type: ignore[attr-defined]
    for _ in range(200):
        if app.screen is not form or not form.query_one("#save", Button).disabled:
            break
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    await settle(app, pilot)


async def test_a_request_is_logged_from_the_account(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "w")
        assert isinstance(form, FormScreen) and form.form is REQUEST
        await fill(pilot, form, what="  ")
        await save(app, pilot, form)
        assert app.screen is form and "The request is empty" in error_text(form)
        await fill(pilot, form, what="EDI ordering", alternatives="CSV upload")
        await save(app, pilot, form)
        assert app.screen is not form
    assert count(portfolio, CustomerRequest) == 1


async def test_the_plan_screen_writes_objectives_and_reviews(portfolio: Engine) -> None:
    reviews, touches = count(portfolio, Review), count(portfolio, Interaction)
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "P")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        assert "Acme Corporation (strategic): account plan" in shown(screen, "#plan-parts")
        assert "Contacts per account" in shown(screen, "#scorecard")
        await pilot.press("o")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.form is OBJECTIVE
        await fill(pilot, form, metric="csat", target="nan", due="2099-03-31")
        await save(app, pilot, form)
        assert "A target is a finite number" in error_text(form)
        await fill(pilot, form, target="4.5", due="2020-01-01")
        await save(app, pilot, form)
        assert "has passed" in error_text(form)
        assert count(portfolio, PlanObjective) == 0
        await fill(pilot, form, due="2099-03-31")
        await save(app, pilot, form)
        await settle(app, pilot)
        assert app.screen is screen
        assert "CSAT (average)" in shown(screen, "#plan-parts")
        await pilot.press("v")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, FormScreen) and review.form is REVIEW
        await fill(pilot, review, participants="Anna; their CFO", progress="on track")
        await save(app, pilot, review)
        await settle(app, pilot)
        assert "Last review 2026-03-02 with Anna; their CFO" in shown(screen, "#plan-parts")
    assert count(portfolio, Review) == reviews + 1
    assert count(portfolio, Interaction) == touches + 1


async def test_a_goal_is_set_from_the_overview(portfolio: Engine) -> None:
    goals = count(portfolio, Goal)
    app = make_app(portfolio, user="bob@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("G")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.form is GOAL
        await fill(pilot, form, metric="nps", target="40", scope="tier", of="gold")
        await save(app, pilot, form)
        assert "A tier goal names a tier" in error_text(form)
        await fill(pilot, form, of="key", period="2026")
        await save(app, pilot, form)
        assert isinstance(app.screen, PortfolioScreen)
    assert count(portfolio, Goal) == goals + 1
