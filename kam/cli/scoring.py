"""Scores and portfolio analytics (``kam score``, ``kam portfolio``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from core.clock import utcnow
from core.scoring import (
    AccountScore,
    PortfolioFigures,
    load_config,
    portfolio_figures,
    rescore_portfolio,
    score_accounts,
)
from core.scoring.display import (
    criterion_value,
    forecast_line,
    goal_status,
    goal_style,
    goal_value,
    no_data,
    share_of_wallet,
)
from core.scoring.goals import GoalProgress
from core.services.accounts import find_account
from kam.cli.context import (
    ConfigOption,
    DbOption,
    JsonOption,
    console,
    emit_json,
    print_rest,
    session,
    table_limit,
)
from kam.cli.progress import progress_bar

BAND_STYLE = {"red": "red", "yellow": "yellow", "green": "green"}


def score(
    account: Annotated[
        str | None, typer.Argument(help="One account (close spellings are found); all if absent.")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every criterion behind the scores.")
    ] = False,
    limit: Annotated[int, table_limit("Accounts")] = 30,
    config_path: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scores, tier, quadrant and breakdown.

    Without ACCOUNT every account is rescored and a snapshot stored (the history
    health trends are read from). With ACCOUNT its scores are shown, nothing is
    written.
    """
    config = load_config(config_path)
    now = utcnow()
    with session(db) as s:
        if account is None:
            with progress_bar(quiet=as_json) as bar:
                scored = rescore_portfolio(session=s, now=now, config=config, progress=bar)
            # a million accounts: only those the table shows are made into results
            results = scored.ranked(None if as_json else limit)
            total = scored.facts.size
        else:
            chosen = find_account(account, session=s)
            assert chosen.id is not None
            results = score_accounts(session=s, now=now, config=config, account_ids=[chosen.id])
            total = len(results)
    if as_json:
        rows = [_as_json(r, explain) for r in results]
        emit_json(rows[0] if account is not None else rows)
        return
    if account is not None:
        _print_account(results[0], explain)
        return
    _print_list(results, total, limit)
    if explain:
        for result in results[:limit]:
            _print_breakdown(result)


def _as_json(result: AccountScore, explain: bool) -> dict[str, Any]:
    out = result.summary().as_json()
    if explain:
        out["breakdown"] = result.breakdown.as_json()
    return out


def _band(result: AccountScore) -> str:
    return f"[{BAND_STYLE[result.band]}]{result.health:.1f}[/]"


def _tier(result: AccountScore) -> str:
    if result.tier != result.earned_tier:
        return f"{result.tier}*"
    return f"{result.tier}+" if result.over_capacity else result.tier


