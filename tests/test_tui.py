"""The terminal UI driven through Textual's Pilot on a real SQLite file."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.worker import WorkerFailed

from core.models import Commitment, Feedback, Interaction, Notice, Order, User
from tests.tui_data import NOW, open_copy
from tests.typed_numbers import NOT_NUMBERS
from tui.app import KamApp
from tui.format import money
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen
from tui.screens.forms import (
    COMMITMENT,
    FEEDBACK,
    LOG_INTERACTION,
    NOTICE,
    ORDER,
    WORKING_HOURS,
    Form,
    FormScreen,
)
from tui.screens.help import HelpScreen
from tui.service import PortfolioService
from tui.widgets.portfolio_table import PortfolioTable

SIZE = (80, 24)


@pytest.fixture
def portfolio(tui_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = open_copy(tui_template, tmp_path / "kam.db")
    yield engine
    engine.dispose()


def make_app(engine: Engine, user: str | None = None) -> KamApp:
    return KamApp(PortfolioService(engine, user_email=user, clock=lambda: NOW))


def showing(app: KamApp, form: Form) -> bool:
    """Whether ``form`` is the screen on top."""
    return isinstance(app.screen, FormScreen) and app.screen.form is form


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


async def settle(app: KamApp, pilot: object) -> None:
    """Let every worker finish and its messages land.

    A form's save that kam refuses ends its worker in error on purpose (the form shows
    the refusal, ``exit_on_error=False``); a worker still listed when the wait starts
    would raise that refusal here, so it is left to the form to show.
    """
    for _ in range(2):
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


def table(app: KamApp) -> PortfolioTable:
    return app.accounts.query_one(PortfolioTable)


def shown(screen: Screen[Any], selector: str, width: int = 100) -> str:
    """The text a Static on ``screen`` shows, rendered as the terminal would."""
    content = screen.query_one(selector, Static).content
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


async def test_opens_on_the_portfolio_a_to_z(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, AccountsScreen)
        names = table(app).visible_names()
        assert names[:3] == ["Acme Corporation", "Betasoloin", "Cancity"]
        assert table(app).row_count == 6


async def test_sorting_by_key_and_by_clicking_a_heading(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("S")  # reverse: smallest revenue first
        await settle(app, pilot)
        assert table(app).visible_names()[0] == "Hottechi"
        await pilot.click(PortfolioTable, offset=(2, 0))  # the "Account" heading
        await settle(app, pilot)
        assert app.accounts.portfolio_query.sort == "name"
        assert table(app).visible_names() == sorted(table(app).visible_names())
        await pilot.click(PortfolioTable, offset=(2, 0))  # again: reversed
        await settle(app, pilot)
        assert table(app).visible_names()[0] == "Hottechi"
        await pilot.press("s")  # next column after name: tier
        await settle(app, pilot)
        assert app.accounts.portfolio_query.sort == "tier"
        assert table(app).visible_names()[0] == "Acme Corporation"


async def test_filter_as_you_type_and_by_tier_quadrant_band(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", "r", "e", "t")  # "ret": the retail sector
        await settle(app, pilot)
        assert sorted(table(app).visible_names()) == ["Cancity", "Ganjaflex"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert table(app).row_count == 6
        await pilot.press("t")  # tier: strategic
        await settle(app, pilot)
        assert table(app).visible_names() == ["Acme Corporation"]
        await pilot.press("t", "t")  # growth
        await settle(app, pilot)
        assert table(app).visible_names() == ["Cancity"]
        await pilot.press("t", "t", "g", "g", "g", "g")  # tier any, quadrant serve efficiently
        await settle(app, pilot)
        assert sorted(table(app).visible_names()) == ["Dalttechnology", "Ganjaflex", "Hottechi"]
        await pilot.press("g", "b", "b")  # quadrant any, band yellow
        await settle(app, pilot)
        assert table(app).visible_names() == ["Hottechi"]
        await pilot.press("b")  # band green
        await settle(app, pilot)
        assert sorted(table(app).visible_names()) == [
            "Acme Corporation",
            "Betasoloin",
            "Cancity",
            "Ganjaflex",
        ]


async def test_mine_and_team_toggle(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert sorted(table(app).visible_names()) == ["Acme Corporation", "Betasoloin"]
        await pilot.press("m")  # team: anna and her manager bob
        await settle(app, pilot)
        assert sorted(table(app).visible_names()) == ["Acme Corporation", "Betasoloin", "Ganjaflex"]
        await pilot.press("m")
        await settle(app, pilot)
        assert table(app).row_count == 6


async def test_mine_without_knowing_who_says_how(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert table(app).row_count == 6
        assert any("--as EMAIL" in str(n.message) for n in app._notifications)


async def test_opening_an_account_shows_its_card(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.card is not None
        assert screen.card.name == "Acme Corporation"
        contacts = shown(screen, "#contacts")
        assert "Ingrid Berg" in contacts and "hometown: Bergen" in contacts
        trend = screen.card.health_trend  # against last week's snapshot
        assert trend is not None and trend.change == pytest.approx(7.5)
        assert screen.scores is not None
        assert screen.scores.scored_at == NOW  # the stored run every screen shows, explained
        value = screen.scores.breakdown.value
        assert value.share_of_wallet == pytest.approx(130_000 / 480_000, abs=1e-4)
        summary = shown(screen, "#summary")
        assert "Share of wallet 27% of 480k" in summary
        assert f"CLV {money(value.clv)}" in summary
        scores = shown(screen, "#scores")
        assert "Why these scores (scored 2026-03-02 12:00 UTC)" in scores
        assert "Customer's annual revenue" in scores
        assert "80.00M" in scores  # the raw value beside its points
        await pilot.press("escape")
        assert isinstance(app.screen, AccountsScreen)


async def open_form(app: KamApp, pilot: object, key: str) -> FormScreen:
    await settle(app, pilot)
    await pilot.press("enter", key)  # type: ignore[attr-defined]
    await settle(app, pilot)
    await settle(app, pilot)
    assert isinstance(app.screen, FormScreen)
    return app.screen


async def save(app: KamApp, pilot: object, form: FormScreen) -> None:
    """Click Save, and let the save finish.

    A Textual button ignores a press while it still shows the last one (its
    0.2 s "-active" effect): after a refused save a test, unlike a person,
    clicks again within that time, and the click would be lost.
    """
    button = form.query_one("#save", Button)
    while button.has_class("-active"):
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    await pilot.click("#save")  # type: ignore[attr-defined]
    await settle(app, pilot)


async def fill(pilot: object, form: FormScreen, **values: str) -> None:
    for name, value in values.items():
        widget = form.query_one(f"#f-{name}")
        widget.value = value  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def error_text(form: FormScreen) -> str:
    return str(form.query_one("#form-error").render())


FORM_CASES = [
    # key, form class, model, invalid values, the error's gist, valid values
    (
        "l",
        LOG_INTERACTION,
        Interaction,
        {"summary": "  "},
        "summary is empty",
        {"summary": "Talked renewal", "when": "yesterday"},
    ),
    (
        "l",
        LOG_INTERACTION,
        Interaction,
        {"summary": "x", "when": "someday maybe"},
        "Cannot read",
        {"summary": "Visited", "kind": "visit"},
    ),
    (
        "c",
        COMMITMENT,
        Commitment,
        {"what": "Send the price list", "due": "blurgh"},
        "Cannot read",
        {"what": "Send the price list", "due": "2026-03-10"},
    ),
    (
        "c",
        COMMITMENT,
        Commitment,
        {"what": "Send the price list", "due": "yesterday"},
        "is in the past; give a day from today on",
        {"what": "Send the price list", "due": "today"},
    ),
    (
        "n",
        NOTICE,
        Notice,
        {"what": "", "tell_by": "2026-03-10"},
        "notice is empty",
        {"what": "Price rises 5%", "tell_by": "next friday", "kind": "price_change"},
    ),
    (
        "o",
        ORDER,
        Order,
        {"what": "20 licences", "amount": "lots"},
        "not a number",
        {"what": "20 licences", "amount": "12,000"},
    ),
    (
        "f",
        FEEDBACK,
        Feedback,
        {"csat": "9"},
        "CSAT is a whole number from 1 to 5",
        {"csat": "4", "nps": "9", "comment": "Happy with support"},
    ),
    (
        "f",
        FEEDBACK,
        Feedback,
        {"comment": "no rating"},
        "Feedback needs",
        {"expectation": "exceeded"},
    ),
]


@pytest.mark.parametrize(
    ("key", "form_type", "model", "invalid", "gist", "valid"),
    FORM_CASES,
    ids=[f"{c[1].title}-{i}" for i, c in enumerate(FORM_CASES)],
)
async def test_forms_refuse_bad_input_inline_then_save(
    portfolio: Engine,
    key: str,
    form_type: Form,
    model: type,
    invalid: dict[str, str],
    gist: str,
    valid: dict[str, str],
) -> None:
    before = count(portfolio, model)
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, key)
        assert isinstance(form, FormScreen) and form.form is form_type
        await fill(pilot, form, **invalid)
        await save(app, pilot, form)
        assert app.screen is form, "a refused form stays open"
        assert gist in error_text(form)
        assert count(portfolio, model) == before
        await fill(pilot, form, **{**{k: "" for k in invalid if k not in valid}, **valid})
        await save(app, pilot, form)
        assert isinstance(app.screen, AccountScreen)
        assert count(portfolio, model) == before + 1


@pytest.mark.parametrize(
    ("key", "form_type", "model", "fields"),
    [("o", ORDER, Order, ("amount",)), ("f", FEEDBACK, Feedback, ("csat", "nps"))],
)
async def test_an_amount_or_rating_that_is_no_number_is_refused_and_nothing_is_written(
    portfolio: Engine, key: str, form_type: Form, model: type, fields: tuple[str, ...]
) -> None:
    """1e400 would be stored as infinity and nan as NaN, which no report can show."""
    before = count(portfolio, model)
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, key)
        assert isinstance(form, FormScreen) and form.form is form_type
        for field, typed, sentence in NOT_NUMBERS:
            if field not in fields:
                continue
            others = {name: "" for name in fields if name != field}
            await fill(pilot, form, **others, **{field: typed})
            if key == "o":
                await fill(pilot, form, what="20 licences")
            await save(app, pilot, form)
            assert app.screen is form, "a refused form stays open"
            assert error_text(form) == sentence
    assert count(portfolio, model) == before


@pytest.mark.parametrize("key", ["l", "c", "n", "o", "f"])
async def test_cancelling_a_form_writes_nothing(portfolio: Engine, key: str) -> None:
    models = (Interaction, Commitment, Notice, Order, Feedback)
    before = [count(portfolio, m) for m in models]
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, key)
        await pilot.press(*"Something typed")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is not form
        assert isinstance(app.screen, AccountScreen)
    assert [count(portfolio, m) for m in models] == before


async def test_logging_refreshes_the_card_and_the_table(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "l")
        await fill(pilot, form, summary="Lunch with Ingrid")
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.card is not None
        assert screen.card.interactions[0].summary == "Lunch with Ingrid"
        assert table(app).index.rows[0].last_contact == NOW


async def test_writes_respect_rights(portfolio: Engine) -> None:
    """Carl may not change Anna's account: the form says so and writes nothing."""
    before = count(portfolio, Interaction)
    app = make_app(portfolio, user="carl@example.com")
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "l")
        await fill(pilot, form, summary="Sneaky call")
        await save(app, pilot, form)
        assert "only your own accounts" in error_text(form)
    assert count(portfolio, Interaction) == before


