"""Set up the database, load a demo, list and show accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from core.demo import MAX_ACCOUNTS
from core.errors import KamError
from core.models import Tier
from core.services.accounts import find_account
from core.services.users import get_user_by_email
from core.validation import choice
from core.views.accounts import account_page, list_accounts
from core.views.card import AccountCard, account_card, profile_lines
from core.views.common import iso
from kam.cli.context import (
    AccountArgument,
    ConfigOption,
    DbOption,
    JsonOption,
    YesOption,
    confirm,
    console,
    emit_json,
    engine,
    print_rest,
    session,
    table_limit,
)

if TYPE_CHECKING:
    from core.db import Engine
    from core.scoring import ScoredPortfolio

# `kam init` and `kam demo` import the schema's version, the loaders, backup and scoring
# themselves: `kam show` and `kam accounts` need none of them.


def init(db: DbOption = None) -> None:
    """Create the database, or bring an older one up to date.

    It also repairs what an interrupted upgrade of an older kam left behind."""
    from core.db import current_revision

    eng = engine(db, create=True, repair=True)
    try:
        revision = current_revision(eng)
    finally:
        eng.dispose()
    typer.echo(f"Database ready at {_where(eng)} (schema {revision}).")


def demo(
    db: DbOption = None,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Generate a portfolio instead of the real sample.")
    ] = False,
    accounts: Annotated[
        int,
        typer.Option(
            "--accounts",
            help=f"How many accounts to generate (1 to {MAX_ACCOUNTS:,}).",
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same portfolio.")] = 1,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Replace everything in the database with the demo (asks first, keeps a copy).",
        ),
    ] = False,
    yes: YesOption = False,
    config_path: ConfigOption = None,
) -> None:
    """Load the demo portfolio (the real CRM sample dataset, or a synthetic one) and score it.

    The portfolio is scored as `kam score` scores it, in the same transaction, so
    `kam tui` opens on tiers, quadrants and health. It goes into an empty database;
    `--reset` replaces what a database holds, after asking and keeping a copy.
    """
    # The loaders, backup and scoring are imported here, not for every kam command.
    from pathlib import Path

    from sqlmodel import SQLModel, select

    from core.backup import back_up_database, holdings
    from core.clock import utcnow
    from core.db import session_scope
    from core.demo import maven
    from core.demo import synthetic as synthetic_demo
    from core.models import AuditEvent, ScoreSnapshot
    from core.scoring import load_config, rescore_portfolio
    from kam.cli.progress import progress_bar

    if synthetic:
        synthetic_demo.check_size(accounts)  # before the database is even created
    config = load_config(config_path)
    eng = engine(db, create=True)
    try:
        with session_scope(eng) as s:
            loaded = s.exec(
                select(AuditEvent).where(AuditEvent.action == maven.DEMO_MARKER)
            ).first()
            held = holdings(session=s)
            if loaded is not None and not reset:
                typer.echo(
                    "The demo portfolio is already loaded "
                    f"({(loaded.after or {}).get('accounts', '?')} accounts). To load it "
                    f"afresh, `kam demo{' --synthetic' if synthetic else ''} --reset` replaces "
                    "everything in this database; it asks first and keeps a copy."
                )
                if s.exec(select(ScoreSnapshot.id).limit(1)).first() is None:
                    # loaded by an older kam, never scored: the TUI would open on nothing
                    with progress_bar() as bar:
                        scored = rescore_portfolio(
                            session=s, now=utcnow(), config=config, progress=bar
                        )
                    typer.echo(f"Scored {scored.size:,} accounts: {_tiers(scored)}.")
                return
        if held and not reset:
            raise KamError(
                f"This database already holds {held}; the demo would mix with them. "
                "Load it into a database of its own: `kam demo --db sqlite:///kam-demo.db`."
            )
        if held:
            confirm(f"This replaces everything in {_where(eng)} ({held}) with the demo.", yes=yes)
            kept = back_up_database(eng, now=utcnow(), folder=Path.cwd())
            typer.echo(f"Kept a copy at {kept.place}; {kept.restore}.")
        with session_scope(eng) as s:
            if reset:
                for table in reversed(SQLModel.metadata.sorted_tables):
                    s.execute(table.delete())
            with progress_bar() as bar:
                if synthetic:
                    typer.echo(f"Generating {accounts:,} accounts (seed {seed})…", err=True)
                    result: Any = synthetic_demo.load_synthetic(
                        session=s, accounts=accounts, seed=seed, progress=bar
                    )
                else:
                    bar("Loading the CRM sample dataset", 0, 1)
                    result = maven.load_maven(session=s)
                scored = rescore_portfolio(session=s, now=utcnow(), config=config, progress=bar)
        typer.echo(f"Demo portfolio loaded: {_describe(result)}.")
        typer.echo(f"Scored {scored.size:,} accounts: {_tiers(scored)}.")
    finally:
        eng.dispose()


def _where(eng: Engine) -> str:
    """The database as people name it: the file, or the URL without its password."""
    if eng.url.get_backend_name() == "sqlite":
        return str(eng.url.database)
    return eng.url.render_as_string(hide_password=True)


def _tiers(scored: ScoredPortfolio) -> str:
    """How many accounts each tier holds, strategic first (the tiers holding any)."""
    return ", ".join(f"{held:,} {tier}" for tier, held in scored.tier_counts().items() if held)


def _describe(summary: Any) -> str:
    parts = [
        f"{value:,} {key.replace('_', ' ')}"
        for key, value in summary.__dict__.items()
        if isinstance(value, int) and key != "shift_months"
    ]
    return ", ".join(parts)


def accounts(
    db: DbOption = None,
    tier: Annotated[
        str | None, typer.Option("--tier", help="strategic, key, growth or standard.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="EMAIL")] = None,
    limit: Annotated[int, table_limit("Accounts")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List accounts, largest revenue over the last 12 months first."""
    chosen = choice(tier, Tier, "tier")
    with session(db) as s:
        user = get_user_by_email(owner, session=s) if owner else None
        if as_json:
            emit_json([row.as_json() for row in list_accounts(session=s, tier=chosen, owner=user)])
            return
        page = account_page(session=s, limit=limit, tier=chosen, owner=user)
    table = Table(title=f"{page.total:,} accounts")
    for column in ("Account", "Tier", "Owner", "Revenue 12m", "Last contact", "Sector"):
        table.add_column(column, justify="right" if column == "Revenue 12m" else "left")
    for row in page.rows:
        table.add_row(
            escape(row.name),
            row.tier or "-",
            escape(row.owner or "-"),
            f"{row.revenue_12m:,.0f}",
            (iso(row.last_contact) or "-")[:10],
            escape(row.sector or "-"),
        )
    console.print(table)
    print_rest(page.total, limit)


