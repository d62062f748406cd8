"""The portfolio at a glance: the matrix, concentration, tiers, capacity and goals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, get_current_worker
from textual_plotext import PlotextPlot

from tui.errors import report_failure
from tui.format import goal_value, label, money
from tui.portfolio_index import QUADRANTS, PortfolioIndex
from tui.service import PortfolioService

MAX_POINTS = 3000
PARETO_POINTS = 100
QUADRANT_COLOURS = {
    "strategic": "green",
    "develop": "cyan",
    "maintain": "yellow",
    "serve_efficiently": "red",
}
HHI_STYLE = {
    "diversified": "green",
    "moderate": "yellow",
    "high": "bold yellow",
    "critical": "bold red",
}
BAND_STYLE = {"red": "red", "yellow": "yellow", "green": "green"}


@dataclass(frozen=True)
class Overview:
    """What the overview draws, computed in a thread."""

    figures: dict[str, Any]
    points: dict[str, tuple[list[float], list[float]]]
    pareto: tuple[list[float], list[float]]
    scored: int
    total: int


def build_overview(index: PortfolioIndex, figures: dict[str, Any]) -> Overview:
    """Matrix points per quadrant (sampled evenly past MAX_POINTS) and the Pareto curve."""
    scored = [r for r in index.rows if r.attractiveness is not None and r.quadrant]
    step = max(1, len(scored) // MAX_POINTS)
    points: dict[str, tuple[list[float], list[float]]] = {q: ([], []) for q in QUADRANTS}
    for row in scored[::step]:
        xs, ys = points[row.quadrant or "serve_efficiently"]
        xs.append(float(row.attractiveness or 0))
        ys.append(float(row.relationship or 0))
    revenue = sorted((r.revenue_12m for r in index.rows if r.revenue_12m > 0), reverse=True)
    total = sum(revenue)
    xs_p: list[float] = [0.0]
    ys_p: list[float] = [0.0]
    if total > 0:
        n = len(revenue)
        stride = max(1, n // PARETO_POINTS)
        running = 0.0
        for i, value in enumerate(revenue, start=1):
            running += value
            if i % stride == 0 or i == n:
                xs_p.append(100 * i / n)
                ys_p.append(100 * running / total)
    return Overview(figures, points, (xs_p, ys_p), len(scored), len(index.rows))


class PortfolioScreen(Screen[None]):
    """Is the portfolio healthy, concentrated, over-served?"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.accounts", "Back"),
        Binding("r", "reload", "Reload"),
    ]

    @dataclass
    class OverviewLoaded(Message):
        """The figures were computed."""

        overview: Overview

    def __init__(self, service: PortfolioService, index: PortfolioIndex | None = None) -> None:
        super().__init__()
        self.service = service
        self.index = index
        self.overview: Overview | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        # pairs side by side on a wide terminal, one under the other at 80 columns
        with VerticalScroll(id="overview"):
            with Horizontal(classes="pair"):
                yield PlotextPlot(id="matrix")
                yield PlotextPlot(id="pareto")
            with Horizontal(classes="pair"):
                yield Static("Computing the portfolio's figures…", id="concentration")
                yield Static(id="tiers")
            with Horizontal(classes="pair"):
                yield Static(id="value")
                yield Static(id="capacity")
            yield Static(id="goals")
        yield Footer()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def on_mount(self) -> None:
        self.sub_title = "Portfolio overview"
        self.load_overview()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#overview").set_class(event.size.width >= 110, "-wide")

    @work(thread=True, exclusive=True, exit_on_error=False, group="overview")
    def load_overview(self) -> None:
        """Compute the figures in a thread."""
        index = self.index if self.index is not None else self.service.load_index()
        overview = build_overview(index, self.service.figures())
        if not get_current_worker().is_cancelled:
            self.post_message(self.OverviewLoaded(overview))

    def action_reload(self) -> None:
        self.index = None
        self.load_overview()

    def on_portfolio_screen_overview_loaded(self, message: OverviewLoaded) -> None:
        self.overview = o = message.overview
        self._draw_matrix(o)
        self._draw_pareto(o)
        self.query_one("#concentration", Static).update(_concentration(o.figures))
        self.query_one("#tiers", Static).update(_counts(o.figures))
        self.query_one("#capacity", Static).update(_capacity(o.figures))
        self.query_one("#value", Static).update(_value(o.figures))
        self.query_one("#goals", Static).update(_goals(o.figures))

    def _draw_matrix(self, o: Overview) -> None:
        chart = self.query_one("#matrix", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        for quadrant, (xs, ys) in o.points.items():
            if xs:
                plt.scatter(xs, ys, color=QUADRANT_COLOURS[quadrant], marker="●")
        plt.xlim(0, 100)
        plt.ylim(0, 100)
        cuts = self.service.config.quadrant
        plt.vline(cuts.attractiveness)
        plt.hline(cuts.relationship)
        # each quadrant named in its own corner, where a legend would hide points
        corners: tuple[tuple[str, int, int, Literal["left", "right"]], ...] = (
            ("maintain", 1, 99, "left"),
            ("strategic", 99, 99, "right"),
            ("serve_efficiently", 1, 1, "left"),
            ("develop", 99, 1, "right"),
        )
        for quadrant, x, y, align in corners:
            plt.text(label(quadrant), x, y, color=QUADRANT_COLOURS[quadrant], alignment=align)
        plt.xlabel("attractiveness")
        plt.ylabel("relationship")
        shown = f"{o.scored:,} scored" if o.scored else "none scored yet: run kam score"
        plt.title(f"Matrix ({shown})")
        chart.refresh()

    def _draw_pareto(self, o: Overview) -> None:
        chart = self.query_one("#pareto", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        xs, ys = o.pareto
        plt.plot(xs, ys, marker="braille")
        plt.xlim(0, 100)
        plt.ylim(0, 100)
        plt.xlabel("% of accounts")
        plt.ylabel("% of revenue")
        plt.title("Revenue concentration (Pareto)")
        chart.refresh()


def _share(value: Any) -> str:
    return "–" if value is None else f"{float(value):.0%}"


def _concentration(figures: dict[str, Any]) -> Group | Text:
    c = figures.get("concentration") or {}
    if c.get("hhi") is None:
        return Text("Concentration: no won revenue in the last 12 months.", "dim")
    table = Table(title="Concentration", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("Revenue 12m", money(c.get("revenue_12m")))
    for name in ("cr1", "cr5", "cr10"):
        table.add_row(name.upper(), _share(c.get(name)))
    band = c.get("hhi_band") or ""
    table.add_row("HHI", Text(f"{c['hhi']:,.0f} {band}", HHI_STYLE.get(band, "")))
    flags = [Text(f"⚠ {flag.get('message', '')}", "yellow") for flag in c.get("flags") or []]
    return Group(table, *flags)


def _counts(figures: dict[str, Any]) -> Table:
    table = Table(title="Tiers, quadrants, health", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("Accounts", justify="right")
    earned = figures.get("earned_tiers") or {}
    for name, count in (figures.get("tiers") or {}).items():
        differs = earned.get(name, count) != count
        table.add_row(
            f"tier {label(name)}",
            f"{count:,}" + (f" (earned {earned[name]:,})" if differs else ""),
        )
    for name, count in (figures.get("quadrants") or {}).items():
        table.add_row(Text(label(name), QUADRANT_COLOURS.get(name, "")), f"{count:,}")
    health = figures.get("health") or {}
    for name, count in (health.get("bands") or {}).items():
        table.add_row(Text(f"health {name}", BAND_STYLE.get(name, "")), f"{count:,}")
    if health.get("average") is not None:
        table.add_row("health average", f"{health['average']:.0f}")
    return table


def _capacity(figures: dict[str, Any]) -> Table | Text:
    warnings = figures.get("capacity_warnings") or []
    if not warnings:
        return Text("Capacity: no team or manager holds more key accounts than it can serve.")
    table = Table(title="Capacity warnings", title_justify="left", box=None, padding=(0, 1))
    table.add_column("", ratio=1)
    for warning in warnings:
        style = "bold red" if warning.get("level") == "critical" else "yellow"
        table.add_row(Text(str(warning.get("message", "")), style))
    return table


def _value(figures: dict[str, Any]) -> Table:
    table = Table(title="Value", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("", justify="right")
    clv = figures.get("clv") or {}
    if clv:
        observed = "observed" if clv.get("retention_observed") else "assumed"
        table.add_row("CLV, all accounts", money(clv.get("total")))
        table.add_row(f"retention ({observed})", _share(clv.get("retention")))
    wallet = figures.get("share_of_wallet") or {}
    if wallet.get("portfolio") is not None:
        table.add_row("share of wallet", _share(wallet["portfolio"]))
        table.add_row("headroom", money(wallet.get("headroom")))
    over = (figures.get("over_served") or {}).get("count")
    if over is not None:
        table.add_row("over-served accounts", f"{over:,}")
    forecast = figures.get("forecast") or {}
    if forecast.get("available"):
        table.add_row(
            "forecast, next 12m",
            f"{money(forecast.get('total'))} ({money(forecast.get('low'))}–"
            f"{money(forecast.get('high'))})",
        )
    return table


GOAL_STYLE = {
    "met": "green",
    "on_track": "green",
    "behind": "yellow",
    "missed": "red",
    "no_data": "dim",
    "not_started": "dim",
}


def _goals(figures: dict[str, Any]) -> Group | Text:
    """Each goal: what, for whom and when, target, actual, progress and status."""
    goals = figures.get("goals") or []
    if not goals:
        return Text("Goals: no goals set.", "dim")
    table = Table(title="Goals against actuals", title_justify="left", box=None, padding=(0, 1))
    table.add_column("Goal", ratio=1)
    table.add_column("Target", justify="right")
    table.add_column("Actual", justify="right")
    table.add_column("", justify="right")
    table.add_column("Status")
    notes = []
    for g in goals:
        unit = g.get("unit")
        status = str(g.get("status") or "")
        scope = g.get("scope_label") or " ".join(
            str(x) for x in (g.get("scope"), g.get("scope_ref")) if x
        )
        progress = g.get("progress")
        table.add_row(
            Text(f"{g.get('label') or g.get('metric')} · {scope} · {g.get('period')}"),
            goal_value(g.get("target"), unit),
            goal_value(g.get("actual"), unit),
            "–" if progress is None else f"{progress:.0%}",
            Text(label(status), GOAL_STYLE.get(status, "red")),
        )
        if g.get("note"):
            notes.append(Text(f"⚠ {g['note']}", "red"))
    return Group(table, *notes)
