"""One account: the card, the scores and why, the people, the history, what is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from rich.console import Group
from rich.table import Column, Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual_plotext import PlotextPlot

from core.scoring.account_results import HealthDetail
from core.scoring.display import criterion_value, share_of_wallet
from core.scoring.explain import StoredExplanation
from core.scoring.forecast import MonthRevenue
from core.views import AccountCard, profile_lines
from tui.format import label, money, score
from tui.messages import ScoresChanged
from tui.screens.audit import AuditScreen
from tui.screens.forms import FORMS
from tui.screens.plan import PlanScreen
from tui.screens.working import WorkingScreen
from tui.service import PortfolioService

BAND_STYLE = {"red": "bold red", "yellow": "bold yellow", "green": "bold green"}


class AccountScreen(WorkingScreen):
    """Everything worth knowing before calling this customer, and the forms to act."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        *(
            Binding(form.key, f"form('{name}')", form.short, show=form.show)
            for name, form in FORMS.items()
        ),
        Binding("P", "plan", "Plan"),
        Binding("h", "history", "History", show=False),
    ]

    @dataclass
    class CardLoaded(Message):
        """The account card was read."""

        card: AccountCard

    @dataclass
    class ScoresLoaded(Message):
        """The account's stored scores were explained (None: the account is gone)."""

        scores: StoredExplanation | None

    def __init__(self, service: PortfolioService, account_id: int) -> None:
        super().__init__(service)
        self.account_id = account_id
        self.card: AccountCard | None = None
        self.scores: StoredExplanation | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static("Loading the account…", id="summary")
            yield Static(id="contacts", classes="section")
            yield Static(id="open", classes="section")
            yield Static(id="timeline", classes="section")
            yield PlotextPlot(id="revenue-chart")
            yield Static(id="deals", classes="section")
            yield Static(id="voice", classes="section")
            yield Static(id="scores", classes="section")

    def on_mount(self) -> None:
        self.sub_title = "Account"
        self.query_one("#card").focus()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="card")
    def load_card(self) -> None:
        """Read the card in a thread."""
        self.deliver(self.CardLoaded(self.service.account_card(self.account_id)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="scores")
    def load_scores(self) -> None:
        """Explain the account's stored scores (relative to the whole portfolio) in a thread."""
        self.deliver(self.ScoresLoaded(self.service.account_scores(self.account_id)))

    def on_scores_changed(self, message: ScoresChanged) -> None:
        """The portfolio was rescored: read the card's stored scores and their reasons again."""
        self.reload()

    def on_account_screen_scores_loaded(self, message: ScoresLoaded) -> None:
        self.scores = message.scores
        self.query_one("#scores", Static).update(_scores(self.scores))
        if self.card is not None:
            self.query_one("#summary", Static).update(_summary(self.card, self.scores))

    def on_account_screen_card_loaded(self, message: CardLoaded) -> None:
        self.card = card = message.card
        self.sub_title = card.name
        self.query_one("#summary", Static).update(_summary(card, self.scores))
        if self.scores is None:
            self.query_one("#scores", Static).update(Text("Working out the scores…", "dim"))
        self.query_one("#contacts", Static).update(_contacts(card))
        self.query_one("#timeline", Static).update(_timeline(card))
        self.query_one("#open", Static).update(_open_items(card))
        self.query_one("#deals", Static).update(_deals(card))
        self.query_one("#voice", Static).update(_voice(card))
        self._draw_chart(card.revenue_by_month or [])

    def _draw_chart(self, months: list[MonthRevenue]) -> None:
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [m.month[5:] for m in months]
        plt.bar(labels, [m.revenue for m in months])
        plt.title("Won revenue by month (last 12)")
        plt.yfrequency(3)
        chart.refresh()

    def action_plan(self) -> None:
        """Open the account's plan (strategic and key accounts have one)."""
        if self.card is not None:
            self.app.push_screen(PlanScreen(self.service, self.account_id, self.card.name))

    def action_form(self, name: str) -> None:
        """Open one of the forms for this account; a save reloads the card."""
        if self.card is not None:
            opening = FORMS[name].opening(self.card, self.account_id)
            self.open_form(FORMS[name].form, opening, self.reload)

    def reload(self) -> None:
        """Read the card and its scores again."""
        self.load_card()
        self.load_scores()

    def action_history(self) -> None:
        """Who changed what on this account, newest first."""
        if self.card is not None:
            self.app.push_screen(AuditScreen(self.service, self.account_id, self.card.name))


TREND_ARROWS = {"up": " ↑", "down": " ↓"}
NUMBERS = ("Raw", "Norm", "Weight", "Points")
"""The right-aligned columns of a score's criteria."""


def _day(value: date | datetime | None) -> str:
    """The calendar day of a date or timestamp, as ISO text ("" for none)."""
    return value.isoformat()[:10] if value is not None else ""


NOT_SCORED = "Not scored yet: press R to score the portfolio."


def _summary(card: AccountCard, explained: StoredExplanation | None) -> Text:
    """Who the customer is, the stored scores' tier and health, revenue and value."""
    scores = card.scores
    band = card.health_band
    trend = card.health_trend
    arrow = TREND_ARROWS.get(trend.direction, "") if trend is not None else ""
    text = Text()
    text.append(card.name, style="bold")
    where = ", ".join(x for x in (card.sector, card.country) if x)
    if where:
        text.append(f"  {where}", style="dim")
    text.append("\n")
    if card.tier_override:
        text.append(f"Tier {label(card.tier_override)}")
        text.append(f" (set by hand: {card.tier_override_reason})", style="dim")
        text.append(" · ")
    if scores is None:
        text.append(NOT_SCORED, style="dim")
    else:
        if not card.tier_override:
            text.append(f"Tier {label(card.tier or scores.tier)}")
            if card.over_capacity:
                text.append(f" ({card.over_capacity.message})", style="yellow")
            text.append(" · ")
        text.append(
            f"quadrant {label(scores.quadrant)}"
            f" (attractiveness {score(scores.attractiveness)},"
            f" relationship {score(scores.relationship)})"
        )
        text.append(" · health ")
        text.append(f"{score(scores.health)}{arrow}", style=BAND_STYLE.get(band or "", ""))
        if band:
            text.append(f" {band}", style=BAND_STYLE.get(band, ""))
    text.append("\n")
    owner = card.owner_name or card.owner or "nobody"
    text.append(f"Owner {owner}")
    if card.parent:
        text.append(f" · part of {card.parent}")
    text.append("\n")
    text.append(
        f"Revenue 12m {money(card.revenue_12m)} · total {money(card.revenue_total)}"
        f" ({card.won_deals} won, {card.open_deals} open)"
    )
    text.append("\n")
    if explained is None:
        text.append("Share of wallet, CLV: working them out…", style="dim")
        return text
    value = explained.breakdown.value
    text.append(f"Share of wallet {share_of_wallet(value, narrow=True)}")
    text.append(f" · CLV {money(value.clv)}")
    if value.contribution_assumed:
        text.append(" (margin assumed)", style="dim")
    if value.over_served:
        text.append("\nOver-served: " + "; ".join(value.over_served_reasons), "yellow")
    return text


def _scores(explained: StoredExplanation | None) -> Group | Text:
    """Each stored score with every criterion: raw value, normalised, weight, points."""
    if explained is None:
        return Text("No scores: the account is no longer in the portfolio.", "dim")
    scored = explained.breakdown
    tier = scored.tier
    head = Text()
    if explained.scored_at is None:
        head.append(NOT_SCORED, style="bold")
        head.append("\nIf it were scored now:", style="dim")
    else:
        head.append(f"Why these scores (scored {explained.scored_at:%Y-%m-%d %H:%M} UTC)")
        head.stylize("bold")
    head.append(
        f"  tier {label(tier.tier)}, rank {tier.rank:,} of {tier.of:,}"
        f" · check in every {tier.cadence_days} days",
        style="dim",
    )
    if tier.over_capacity:
        head.append(f"\n{tier.over_capacity.message}", style="yellow")
    parts: list[Table | Text] = [head]
    for name, part in scored.scores:
        columns = (_wide("Criterion"), *(Column(h, justify="right") for h in NUMBERS))
        rows: list[tuple[Cell, ...]] = [
            (
                Text(row.label).append(" (no data)" if row.missing else "", style="dim"),
                criterion_value(row.raw, row.unit, narrow=True),
                f"{row.normalised:.2f}",
                f"{row.weight:g}",
                f"{row.points:.1f}",
            )
            for row in part.criteria
        ]
        parts.append(_section(f"{name.title()} {part.score:.1f}", columns, rows, "No criteria."))
    parts.append(_health_trend(scored.health))
    return Group(*parts)


def _health_trend(health: HealthDetail) -> Text:
    trend = health.trend
    if trend is None:
        return Text("No earlier snapshot to compare health with.", "dim")
    moved = ", ".join(f"{f.label} {f.change:+.1f}" for f in trend.factors)
    since = trend.previous_at.date().isoformat() if trend.previous_at else ""
    text = Text(f"Health {trend.direction} {trend.change:+.1f} since {since}")
    if moved:
        text.append(f": {moved}", style="dim")
    return text


Cell = str | Text


def _section(
    title: str, columns: tuple[str | Column, ...], rows: list[tuple[Cell, ...]], empty: str
) -> Table | Text:
    """One titled table of the card (``empty``, dimmed, when it has no rows); a table fills
    the ``columns`` it is given, so each call brings new ones."""
    if not rows:
        return Text(empty, "dim")
    table = Table(
        *columns, title=title, title_justify="left", expand=True, box=None, padding=(0, 1)
    )
    for row in rows:
        table.add_row(*row)
    return table


def _wide(header: str) -> Column:
    """The column that takes the width the others leave."""
    return Column(header, ratio=1)


def _contacts(card: AccountCard) -> Group:
    rows: list[tuple[Cell, ...]] = [
        (
            Text(c.name + (" ★" if c.decision_maker else "")),
            Text(c.title or ""),
            Text(c.role),
            Text(c.reports_to or ""),
            Text("; ".join(f"{k}: {v}" for k, v in c.personal())),
        )
        for c in card.contacts
    ]
    people = _section(
        "Contacts",
        ("Name", "Title", "Role", "Reports to", _wide("Personal")),
        rows,
        "No contacts yet (press k to add one, i to note a personal fact).",
    )
    known: list[tuple[Cell, ...]] = [
        (line.label, Text(line.attributed)) for line in profile_lines(card)
    ]
    profile = _section("Profile", ("", _wide("")), known, "No profile yet (press e to fill it in).")
    return Group(people, profile)


def _timeline(card: AccountCard) -> Table | Text:
    """Meetings to come first (planned, no touch yet), then the touches, newest first."""
    rows: list[tuple[Cell, ...]] = [
        (_day(p.starts_at), Text("planned", style="italic"), Text(p.title))
        for p in reversed(card.planned)
    ]
    rows += [
        (
            _day(i.occurred_at),
            label(i.kind),
            Text(i.summary) + Text(f" ({i.captured})", style="dim")
            if i.captured
            else Text(i.summary),
        )
        for i in card.interactions
    ]
    empty = "No interactions logged yet (press l to log one)."
    return _section("Timeline", ("When", "Kind", _wide("Summary")), rows, empty)


def _open_items(card: AccountCard) -> Table | Text:
    rows: list[tuple[Cell, ...]] = []
    for c in card.open_commitments:
        rows.append(("promise", f"due {_day(c.due_on)}", Text(c.what)))
    for n in card.untold_notices:
        rows.append(("notice", f"tell by {_day(n.must_tell_by)}", Text(n.what)))
    empty = "No open promises or untold notices."
    return _section("Open", ("What", "When", _wide("")), rows, empty)


def _deals(card: AccountCard) -> Table | Text:
    rows: list[tuple[Cell, ...]] = []
    for o in card.orders:
        rows.append((f"order {o.status}", money(o.amount), _day(o.placed_at), Text(o.what)))
    for d in card.deals or []:
        rows.append((d.stage, money(d.amount), _day(d.closed_on), Text(d.product or "")))
    columns = ("Stage", Column("Amount", justify="right"), "Closed", _wide("What"))
    return _section("Deals and orders", columns, rows, "No deals or orders.")


def _voice(card: AccountCard) -> Table | Text:
    rows: list[tuple[Cell, ...]] = []
    for f in card.feedback:
        rating = ", ".join(
            part
            for part in (
                f"CSAT {f.csat}" if f.csat is not None else "",
                f"NPS {f.nps}" if f.nps is not None else "",
                f.expectation or "",
            )
            if part
        )
        rows.append((_day(f.at), rating, Text(f.comment or "")))
    for r in card.requests:
        offered = f" → offered {r.alternatives}" if r.alternatives else ""
        outcome = Text(f" ({label(r.outcome)})", style="dim")
        rows.append((_day(r.at), "asked for", Text(r.what + offered) + outcome))
    empty = "No feedback or requests yet (press f to record feedback, w a request)."
    return _section("Feedback and requests", ("When", "Rating", _wide("")), rows, empty)
