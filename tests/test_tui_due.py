"""The due screen and the portfolio overview, driven through Pilot on the scored test portfolio."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.db import open_database, session_scope
from core.demo.maven import load_maven
from core.models import Account, Interaction, Reminder
from core.scoring import rescore
from tests.test_tui import SIZE, fill, make_app, save, settle, shown
from tests.tui_data import NOW, open_copy
from tui.app import KamApp
from tui.screens.due import DueScreen, SnoozeDialog
from tui.screens.forms import LOG_INTERACTION, FormScreen
from tui.screens.portfolio import PortfolioScreen


@pytest.fixture
def portfolio(tui_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = open_copy(tui_template, tmp_path / "kam.db")
    yield engine
    engine.dispose()


async def open_due(app: KamApp, pilot: object) -> DueScreen:
    await settle(app, pilot)
    await pilot.press("d")  # type: ignore[attr-defined]
    await settle(app, pilot)
    assert isinstance(app.screen, DueScreen)
    return app.screen


def titles(screen: DueScreen) -> list[str]:
    return [item.title for item in screen.items]


async def point_at(screen: DueScreen, pilot: object, title: str) -> str:
    """Put the cursor on the item called ``title``; its key."""
    row = titles(screen).index(title)
    screen.query_one("#due-table").move_cursor(row=row)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert screen.current is not None
    return screen.current.key


def reminder(engine: Engine, key: str) -> Reminder | None:
    with Session(engine) as session:
        return session.exec(select(Reminder).where(col(Reminder.key) == key)).first()


def interactions(engine: Engine, account: str) -> list[str]:
    with Session(engine) as session:
        query = (
            select(Interaction.summary)
            .join(Account, col(Account.id) == col(Interaction.account_id))
            .where(col(Account.name) == account)
            .order_by(col(Interaction.occurred_at))
        )
        return list(session.exec(query).all())


CHECK_IN = "Check in with Betasoloin"
THANKS = "Thank Acme Corporation for choosing GTX Plus"
REVIEW = "Quarterly account review with Acme Corporation"
NOTICE = "Tell Acme Corporation: List prices rise 5% from April"


async def test_due_lists_mine_by_priority_with_notes_and_draft(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        # News to tell and a late check-in come before a thank-you, and each says why.
        assert titles(screen)[:3] == [NOTICE, CHECK_IN, THANKS]
        assert screen.items[0].why == "Soon: bad news to tell by Wed 04 Mar"
        assert CHECK_IN in titles(screen)
        assert not any("Dalttechnology" in t for t in titles(screen))  # carl's
        assert "6 due for me" in shown(screen, "#due-status")  # the first scoring onboards none
        detail = shown(screen, "#due-text")
        assert "Ingrid Berg (Head of purchasing): supports Brann; from Bergen" in detail
        assert "Soon: bad news to tell by Wed 04 Mar" in detail
        await point_at(screen, pilot, THANKS)
        assert "How did Brann do this week?" in shown(screen, "#due-text")  # the draft
        await point_at(screen, pilot, CHECK_IN)
        assert "Nothing personal is noted for anyone at Betasoloin" in shown(screen, "#due-text")


async def test_mine_team_everyone(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        mine = titles(screen)
        await pilot.press("m")  # team: anna and bob
        await settle(app, pilot)
        assert screen.scope == "team"
        assert set(mine) <= set(titles(screen))
        assert not any("Dalttechnology" in t for t in titles(screen))
        await pilot.press("m")  # everyone
        await settle(app, pilot)
        assert "Keep your promise at Dalttechnology: Fix the invoice" in titles(screen)
        assert "everyone" in shown(screen, "#due-status")
        owners = {screen.owners.get(i.user_id or 0) for i in screen.items}
        assert {"anna", "carl"} <= owners


async def test_done_ticks_it_off_and_logs_the_check_in(portfolio: Engine) -> None:
    before = interactions(portfolio, "Betasoloin")
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        count = len(screen.items)
        key = await point_at(screen, pilot, CHECK_IN)
        await pilot.press("x")
        await settle(app, pilot)
        assert CHECK_IN not in titles(screen)
        assert len(screen.items) == count - 1
        assert any(n.message == "Done." for n in app._notifications)
    row = reminder(portfolio, key)
    assert row is not None and row.state == "done"
    assert interactions(portfolio, "Betasoloin") == [*before, f"Checked in ({CHECK_IN})"]


@pytest.mark.parametrize(("press", "length"), [("1", 1), ("3", 3), ("w", 7)])
async def test_snooze_puts_it_away(portfolio: Engine, press: str, length: int) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        key = await point_at(screen, pilot, REVIEW)
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, SnoozeDialog)
        await pilot.press(press)
        await settle(app, pilot)
        assert app.screen is screen
        assert REVIEW not in titles(screen)
    row = reminder(portfolio, key)
    assert row is not None and row.state == "snoozed"
    assert row.snoozed_until == NOW + timedelta(days=length)
    # it comes back when the snooze is over
    later = make_app(portfolio, user="anna@example.com")
    later.service.clock = lambda: NOW + timedelta(days=length, minutes=1)
    async with later.run_test(size=SIZE) as pilot:
        screen = await open_due(later, pilot)
        assert REVIEW in titles(screen)


async def test_snooze_until_a_typed_moment_and_a_bad_one(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        key = await point_at(screen, pilot, CHECK_IN)
        await pilot.press("z")
        await settle(app, pilot)
        await pilot.click("#until")
        await pilot.press(*"someday maybe", "enter")
        await settle(app, pilot)
        assert CHECK_IN in titles(screen)  # nothing changed
        assert any("someday maybe" in str(n.message) for n in app._notifications)
        assert reminder(portfolio, key) is None
        await pilot.press("z")
        await settle(app, pilot)
        await pilot.click("#until")
        await pilot.press(*"2026-03-20 09:00", "enter")
        await settle(app, pilot)
        assert CHECK_IN not in titles(screen)
    row = reminder(portfolio, key)
    assert row is not None and row.state == "snoozed" and row.snoozed_until is not None
    assert row.snoozed_until.date().isoformat() == "2026-03-20"


async def test_cancelled_snooze_changes_nothing(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        key = await point_at(screen, pilot, CHECK_IN)
        await pilot.press("z", "escape")
        await settle(app, pilot)
        assert app.screen is screen and CHECK_IN in titles(screen)
    assert reminder(portfolio, key) is None


async def test_logging_from_the_due_list_resolves_the_check_in(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        await point_at(screen, pilot, CHECK_IN)
        await pilot.press("l")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.form is LOG_INTERACTION
        assert form.opening.subject == "Betasoloin"
        await fill(pilot, form, summary="Talked about the renewal")
        await save(app, pilot, form)
        assert app.screen is screen
        assert CHECK_IN not in titles(screen)
        assert "Keep your promise at Betasoloin: Send the revised quote" in titles(screen)
        await pilot.press("escape")  # the portfolio table shows the new last contact
        await settle(app, pilot)
        rows = {r.name: r for r in app.accounts.index.rows}  # type: ignore[union-attr]
        assert rows["Betasoloin"].last_contact == NOW
    assert interactions(portfolio, "Betasoloin")[-1] == "Talked about the renewal"


async def test_someone_elses_item_is_refused_in_one_line(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        await pilot.press("m", "m")  # everyone's
        await settle(app, pilot)
        title = "Keep your promise at Dalttechnology: Fix the invoice"
        key = await point_at(screen, pilot, title)
        await pilot.press("x")
        await settle(app, pilot)
        assert title in titles(screen)
        assert any("someone else's" in str(n.message) for n in app._notifications)
    assert reminder(portfolio, key) is None


async def test_enter_opens_the_items_account(portfolio: Engine) -> None:
    from tui.screens.account import AccountScreen

    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        await point_at(screen, pilot, CHECK_IN)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.card is not None and app.screen.card.name == "Betasoloin"


async def test_overview_shows_the_real_figures(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        assert screen.overview is not None
        assert screen.overview.scored == 6
        points = {q: len(xs) for q, (xs, _) in screen.overview.points.items()}
        assert points == {"strategic": 1, "develop": 1, "maintain": 1, "serve_efficiently": 3}
        concentration = shown(screen, "#concentration")
        assert "HHI" in concentration and "critical" in concentration
        assert "CR5" in concentration and "100%" in concentration
        assert "Acme Corporation brings" in concentration  # the flag over 15%
        counts = shown(screen, "#tiers")
        assert "tier strategic" in counts and "health red" in counts
        assert "no team or manager" in shown(screen, "#capacity")
        assert "CLV" in shown(screen, "#value")
        goals = shown(screen, "#goals", width=120)
        assert "Revenue" in goals and "300k" in goals and "226k" in goals and "behind" in goals
        assert "happiness" in goals  # a goal kam cannot read is listed, with why
        await pilot.press("escape")
        assert app.screen is app.accounts


async def test_overview_of_an_empty_portfolio(tmp_path: Path) -> None:
    from core.db import open_database

    engine = open_database(f"sqlite:///{tmp_path}/empty.db", create=True)
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen) and screen.overview is not None
        assert screen.overview.scored == 0
        assert "no won revenue" in shown(screen, "#concentration")
        assert "no goals set" in shown(screen, "#goals")
    engine.dispose()


async def test_logging_a_thank_you_from_the_due_list_answers_it(portfolio: Engine) -> None:
    from textual.widgets import Select

    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        await point_at(screen, pilot, THANKS)
        await pilot.press("l")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.form is LOG_INTERACTION
        assert form.query_one("#f-kind", Select).value == "thank_you"
        await fill(pilot, form, summary="Sent Ingrid a note about GTX Plus")
        await save(app, pilot, form)
        assert app.screen is screen
        assert THANKS not in titles(screen)
    assert interactions(portfolio, "Acme Corporation")[-1] == "Sent Ingrid a note about GTX Plus"


async def test_due_actions_are_in_the_command_palette(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_due(app, pilot)
        await point_at(screen, pilot, REVIEW)
        await pilot.press("ctrl+p", *"Snooze")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SnoozeDialog)
        await pilot.press("w")
        await settle(app, pilot)
        assert REVIEW not in titles(screen)


async def test_the_real_demo_overview_uses_the_whole_matrix_and_says_what_the_forecast_fits(
    tmp_path: Path,
) -> None:
    engine = open_database(f"sqlite:///{tmp_path}/demo.db", create=True)
    with session_scope(engine) as session:
        load_maven(session=session, now=NOW)
    with session_scope(engine) as session:
        rescore(session=session, now=NOW)
    app = make_app(engine)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("p")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, PortfolioScreen) and screen.overview is not None
            used = [q for q, (xs, _) in screen.overview.points.items() if xs]
            assert len(used) > 2
            value = shown(screen, "#value", width=120)
            assert "forecast, next 12m" in value and "10 months" in value.split("fitted to")[1]
    finally:
        engine.dispose()