async def test_help_lists_the_keys(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, AccountsScreen)


async def test_command_palette_sorts_and_opens_accounts(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Sort by Owner")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.accounts.portfolio_query.sort == "owner"
        await pilot.press("ctrl+p")
        await pilot.press(*"Betaso")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.card is not None
        assert app.screen.card.name == "Betasoloin"


async def test_an_empty_database_says_what_to_do(tmp_path: Path) -> None:
    from core.db import open_database

    engine = open_database(f"sqlite:///{tmp_path}/empty.db", create=True)
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert table(app).row_count == 0
        assert "kam demo" in table(app).placeholder
    engine.dispose()


def kam_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    from kam.cli.main import run

    try:
        run(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def test_kam_tui_refuses_an_unknown_user_in_one_line(
    capsys: pytest.CaptureFixture[str], portfolio: Engine, tmp_path: Path
) -> None:
    code, err = kam_cli(
        capsys, "--db", f"sqlite:///{tmp_path}/kam.db", "tui", "--as", "anan@example.com"
    )
    assert code == 1
    assert "anna@example.com" in err  # did you mean
    assert len(err.strip().splitlines()) == 1


def test_kam_tui_on_a_database_without_kam_says_run_init(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err = kam_cli(capsys, "--db", f"sqlite:///{tmp_path}/none.db", "tui")
    assert code == 1
    assert "kam init" in err


async def test_working_hours_form_from_the_palette_refuses_then_saves(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Working hours")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.form is WORKING_HOURS
        assert form.values() == {"hours": "09:00-17:00", "days": "mon-fri", "zone": "UTC"}
        await fill(pilot, form, hours="17:00-09:00")
        await save(app, pilot, form)
        assert app.screen is form and "end before they start" in error_text(form)
        await fill(pilot, form, hours="08:30-16:30", days="sun-thu", zone="Asia/Dubai")
        await save(app, pilot, form)
        assert not showing(app, WORKING_HOURS)
    with Session(portfolio) as session:
        anna = session.exec(select(User).where(User.email == "anna@example.com")).scalar_one()
        assert (anna.work_days, anna.timezone, str(anna.work_start)) == (
            "12347",
            "Asia/Dubai",
            "08:30:00",
        )


async def test_working_hours_without_knowing_who_says_how(portfolio: Engine) -> None:
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_hours()
        await settle(app, pilot)
        assert not showing(app, WORKING_HOURS)
        assert any("--as EMAIL" in str(n.message) for n in app._notifications)