def show(
    account: AccountArgument,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One account card: who they are, who we know there, what happened last."""
    with session(db) as s:
        card = account_card(find_account(account, session=s), session=s)
    if as_json:
        emit_json(card.as_json())
        return
    print_card(card)


def print_card(card: AccountCard) -> None:
    """The account card as a person reads it."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    facts: dict[str, object] = {
        "Owner": card.owner_name and f"{card.owner_name} <{card.owner}>",
        "Tier": card.tier
        and (
            f"{card.tier} (override: {card.tier_override_reason})"
            if card.tier_override
            else f"{card.tier}; {card.over_capacity.message}"
            if card.over_capacity
            else card.tier
        ),
        "Sector": card.sector,
        "Country": card.country,
        "Parent group": card.parent,
        "Subsidiaries": ", ".join(card.subsidiaries) or None,
        "Customer since": iso(card.customer_since),
        "Revenue from us": f"{card.revenue_total:,.0f} total, "
        f"{card.revenue_12m:,.0f} in the last 12 months "
        f"({card.won_deals} won deals, {card.open_deals} open)",
        "Their annual revenue": card.annual_revenue and f"{card.annual_revenue:,.0f}",
        "Head count": card.employees and f"{card.employees:,}",
    }
    if card.scores:
        sc = card.scores
        facts["Scores"] = (
            f"attractiveness {sc.attractiveness:.0f}, relationship "
            f"{sc.relationship:.0f}, health {sc.health:.0f} ({sc.quadrant})"
        )
    for label, value in facts.items():
        if value:
            head.add_row(label, escape(str(value)))
    console.rule(f"[bold]{escape(card.name)}")
    console.print(head)
    if card.contacts:
        table = Table(title="Contacts", title_justify="left")
        for column in ("Name", "Title", "Role", "Reports to", "Worth knowing"):
            table.add_column(column)
        for c in card.contacts:
            personal = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in c.personal())
            table.add_row(
                escape(c.name),
                escape(c.title or ""),
                c.role,
                escape(c.reports_to or ""),
                escape(personal),
            )
        console.print(table)
    profile = profile_lines(card)
    if profile:
        table = Table(title="Profile", title_justify="left", show_header=False)
        for line in profile:
            table.add_row(line.label, escape(line.attributed))
        console.print(table)
    for promise in card.open_commitments:
        console.print(f"[bold]Open promises:[/] {escape(promise.what)} (by {iso(promise.due_on)})")
    for notice in card.untold_notices:
        console.print(
            f"[bold]Notices not yet told:[/] {escape(notice.what)} (by {iso(notice.must_tell_by)})"
        )
    if card.interactions:
        table = Table(title="Latest interactions", title_justify="left")
        for column in ("When", "Kind", "Summary", "By"):
            table.add_column(column)
        for i in card.interactions:
            table.add_row(
                (iso(i.occurred_at) or "")[:16].replace("T", " "),
                i.kind,
                escape(i.summary) + (f" [dim]({i.captured})[/]" if i.captured else ""),
                escape(i.by or ""),
            )
        console.print(table)
    for meeting in card.planned:
        console.print(
            f"[bold]Planned:[/] {escape(meeting.title)} "
            f"({(iso(meeting.starts_at) or '')[:16].replace('T', ' ')} UTC)"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command()(init)
    app.command()(demo)
    app.command()(accounts)
    app.command()(show)
