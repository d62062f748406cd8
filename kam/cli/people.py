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
from core.services.profile import by_option, read_profile, set_profile
from core.views.card import ContactFacts, account_card, contact_facts, contact_list
from kam.cli.context import (
    AccountArgument,
    DbOption,
    JsonOption,
    acting,
    console,
    emit_json,
    session,
)

contact_app = typer.Typer(help="The people at a customer.", no_args_is_help=True)
fact_app = typer.Typer(
    help="Personal facts about a contact: hometown, team, interests, family, birthday, note.",
    no_args_is_help=True,
)
account_app = typer.Typer(help="One account's profile.", no_args_is_help=True)

AsOption = Annotated[
    str | None, typer.Option("--as", metavar="EMAIL", help="Act as this team member.")
]
ContactArgument = Annotated[str, typer.Argument(help="The contact's name (part of it will do).")]
Text = Annotated[str | None, typer.Option()]


def _typed(**given: str | None) -> dict[str, str]:
    """The options a person gave, by field name (those left out stay as they are)."""
    return {name: text for name, text in given.items() if text is not None}


def _said(contact: Contact, facts: ContactFacts, verb: str, as_json: bool) -> None:
    if as_json:
        emit_json(facts.as_json())
        return
    typer.echo(f"{verb} {contact.name}.")


