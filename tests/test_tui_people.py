"""Contacts, personal facts and the account profile in the TUI, driven through Pilot."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from core.models import Account, Contact, ProfileEntry
from tests import test_tui
from tests.test_tui import SIZE, count, error_text, fill, make_app, open_form, save, settle, shown
from tui.screens.account import AccountScreen
from tui.screens.forms import CONTACT, FACT, PROFILE_FORM, FormScreen

portfolio = test_tui.portfolio
TALL = (100, 50)
"""The profile form's fifteen fields and its buttons on one screen."""


async def test_a_contact_and_a_personal_fact_through_the_forms(portfolio: Engine) -> None:
    before = count(portfolio, Contact)
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "k")
        assert isinstance(form, FormScreen) and form.form is CONTACT
        await fill(pilot, form, name="  ", title="CFO")
        await save(app, pilot, form)
        assert "name is empty" in error_text(form) and app.screen is form
        await fill(pilot, form, name="Mette Lund", role="gatekeeper", reports_to="Nobody")
        await save(app, pilot, form)
        assert "no contact called 'Nobody'" in error_text(form)
        assert count(portfolio, Contact) == before
        await fill(pilot, form, reports_to="")
        await save(app, pilot, form)
        assert isinstance(app.screen, AccountScreen)
        assert count(portfolio, Contact) == before + 1

        form = await open_form_here(app, pilot, "i")
        assert isinstance(form, FormScreen) and form.form is FACT
        await fill(pilot, form, contact="Mette", kind="birthday", text="soon")
        await save(app, pilot, form)
        assert "YYYY-MM-DD" in error_text(form)
        await fill(pilot, form, kind="hometown", text="Tromsø")
        await save(app, pilot, form)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        await settle(app, pilot)
        contacts = shown(screen, "#contacts", width=120)
        assert "Mette Lund" in contacts and "gatekeeper" in contacts and "Tromsø" in contacts


async def open_form_here(app: object, pilot: object, key: str) -> object:
    """Open a form from the account screen already shown."""
    await settle(app, pilot)  # type: ignore[arg-type]
    await pilot.press(key)  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    return app.screen  # type: ignore[attr-defined]


async def save_by_key(app: object, pilot: object) -> None:
    """Save as a keyboard user does (ctrl+s): the long form scrolls, its button may not show."""
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]


async def test_the_profile_form_is_filled_in_refuses_whole_and_saves(portfolio: Engine) -> None:
    app = make_app(portfolio, user="anna@example.com")
    async with app.run_test(size=TALL) as pilot:
        form = await open_form(app, pilot, "e")
        assert isinstance(form, FormScreen) and form.form is PROFILE_FORM
        account_id = form.opening.account_id
        with Session(portfolio) as s:
            account = s.get(Account, account_id)
            assert account is not None
            stage = account.relationship_stage
        assert form.values()["relationship_stage"] == ("" if stage is None else str(stage))
        for typed, gist in [
            ({"relationship_stage": "6"}, "not '6'"),
            ({"relationship_stage": "0"}, "not '0'"),
            ({"relationship_stage": "3", "cost_to_serve": "1e400"}, "not a number"),
            ({"cost_to_serve": "", "tier_override": "key"}, "needs a reason"),
        ]:
            await fill(pilot, form, **typed)
            await save_by_key(app, pilot)
            assert gist in error_text(form) and app.screen is form
        assert count(portfolio, ProfileEntry) == 0
        await fill(
            pilot, form, tier_override="strategic", tier_override_reason="Group deal",
            difficulties="Slow approvals",
        )  # fmt: skip
        await save_by_key(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        await settle(app, pilot)
        assert "Slow approvals (anna@example.com" in shown(screen, "#contacts", width=160)
    with Session(portfolio) as s:
        stamped = s.exec(select(ProfileEntry.field_name)).all()
        account = s.get(Account, account_id)
        assert account is not None and account.tier_override == "strategic"
    assert set(stamped) == {
        "relationship_stage",
        "tier_override",
        "tier_override_reason",
        "difficulties",
    } - ({"relationship_stage"} if stage == 3 else set())
