"""The portfolio at a glance: the matrix, concentration, tiers, capacity and goals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from tui.format import label, money
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
HHI_BANDS = ((1000, "diversified"), (1800, "moderate"), (2500, "high"))


def hhi_band(hhi: float) -> str:
    """<1,000 diversified, 1,000–1,800 moderate, 1,800–2,500 high, above critical."""
    for limit, name in HHI_BANDS:
        if hhi < limit:
            return name
    return "critical"


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

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="overview-scroll"), Grid(id="overview"):
            yield PlotextPlot(id="matrix")
            yield PlotextPlot(id="pareto")
            yield Static("Computing the portfolio's figures…", id="concentration")
            yield Static(id="tiers")
            yield Static(id="capacity")
            yield Static(id="goals")
        yield Footer()

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
        o = message.overview
        self._draw_matrix(o)
        self._draw_pareto(o)
        self.query_one("#concentration", Static).update(_concentration(o.figures))
        self.query_one("#tiers", Static).update(_tiers(o.figures))
        self.query_one("#capacity", Static).update(_capacity(o.figures))
        self.query_one("#goals", Static).update(_goals(o.figures))

    def _draw_matrix(self, o: Overview) -> None:
        chart = self.query_one("#matrix", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        for quadrant, (xs, ys) in o.points.items():
            if xs:
                plt.scatter(xs, ys, label=label(quadrant), color=QUADRANT_COLOURS[quadrant])
        plt.xlim(0, 100)
        plt.ylim(0, 100)
        plt.vline(50)
        plt.hline(50)
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


def _number(figures: dict[str, Any], *names: str) -> float | None:
    """The first of ``names`` present in ``figures``, looking one level into dicts."""
    for name in names:
        value = figures.get(name)
        if isinstance(value, int | float):
            return float(value)
    for value in figures.values():
        if isinstance(value, dict):
            found = _number(value, *names)
            if found is not None:
                return found
    return None


def _concentration(figures: dict[str, Any]) -> Table:
    table = Table(title="Concentration", title_justify="left", box=None, padding=(0, 1))
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    for name, keys in (
        ("CR1", ("cr1", "CR1")),
        ("CR5", ("cr5", "CR5")),
        ("CR10", ("cr10", "CR10")),
    ):
        value = _number(figures, *keys)
        shown = "–" if value is None else f"{value:.0%}" if value <= 1 else f"{value:.0f}%"
        table.add_row(name, shown)
    hhi = _number(figures, "hhi", "HHI")
    if hhi is not None:
        band = figures.get("hhi_band") or hhi_band(hhi)
        table.add_row("HHI", Text(f"{hhi:,.0f} {band}"))
    for flag in figures.get("flags") or []:
        table.add_row(Text("⚠", "bold yellow"), Text(_flag_text(flag), "yellow"))
    return table


def _flag_text(flag: Any) -> str:
    if isinstance(flag, dict):
        return str(flag.get("message") or flag.get("text") or ", ".join(map(str, flag.values())))
    return str(flag)


def _counts(figures: dict[str, Any], key: str) -> dict[str, Any]:
    value = figures.get(key) or {}
    return value if isinstance(value, dict) else {}


def _tiers(figures: dict[str, Any]) -> Table:
    table = Table(title="Tiers and quadrants", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("Accounts", justify="right")
    for name, count in _counts(figures, "tier_counts").items():
        table.add_row(f"tier {label(name)}", f"{count:,}")
    for name, count in _counts(figures, "quadrant_counts").items():
        table.add_row(label(name), f"{count:,}")
    return table


def _capacity(figures: dict[str, Any]) -> Table | Text:
    warnings = figures.get("capacity_warnings") or []
    if not warnings:
        return Text("Capacity: no team holds more key accounts than it can serve.", "green")
    table = Table(title="Capacity warnings", title_justify="left", box=None, padding=(0, 1))
    table.add_column("", ratio=1)
    for warning in warnings:
        table.add_row(Text(_flag_text(warning), "yellow"))
    return table


def _goals(figures: dict[str, Any]) -> Table | Text:
    goals = figures.get("goals") or []
    if not goals:
        return Text("Goals: none set.", "dim")
    table = Table(title="Goals against actuals", title_justify="left", box=None, padding=(0, 1))
    table.add_column("Goal")
    table.add_column("Target", justify="right")
    table.add_column("Actual", justify="right")
    for goal in goals:
        if not isinstance(goal, dict):
            table.add_row(Text(str(goal)), "", "")
            continue
        actual = goal.get("actual")
        table.add_row(
            Text(f"{label(goal.get('metric'))} ({goal.get('scope', '')} {goal.get('period', '')})"),
            _value(goal.get("target")),
            _value(actual),
        )
    return table


def _value(value: Any) -> str:
    if isinstance(value, float):
        return money(value) if abs(value) >= 1000 else f"{value:.2f}"
    return "–" if value is None else str(value)
