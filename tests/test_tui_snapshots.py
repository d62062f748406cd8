"""The main screens' layout pinned at 80×24 and 120×40 (pytest-textual-snapshot).

Built on the fixed test portfolio with a fixed "now", so the pictures only
change when the screens do. Update them with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.widgets import Input

from tests.tui_data import NOW, open_copy
from tui.app import KamApp
from tui.service import PortfolioService

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def portfolio(tui_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = open_copy(tui_template, tmp_path / "kam.db")
    yield engine
    engine.dispose()


def app_on(engine: Engine) -> KamApp:
    return KamApp(PortfolioService(engine, user_email="anna@example.com", clock=lambda: NOW))


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    # A focused field's cursor blinks every half second: on a busy machine the picture
    # was taken as often with it hidden as shown. It is pinned shown, as at focus.
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_portfolio_table(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    assert snap_compare(app_on(portfolio), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_account_screen(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    async def open_account(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_on(portfolio), terminal_size=size, run_before=open_account)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_log_form(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    async def open_form(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app_on(portfolio), terminal_size=size, run_before=open_form)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    assert snap_compare(
        app_on(portfolio), terminal_size=size, press=["question_mark"], run_before=settle
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_due_screen(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    assert snap_compare(app_on(portfolio), terminal_size=size, press=["d"], run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snooze_dialog(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    async def snooze(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)

    assert snap_compare(app_on(portfolio), terminal_size=size, run_before=snooze)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_portfolio_overview(snap_compare: Any, portfolio: Engine, size: tuple[int, int]) -> None:
    assert snap_compare(app_on(portfolio), terminal_size=size, press=["p"], run_before=settle)


def test_people_screen(snap_compare: Any, portfolio: Engine) -> None:
    """Everyone, with role, team, manager and whether they are still here."""
    assert snap_compare(app_on(portfolio), terminal_size=(120, 40), press=["U"], run_before=settle)