def _change(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def _print_list(results: list[AccountScore], total: int, limit: int) -> None:
    """The first ``limit`` of ``results`` (the most attractive of ``total`` accounts)."""
    table = Table(title=f"{total:,} accounts scored and snapshotted")
    table.add_column("Account")
    for column in ("Attract.", "Relation.", "Health", "Δ"):
        table.add_column(column, justify="right")
    for column in ("Tier", "Quadrant"):
        table.add_column(column)
    for result in results[:limit]:
        table.add_row(
            escape(result.account_name),
            f"{result.attractiveness:.1f}",
            f"{result.relationship:.1f}",
            _band(result),
            _change(result.health_change),
            _tier(result),
            result.quadrant.replace("_", " "),
        )
    console.print(table)
    print_rest(total, limit)
    if any(r.tier != r.earned_tier for r in results[:limit]):
        console.print("* tier set by hand; `kam score ACCOUNT` shows why.")
    if any(r.tier == r.earned_tier and r.over_capacity for r in results[:limit]):
        console.print("+ would be key or strategic; over capacity (`kam score ACCOUNT`: whose).")


def _print_account(result: AccountScore, explain: bool) -> None:
    b = result.breakdown
    tier, value, trend = b.tier, b.value, b.health.trend
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    tier_text = result.tier
    if tier.override:
        tier_text += f" (set by hand: {tier.override_reason}; its scores earn {tier.earned})"
    else:
        tier_text += f" (rank {tier.rank:,} of {tier.of:,})"
        if tier.over_capacity:
            tier_text += f"; {tier.over_capacity.message}"
    health = f"{_band(result)} ({result.band})"
    if trend:
        moved = ", ".join(f"{f.criterion.replace('_', ' ')} {f.change:+.1f}" for f in trend.factors)
        since = trend.previous_at.date().isoformat() if trend.previous_at else ""
        health += f", {trend.direction} {trend.change:+.1f} since {since}"
        health += f" ({moved})" if moved else ""
    facts = {
        "Attractiveness": f"{result.attractiveness:.1f}",
        "Relationship": f"{result.relationship:.1f}",
        "Health": health,
        "Tier": escape(tier_text),
        "Quadrant": result.quadrant.replace("_", " "),
        "Check-in cadence": f"every {tier.cadence_days} days",
        "Revenue, 12 months": f"{value.revenue_12m:,.0f} "
        f"(the 12 before: {value.revenue_prev_12m:,.0f})",
        "Share of wallet": share_of_wallet(value),
        "CLV": f"{value.clv:,.0f}" + (" (margin assumed)" if value.contribution_assumed else ""),
    }
    if value.over_served:
        facts["Over-served"] = escape("; ".join(value.over_served_reasons))
    console.rule(f"[bold]{escape(result.account_name)}")
    for label, text in facts.items():
        grid.add_row(label, text)
    console.print(grid)
    if b.missing:
        console.print(
            f"[dim]{len(b.missing)} criteria have no data and count as neutral or are left out"
            f"{'' if explain else ' (--explain shows which)'}.[/]"
        )
    if explain:
        _print_breakdown(result)


def _print_breakdown(result: AccountScore) -> None:
    for name, part in result.breakdown.scores:
        table = Table(
            title=f"{escape(result.account_name)}: {name} {part.score:.1f}",
            title_justify="left",
        )
        table.add_column("Criterion")
        for column in ("Raw", "Normalised", "Weight", "Points"):
            table.add_column(column, justify="right")
        for row in part.criteria:
            table.add_row(
                row.label + (f" [dim](no data: {no_data(row)})[/]" if row.missing else ""),
                criterion_value(row.raw, row.unit),
                f"{row.normalised:.2f}",
                f"{row.weight:g}",
                f"{row.points:.1f}",
            )
        table.add_section()
        table.add_row("[bold]Total[/]", "", "", "100", f"[bold]{part.score:.1f}[/]")
        console.print(table)


def portfolio(
    config_path: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Concentration, tiers and matrix, capacity, customer value and the revenue forecast."""
    config = load_config(config_path)
    with session(db) as s:
        figures = portfolio_figures(session=s, now=utcnow(), config=config)
    if as_json:
        emit_json(figures.as_json())
        return
    _print_portfolio(figures)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _print_portfolio(f: PortfolioFigures) -> None:
    c = f.concentration
    console.rule(f"[bold]Portfolio: {f.accounts:,} accounts")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Revenue, 12 months", f"{c.revenue_12m:,.0f}")
    grid.add_row(
        "Concentration",
        f"CR1 {_share(c.cr1)}, CR5 {_share(c.cr5)}, CR10 {_share(c.cr10)}; "
        + ("HHI –" if c.hhi is None else f"HHI {c.hhi:,.0f} ({c.hhi_band})"),
    )
    grid.add_row("Tiers", ", ".join(f"{k} {v:,}" for k, v in f.tiers.items()))
    grid.add_row(
        "Matrix", ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in f.quadrants.items())
    )
    h = f.health
    grid.add_row(
        "Health",
        f"average {h.average}, " + ", ".join(f"{k} {v:,}" for k, v in h.bands.items())
        if h.average is not None
        else "–",
    )
    clv = f.clv
    grid.add_row(
        "Customer lifetime value",
        f"{clv.total:,.0f} (retention {clv.retention:.0%}"
        + ("" if clv.retention_observed else ", assumed")
        + f", discount rate {clv.discount_rate:.0%})",
    )
    wallet = f.share_of_wallet
    grid.add_row(
        "Share of wallet",
        "unknown (no category spend recorded)"
        if wallet.portfolio is None
        else f"{wallet.portfolio:.1%} over {wallet.accounts_with_category_spend:,} accounts, "
        f"headroom {wallet.headroom:,.0f}",
    )
    grid.add_row("Forecast, next 12 months", forecast_line(f.forecast))
    console.print(grid)
    for flag in c.flags:
        console.print(f"[yellow]Concentration risk:[/] {escape(flag.message)}")
    if f.over_capacity.accounts:
        console.print(f"[yellow]Capacity:[/] {escape(f.over_capacity.message)}")
    for warning in f.capacity_warnings:
        style = "red" if warning.level == "critical" else "yellow"
        console.print(f"[{style}]Capacity:[/] {escape(warning.message)}")
    if c.top:
        table = Table(title="Largest customers", title_justify="left")
        table.add_column("Account")
        table.add_column("Revenue 12m", justify="right")
        table.add_column("Share", justify="right")
        for row in c.top:
            table.add_row(escape(row.account), f"{row.revenue_12m:,.0f}", _share(row.share))
        console.print(table)
    over = f.over_served
    if over.count:
        table = Table(title=f"Over-served: {over.count:,}", title_justify="left")
        for column in ("Account", "Tier", "Earns", "Why"):
            table.add_column(column)
        for account in over.accounts:
            table.add_row(
                escape(account.account),
                account.tier,
                account.earned_tier,
                escape("; ".join(account.reasons)),
            )
        console.print(table)
    _print_goals(f.goals)


def _print_goals(goals: tuple[GoalProgress, ...]) -> None:
    if not goals:
        console.print("[dim]Goals: none set.[/]")
        return
    table = Table(title="Goals against actuals", title_justify="left")
    for column in ("Goal", "Scope", "Period", "Target", "Actual", "Progress", "Status"):
        table.add_column(
            column, justify="right" if column in ("Target", "Actual", "Progress") else "left"
        )
    notes = []
    for g in goals:
        progress = "–" if g.progress is None else f"{g.progress:.0%}"
        if g.expected_by_now is not None:
            progress += f" (due by now {goal_value(g.expected_by_now, g.unit)})"
        table.add_row(
            escape(g.label or g.metric),
            escape(g.scope_label or " ".join(str(x) for x in (g.scope, g.scope_ref) if x)),
            escape(g.period),
            goal_value(g.target, g.unit),
            goal_value(g.actual, g.unit),
            progress,
            f"[{goal_style(g.status)}]{goal_status(g.status)}[/]",
        )
        if g.note:
            notes.append(g.note)
    console.print(table)
    for note in notes:
        console.print(f"[red]Goal:[/] {escape(note)}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command()(score)
    app.command()(portfolio)
