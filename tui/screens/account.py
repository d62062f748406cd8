"""One account: the card, the scores and why, the people, the history, what is open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from tui.format import label, money, score
from tui.messages import DataChanged
from tui.screens.forms import FORMS
from tui.service import PortfolioService

BAND_STYLE = {"red": "bold red", "yellow": "bold yellow", "green": "bold green"}


class AccountScreen(Screen[None]):
    """Everything worth knowing before calling this customer, and the forms to act."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("l", "form('log')", "Log"),
        Binding("c", "form('commitment')", "Promise"),
        Binding("n", "form('notice')", "Notice"),
        Binding("o", "form('order')", "Order"),
        Binding("f", "form('feedback')", "Feedback"),
    ]

    @dataclass
    class CardLoaded(Message):
        """The account card was read."""

        card: dict[str, Any]

    def __init__(self, service: PortfolioService, account_id: int) -> None:
        super().__init__()
        self.service = service
        self.account_id = account_id
        self.card: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="card"):
            yield Static("Loading the account…", id="summary")
            yield Static(id="scores", classes="section")
            yield PlotextPlot(id="revenue-chart")
            yield Static(id="contacts", classes="section")
            yield Static(id="timeline", classes="section")
            yield Static(id="open", classes="section")
            yield Static(id="deals", classes="section")
            yield Static(id="voice", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Account"
        self.query_one("#card").focus()
        self.load_card()

    @work(thread=True, exclusive=True, exit_on_error=False, group="card")
    def load_card(self) -> None:
        """Read the card in a thread."""
        card = self.service.account_card(self.account_id)
        if not get_current_worker().is_cancelled:
            self.post_message(self.CardLoaded(card))

    def on_account_screen_card_loaded(self, message: CardLoaded) -> None:
        self.card = card = message.card
        self.sub_title = card["name"]
        self.query_one("#summary", Static).update(_summary(card))
        self.query_one("#scores", Static).update(_scores(card))
        self.query_one("#contacts", Static).update(_contacts(card))
        self.query_one("#timeline", Static).update(_timeline(card))
        self.query_one("#open", Static).update(_open_items(card))
        self.query_one("#deals", Static).update(_deals(card))
        self.query_one("#voice", Static).update(_voice(card))
        self._draw_chart(card["revenue_by_month"])

    def _draw_chart(self, months: list[tuple[str, float]]) -> None:
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [m[5:] for m, _ in months]
        plt.bar(labels, [v for _, v in months])
        plt.title("Won revenue by month (last 12)")
        plt.yfrequency(3)
        chart.refresh()

    def action_form(self, name: str) -> None:
        """Open one of the forms for this account; a save reloads the card."""
        if self.card is None:
            return
        _, form = FORMS[name]

        def done(result: str | None) -> None:
            if result:
                self.post_message(DataChanged(self.account_id, result))
                self.load_card()

        self.app.push_screen(form(self.service, self.account_id, self.card["name"]), done)


def _summary(card: dict[str, Any]) -> Text:
    scores = card.get("scores") or {}
    band = card.get("health_band")
    trend = card.get("health_trend")
    arrow = "" if trend is None or abs(trend) < 1 else (" ↑" if trend > 0 else " ↓")
    text = Text()
    text.append(card["name"], style="bold")
    where = ", ".join(x for x in (card.get("sector"), card.get("country")) if x)
    if where:
        text.append(f"  {where}", style="dim")
    text.append("\n")
    text.append(f"Tier {label(card.get('tier') or 'standard')}")
    if card.get("tier_override"):
        text.append(f" (set by hand: {card.get('tier_override_reason')})", style="dim")
    text.append(f" · quadrant {label(scores.get('quadrant'))}")
    text.append(" · health ")
    text.append(f"{score(scores.get('health'))}{arrow}", style=BAND_STYLE.get(band or "", ""))
    if band:
        text.append(f" {band}", style=BAND_STYLE.get(band, ""))
    text.append("\n")
    owner = card.get("owner_name") or card.get("owner") or "nobody"
    text.append(f"Owner {owner}")
    if card.get("parent"):
        text.append(f" · part of {card['parent']}")
    text.append("\n")
    text.append(
        f"Revenue 12m {money(card['revenue_12m'])} · total {money(card['revenue_total'])}"
        f" ({card['won_deals']} won, {card['open_deals']} open)"
    )
    sow = card.get("share_of_wallet")
    text.append(f" · share of wallet {'–' if sow is None else f'{sow:.0%}'}")
    clv = card.get("clv")
    text.append(f" · CLV {money(clv) if clv is not None else '–'}")
    return text


def _scores(card: dict[str, Any]) -> Table | Text:
    scores = card.get("scores")
    if not scores:
        return Text("Not scored yet: run `kam score` to see why this account matters.", "dim")
    table = Table(title="Scores", title_justify="left", expand=True, box=None, padding=(0, 1))
    table.add_column("Score")
    table.add_column("Value", justify="right")
    table.add_column("Why", ratio=1)
    breakdown = card.get("breakdown") or {}
    for key in ("attractiveness", "relationship", "health"):
        table.add_row(key.title(), score(scores.get(key)), _why(breakdown.get(key)))
    return table


def _why(part: Any) -> str:
    """A breakdown entry as one line: factor value (weight), biggest first."""
    if part is None:
        return ""
    if isinstance(part, dict):
        items = []
        for name, value in part.items():
            if isinstance(value, dict):
                shown = value.get("points", value.get("value", value.get("score")))
                items.append(f"{label(name)} {_num(shown)}")
            else:
                items.append(f"{label(name)} {_num(value)}")
        return escape(", ".join(items))
    return escape(str(part))


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _contacts(card: dict[str, Any]) -> Table | Text:
    contacts = card.get("contacts") or []
    if not contacts:
        return Text("No contacts yet.", "dim")
    table = Table(title="Contacts", title_justify="left", expand=True, box=None, padding=(0, 1))
    table.add_column("Name")
    table.add_column("Title")
    table.add_column("Personal", ratio=1)
    for c in contacts:
        facts = [
            f"{k}: {c[k]}"
            for k in ("hometown", "favourite_team", "interests", "family", "birthday")
            if c.get(k)
        ]
        name = Text(c["name"] + (" ★" if c.get("decision_maker") else ""))
        table.add_row(name, Text(c.get("title") or ""), Text("; ".join(facts)))
    return table


def _timeline(card: dict[str, Any]) -> Table | Text:
    items = card.get("interactions") or []
    if not items:
        return Text("No interactions logged yet (press l to log one).", "dim")
    table = Table(title="Timeline", title_justify="left", expand=True, box=None, padding=(0, 1))
    table.add_column("When")
    table.add_column("Kind")
    table.add_column("Summary", ratio=1)
    for i in items:
        table.add_row(i["occurred_at"][:10], label(i["kind"]), Text(i["summary"]))
    return table


def _open_items(card: dict[str, Any]) -> Table | Text:
    rows: list[tuple[str, str, Text]] = []
    for c in card.get("open_commitments") or []:
        rows.append(("promise", f"due {c['due_on']}", Text(c["what"])))
    for n in card.get("untold_notices") or []:
        rows.append(("notice", f"tell by {n['must_tell_by']}", Text(n["what"])))
    if not rows:
        return Text("No open promises or untold notices.", "dim")
    table = Table(title="Open", title_justify="left", expand=True, box=None, padding=(0, 1))
    table.add_column("What")
    table.add_column("When")
    table.add_column("", ratio=1)
    for row in rows:
        table.add_row(*row)
    return table


def _deals(card: dict[str, Any]) -> Table | Text:
    deals = card.get("deals") or []
    orders = card.get("orders") or []
    if not deals and not orders:
        return Text("No deals or orders.", "dim")
    table = Table(
        title="Deals and orders", title_justify="left", expand=True, box=None, padding=(0, 1)
    )
    table.add_column("Stage")
    table.add_column("Amount", justify="right")
    table.add_column("Closed")
    table.add_column("What", ratio=1)
    for o in orders:
        table.add_row(
            f"order {o['status']}", money(o["amount"]), o["placed_at"][:10], Text(o["what"])
        )
    for d in deals:
        table.add_row(
            d["stage"], money(d["amount"]), d["closed_on"] or "", Text(d["product"] or "")
        )
    return table


def _voice(card: dict[str, Any]) -> Table | Text:
    rows: list[tuple[str, str, Text]] = []
    for f in card.get("feedback") or []:
        rating = ", ".join(
            part
            for part in (
                f"CSAT {f['csat']}" if f["csat"] is not None else "",
                f"NPS {f['nps']}" if f["nps"] is not None else "",
                f["expectation"] or "",
            )
            if part
        )
        rows.append((f["at"][:10], rating, Text(f["comment"] or "")))
    for r in card.get("requests") or []:
        offered = f" → offered {r['alternatives']}" if r.get("alternatives") else ""
        rows.append((r["at"][:10], "asked for", Text(r["what"] + offered)))
    if not rows:
        return Text("No feedback or requests yet (press f to record feedback).", "dim")
    table = Table(
        title="Feedback and requests", title_justify="left", expand=True, box=None, padding=(0, 1)
    )
    table.add_column("When")
    table.add_column("Rating")
    table.add_column("", ratio=1)
    for row in rows:
        table.add_row(*row)
    return table
