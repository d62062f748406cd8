"""The TUI's review queue (u): who kam could not place, made a contact or ignored."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from textual.widgets import DataTable, Input

from core.capture.store import queue_unmatched
from core.capture.touches import Person, Touch
from core.db import open_database
from core.models import CaptureStatus, Contact, InteractionKind, UnmatchedAddress
from tests import factories
from tests.test_tui import make_app, settle, showing, shown
from tests.tui_data import NOW
from tui.screens.unmatched import PLACE, UnmatchedScreen


async def test_the_queue_makes_one_a_contact_and_ignores_another(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path}/kam.db", create=True)
    with Session(engine) as s:
        factories.account(s, "Globex")
        for who in ("carol@globex.example", "news@letters.example"):
            touch = Touch("mail", who, InteractionKind.EMAIL, NOW, "Hello", (Person(who, "Carol"),))
            queue_unmatched(touch.people[0], touch, session=s, now=NOW)
        s.commit()
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, UnmatchedScreen)
        assert "2 waiting for review" in shown(screen, "#unmatched-status")
        assert screen.query_one(DataTable).row_count == 2
        await pilot.press("c")
        await settle(app, pilot)
        assert showing(app, PLACE)
        app.screen.query_one("#f-account", Input).value = "globex"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert "1 waiting for review" in shown(screen, "#unmatched-status")
        await pilot.press("i")
        await settle(app, pilot)
        assert "No one waits for review." in shown(screen, "#unmatched-status")
    with Session(engine) as s:
        assert s.exec(select(Contact.name, Contact.email)).all() == [
            ("Carol", "carol@globex.example")
        ]
        statuses = dict(s.exec(select(UnmatchedAddress.address, UnmatchedAddress.status)).all())
    assert statuses == {
        "carol@globex.example": CaptureStatus.CONTACT,
        "news@letters.example": CaptureStatus.IGNORED,
    }
    engine.dispose()