@contact_app.command("add")
def add_contact(
    account: AccountArgument,
    name: Annotated[str, typer.Argument(help="Their full name.")],
    title: Text = None,
    email: Text = None,
    phone: Text = None,
    role: Annotated[
        str | None,
        typer.Option(help="Buying-centre role: decision_maker, influencer, user, gatekeeper."),
    ] = None,
    reports_to: Annotated[
        str | None, typer.Option("--reports-to", help="The contact they report to.")
    ] = None,
    as_user: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a person at the customer."""
    typed = _typed(name=name, title=title, email=email, phone=phone, role=role)
    typed |= _typed(reports_to=reports_to)
    with session(db) as s:
        target = find_account(account, session=s)
        actor = acting(as_user, session=s)
        given = contact_service.read_contact(target, typed, session=s)
        assert isinstance(given, ContactCreate)
        person = contact_service.add_contact(target, given, session=s, actor=actor)
        facts = contact_facts(person, session=s)
    _said(person, facts, f"Added to {target.name}:", as_json)


@contact_app.command("edit")
def edit_contact(
    account: AccountArgument,
    contact: ContactArgument,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    title: Text = None,
    email: Text = None,
    phone: Text = None,
    role: Annotated[
        str | None,
        typer.Option(help="decision_maker, influencer, user, gatekeeper; - clears it."),
    ] = None,
    reports_to: Annotated[
        str | None, typer.Option("--reports-to", help="The contact they report to; - clears it.")
    ] = None,
    as_user: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a contact's details; an option given as - (or "") clears that detail."""
    typed = _typed(name=name, title=title, email=email, phone=phone, role=role)
    typed |= _typed(reports_to=reports_to)
    with session(db) as s:
        target = find_account(account, session=s)
        actor = acting(as_user, session=s)
        person = contact_service.find_contact(target, contact, session=s)
        changes = contact_service.read_contact(target, typed, session=s, editing=True)
        assert isinstance(changes, ContactUpdate)
        contact_service.edit_contact(person, changes, session=s, actor=actor)
        facts = contact_facts(person, session=s)
    _said(person, facts, "Changed", as_json)


@contact_app.command("retire")
def retire_contact(
    account: AccountArgument,
    contact: ContactArgument,
    as_user: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a contact as gone: off the card and the reminders, kept in the history."""
    with session(db) as s:
        target = find_account(account, session=s)
        actor = acting(as_user, session=s)
        person = contact_service.find_contact(target, contact, session=s)
        contact_service.retire_contact(person, session=s, actor=actor)
        facts = contact_facts(person, session=s)
    _said(person, facts, "Retired", as_json)


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
    as_user: str | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Add, edit or remove one personal fact, through the one core rule for each."""
    with session(db) as s:
        target = find_account(account, session=s)
        actor = acting(as_user, session=s)
        person = contact_service.find_contact(target, contact, session=s)
        chosen = contact_service.fact_kind(kind)
        if verb == "remove":
            contact_service.remove_fact(person, chosen, session=s, actor=actor)
        else:
            write = contact_service.add_fact if verb == "add" else contact_service.edit_fact
            write(person, chosen, text or "", session=s, actor=actor)
        facts = contact_facts(person, session=s)
    said = {"add": "Noted", "edit": "Changed", "remove": "Removed"}[verb]
    _said(person, facts, f"{said} {chosen.value} for", as_json)


def _fact_writer(verb: str, doc: str) -> Callable[..., None]:
    """The ``fact add`` or ``fact edit`` command: the same arguments, another core rule."""

    def command(
        account: AccountArgument,
        contact: ContactArgument,
        kind: FactKindArgument,
        text: FactText,
        as_user: AsOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        _fact(verb, account, contact, kind, text, as_user, db, as_json)

    command.__doc__ = doc
    return command


fact_app.command("add")(
    _fact_writer("add", "Note a personal fact; interests, family and notes grow with each one.")
)
fact_app.command("edit")(_fact_writer("edit", "Replace a personal fact with what is true now."))


@fact_app.command("remove")
def remove_fact(
    account: AccountArgument,
    contact: ContactArgument,
    kind: FactKindArgument,
    as_user: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Forget a personal fact that was wrong or is no longer true."""
    _fact("remove", account, contact, kind, None, as_user, db, as_json)


@account_app.command("set")
def set_account(
    account: AccountArgument,
    stage: Annotated[str | None, typer.Option(help="McDonald stage, 1 (exploratory) to 5.")] = None,
    health: Annotated[str | None, typer.Option(help="Financial health, 1 to 5.")] = None,
    influence: Annotated[str | None, typer.Option(help="Industry influence, 1 to 5.")] = None,
    spend: Annotated[
        str | None, typer.Option(help="Their yearly spend in our category, all suppliers.")
    ] = None,
    cost_to_serve: Annotated[str | None, typer.Option(help="Our yearly cost to serve.")] = None,
    margin: Annotated[str | None, typer.Option(help="Gross margin, e.g. 32%.")] = None,
    tier: Annotated[
        str | None, typer.Option(help="strategic, key, growth, standard; auto hands it back.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why the tier is set by hand.")] = None,
    values: Annotated[str | None, typer.Option(help="What they value.")] = None,
    difficulties: Annotated[str | None, typer.Option(help="What causes them difficulty.")] = None,
    buying: Annotated[str | None, typer.Option(help="How they buy and who takes part.")] = None,
    suppliers: Annotated[
        str | None, typer.Option(help="What else they buy, and from whom.")
    ] = None,
    plans: Annotated[str | None, typer.Option(help="Their strategic plans.")] = None,
    replacement_cost: Annotated[
        str | None, typer.Option(help="What replacing their business would cost.")
    ] = None,
    replacement_months: Annotated[
        str | None, typer.Option(help="How many months replacing them would take.")
    ] = None,
    as_user: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set the account profile (each field dated and attributed); - clears a field."""
    typed = by_option(
        dict(
            stage=stage,
            health=health,
            influence=influence,
            spend=spend,
            cost_to_serve=cost_to_serve,
            margin=margin,
            tier=tier,
            reason=reason,
            values=values,
            difficulties=difficulties,
            buying=buying,
            suppliers=suppliers,
            plans=plans,
            replacement_cost=replacement_cost,
            replacement_months=replacement_months,
        )
    )
    with session(db) as s:
        target = find_account(account, session=s)
        actor = acting(as_user, session=s)
        set_profile(target, read_profile(typed), session=s, actor=actor)
        card = account_card(target, session=s)
    if as_json:
        emit_json(card.as_json())
        return
    changed = ", ".join(name.replace("_", " ") for name in typed)
    typer.echo(f"Set {changed} for {target.name}.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.add_typer(contact_app, name="contact")
    app.add_typer(fact_app, name="fact")
    app.add_typer(account_app, name="account")
