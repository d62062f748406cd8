"""Know the customer from the shell: contacts, their personal facts, the account profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from core.models import Contact, ContactCreate, ContactUpdate
from core.services import contacts as contact_service
from core.services.accounts import find_account
from core.services.profile import PROFILE, by_option, read_profile, set_profile
from core.views.card import ContactFacts, account_card, contact_facts, contact_list
from kam.cli.context import (
    AccountArgument,
    Common,
    DbOption,
    JsonOption,
    console,
    emit_json,
    session,
    text_options,
    writes,
)

contact_app = typer.Typer(help="The people at a customer.", no_args_is_help=True)
fact_app = typer.Typer(
    help="Personal facts about a contact: hometown, team, interests, family, birthday, note.",
    no_args_is_help=True,
)
account_app = typer.Typer(help="One account's profile.", no_args_is_help=True)

ContactArgument = Annotated[str, typer.Argument(help="The contact's name (part of it will do).")]


_DETAILS = {
    "title": "Their job title.",
    "email": "Their e-mail address.",
    "phone": "Their phone number.",
    "role": "Buying-centre role: decision_maker, influencer, user, gatekeeper.",
    "reports_to": "The contact they report to.",
}


def _details(*, clears: bool) -> dict[str, str]:
    """The contact's detail options and their help; ``clears``: an edit's "- clears it"."""
    return {
        name: f"{text[:-1]}; - clears it." if clears else text for name, text in _DETAILS.items()
    }


def _typed(**given: str | None) -> dict[str, str]:
    """The options a person gave, by field name (those left out stay as they are)."""
    return {name: text for name, text in given.items() if text is not None}


def _said(contact: Contact, facts: ContactFacts, verb: str, as_json: bool) -> None:
    if as_json:
        emit_json(facts.as_json())
        return
    typer.echo(f"{verb} {contact.name}.")


@contact_app.command("add")
@text_options(_details(clears=False))
@writes
def add_contact(
    account: AccountArgument,
    name: Annotated[str, typer.Argument(help="Their full name.")],
    common: Common,
    **details: str | None,
) -> None:
    """Add a person at the customer."""
    typed = _typed(name=name, **details)
    with common.on(account) as on:
        given = contact_service.read_contact(on.account, typed, session=on.session)
        assert isinstance(given, ContactCreate)
        person = on.write(contact_service.add_contact, given)
        facts = contact_facts(person, session=on.session)
    _said(person, facts, f"Added to {on.account.name}:", common.as_json)


@contact_app.command("edit")
@text_options(_details(clears=True))
@writes
def edit_contact(
    account: AccountArgument,
    contact: ContactArgument,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    *,
    common: Common,
    **details: str | None,
) -> None:
    """Change a contact's details; an option given as - (or "") clears that detail."""
    typed = _typed(name=name, **details)
    with common.on(account) as on:
        person = contact_service.find_contact(on.account, contact, session=on.session)
        changes = contact_service.read_contact(on.account, typed, session=on.session, editing=True)
        assert isinstance(changes, ContactUpdate)
        contact_service.edit_contact(person, changes, session=on.session, actor=on.actor)
        facts = contact_facts(person, session=on.session)
    _said(person, facts, "Changed", common.as_json)


@contact_app.command("retire")
@writes
def retire_contact(
    account: AccountArgument,
    contact: ContactArgument,
    *,
    common: Common,
) -> None:
    """Mark a contact as gone: off the card and the reminders, kept in the history."""
    with common.on(account) as on:
        person = contact_service.find_contact(on.account, contact, session=on.session)
        contact_service.retire_contact(person, session=on.session, actor=on.actor)
        facts = contact_facts(person, session=on.session)
    _said(person, facts, "Retired", common.as_json)


@contact_app.command("list")
def list_contacts(
    account: AccountArgument, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The account's contacts, decision makers first, with roles and personal facts."""
    with session(db) as s:
        target = find_account(account, session=s)
        people = contact_list(target, session=s)
    if as_json:
        emit_json([p.as_json() for p in people])
        return
    table = Table(title=f"{len(people)} contacts at {escape(target.name)}")
    for column in ("Name", "Title", "Role", "Reports to", "E-mail", "Personal"):
        table.add_column(column)
    for p in people:
        table.add_row(
            escape(p.name),
            escape(p.title or ""),
            p.role,
            escape(p.reports_to or ""),
            escape(p.email or ""),
            escape("; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in p.personal())),
        )
    console.print(table)


FactKindArgument = Annotated[
    str, typer.Argument(help="hometown, team, interests, family, birthday or note.")
]
FactText = Annotated[str, typer.Argument(help="What you learned (a birthday as YYYY-MM-DD).")]


def _fact(
    verb: str,
    account: str,
    contact: str,
    kind: str,
    text: str | None,
    common: Common,
) -> None:
    """Add, edit or remove one personal fact, through the one core rule for each."""
    with common.on(account) as on:
        s, actor = on.session, on.actor
        person = contact_service.find_contact(on.account, contact, session=s)
        chosen = contact_service.fact_kind(kind)
        if verb == "remove":
            contact_service.remove_fact(person, chosen, session=s, actor=actor)
        else:
            write = contact_service.add_fact if verb == "add" else contact_service.edit_fact
            write(person, chosen, text or "", session=s, actor=actor)
        facts = contact_facts(person, session=s)
    said = {"add": "Noted", "edit": "Changed", "remove": "Removed"}[verb]
    _said(person, facts, f"{said} {chosen.value} for", common.as_json)


def _fact_writer(verb: str, doc: str) -> Callable[..., None]:
    """The ``fact add`` or ``fact edit`` command: the same arguments, another core rule."""

    def command(
        account: AccountArgument,
        contact: ContactArgument,
        kind: FactKindArgument,
        text: FactText,
        *,
        common: Common,
    ) -> None:
        _fact(verb, account, contact, kind, text, common)

    command.__doc__ = doc
    return writes(command)


fact_app.command("add")(
    _fact_writer("add", "Note a personal fact; interests, family and notes grow with each one.")
)
fact_app.command("edit")(_fact_writer("edit", "Replace a personal fact with what is true now."))


@fact_app.command("remove")
@writes
def remove_fact(
    account: AccountArgument, contact: ContactArgument, kind: FactKindArgument, *, common: Common
) -> None:
    """Forget a personal fact that was wrong or is no longer true."""
    _fact("remove", account, contact, kind, None, common)


@account_app.command("set")
@text_options({f.option.replace("-", "_"): f.label + "." for f in PROFILE.values()})
@writes
def set_account(
    account: AccountArgument,
    common: Common,
    **fields: str | None,
) -> None:
    """Set the account profile (each field dated and attributed); - clears a field."""
    typed = by_option(fields)
    with common.on(account) as on:
        on.write(set_profile, read_profile(typed))
        card = account_card(on.account, session=on.session)
    if common.as_json:
        emit_json(card.as_json())
        return
    changed = ", ".join(name.replace("_", " ") for name in typed)
    typer.echo(f"Set {changed} for {on.account.name}.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.add_typer(contact_app, name="contact")
    app.add_typer(fact_app, name="fact")
    app.add_typer(account_app, name="account")
