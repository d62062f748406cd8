"""The portfolio at a glance: the matrix, concentration, tiers, capacity and goals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual_plotext import PlotextPlot

from core.scoring import PortfolioFigures
from core.scoring.display import forecast_basis, goal_style, goal_value
from core.scoring.forecast import RevenueForecast
from core.views import ScoreCounts, column_counts, score_counts
from tui.format import label, money
from tui.messages import ScoresChanged
from tui.portfolio_index import QUADRANTS, PortfolioIndex
from tui.screens.forms import GOAL, GOAL_EDIT, Opening
from tui.screens.working import WorkingScreen
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

    figures: PortfolioFigures
    counts: ScoreCounts  # by the stored scores, as the portfolio table shows them
    points: dict[str, tuple[list[float], list[float]]]
    pareto: tuple[list[float], list[float]]

    @property
    def scored(self) -> int:
        """How many accounts have stored scores."""
        return self.counts.scored


def build_overview(index: PortfolioIndex, figures: PortfolioFigures) -> Overview:
    """Matrix points per quadrant (sampled evenly past MAX_POINTS) and the Pareto curve."""
    c = index.columns
    points: dict[str, tuple[list[float], list[float]]] = {q: ([], []) for q in QUADRANTS}
    if c is None:
        return Overview(figures, score_counts([]), points, ([0.0], [0.0]))
    scored = np.flatnonzero(~np.isnan(c.attractiveness) & (c.quadrant >= 0))
    step = max(1, len(scored) // MAX_POINTS)
    quadrants = c.quadrants
    for i, x, y in zip(
        scored[::step].tolist(),
        c.attractiveness[scored[::step]].tolist(),
        c.relationship[scored[::step]].tolist(),
        strict=True,
    ):
        xs, ys = points[quadrants[c.quadrant[i]]]
        xs.append(float(x))
        ys.append(float(y))
    revenue = sorted(c.revenue_12m[c.revenue_12m > 0].tolist(), reverse=True)
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
    return Overview(figures, column_counts(c), points, (xs_p, ys_p))


class PortfolioScreen(WorkingScreen):
    """Is the portfolio healthy, concentrated, over-served?"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.accounts", "Back"),
        Binding("r", "reload", "Reload"),
        Binding("G", "set_goal", "Set a goal"),
        Binding("E", "edit_goal", "Change a goal"),
    ]

    @dataclass
    class OverviewLoaded(Message):
        """The figures were computed."""

        overview: Overview

    def __init__(self, service: PortfolioService, index: PortfolioIndex | None = None) -> None:
        super().__init__(service)
        self.index = index
        self.overview: Overview | None = None

    def body(self) -> ComposeResult:
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

    def on_mount(self) -> None:
        self.sub_title = "Portfolio overview"
        self.load_overview()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#overview").set_class(event.size.width >= 110, "-wide")

    @work(thread=True, exclusive=True, exit_on_error=False, group="overview")
    def load_overview(self) -> None:
        """Compute the figures in a thread."""
        index = self.index if self.index is not None else self.service.load_index()
        self.deliver(self.OverviewLoaded(build_overview(index, self.service.figures())))

    def action_reload(self) -> None:
        self.index = None
        self.load_overview()

    def action_set_goal(self) -> None:
        """Open the goal form; a goal set shows in the goals below at once."""
        self.open_form(GOAL, Opening("the portfolio"), self.load_overview)

    def action_edit_goal(self) -> None:
        """Change a goal's target or period (the goals are read first, in a thread)."""
        self._edit_goal()

    @work(thread=True, exclusive=True, exit_on_error=False, group="goal-choices")
    def _edit_goal(self) -> None:
        goals = self.service.goal_choices()
        self.app.call_from_thread(self._open_goal_edit, goals)

    def _open_goal_edit(self, goals: list[tuple[str, str]]) -> None:
        self.open_form(
            GOAL_EDIT, Opening("the portfolio", choices={"goal": goals}), self.load_overview
        )

    def on_scores_changed(self, message: ScoresChanged) -> None:
        """The portfolio was rescored: count and draw the new stored scores."""
        self.action_reload()

    def on_portfolio_screen_overview_loaded(self, message: OverviewLoaded) -> None:
        self.overview = o = message.overview
        self._draw_matrix(o)
        self._draw_pareto(o)
        self.query_one("#concentration", Static).update(_concentration(o.figures))
        self.query_one("#tiers", Static).update(_counts(o.counts, o.figures))
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
        shown = f"{o.scored:,} scored" if o.scored else "not scored yet: press R"
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


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _concentration(figures: PortfolioFigures) -> Group | Text:
    c = figures.concentration
    if c.hhi is None:
        return Text("Concentration: no won revenue in the last 12 months.", "dim")
    table = Table(title="Concentration", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("Revenue 12m", money(c.revenue_12m))
    for name, share in (("CR1", c.cr1), ("CR5", c.cr5), ("CR10", c.cr10)):
        table.add_row(name, _share(share))
    band = c.hhi_band or ""
    table.add_row("HHI", Text(f"{c.hhi:,.0f} {band}", HHI_STYLE.get(band, "")))
    flags = [Text(f"⚠ {flag.message}", "yellow") for flag in c.flags]
    return Group(table, *flags)


def _counts(counts: ScoreCounts, figures: PortfolioFigures) -> Table | Text:
    """Tiers, quadrants and health bands by the stored scores (the table's), or that there
    are none yet."""
    if not counts.scored:
        return Text(
            f"Tiers, quadrants, health: none of the {counts.accounts:,} accounts is scored "
            "yet. Press R to score the portfolio.",
            "yellow",
        )
    table = Table(title="Tiers, quadrants, health", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("Accounts", justify="right")
    earned, now = figures.earned_tiers, figures.tiers
    for name, count in counts.tiers.items():
        differs = earned.get(name, 0) != now.get(name, 0)  # tiers set by hand
        table.add_row(
            f"tier {label(name)}",
            f"{count:,}" + (f" (earned {earned[name]:,})" if differs else ""),
        )
    held = figures.over_capacity.accounts
    if held:
        table.add_row(Text("over capacity", "yellow"), f"{held:,}")
    for name, count in counts.quadrants.items():
        table.add_row(Text(label(name), QUADRANT_COLOURS.get(name, "")), f"{count:,}")
    for name, count in counts.bands.items():
        table.add_row(Text(f"health {name}", BAND_STYLE.get(name, "")), f"{count:,}")
    if counts.health_average is not None:
        table.add_row("health average", f"{counts.health_average:.0f}")
    if counts.scored < counts.accounts:
        table.add_row(Text("not scored yet", "yellow"), f"{counts.accounts - counts.scored:,}")
    return table


def _capacity(figures: PortfolioFigures) -> Table | Text:
    warnings = figures.capacity_warnings
    held = figures.over_capacity
    if not warnings and not held.accounts:
        return Text("Capacity: no team or manager holds more key accounts than it can serve.")
    table = Table(title="Capacity", title_justify="left", box=None, padding=(0, 1))
    table.add_column("", ratio=1)
    if held.accounts:
        table.add_row(Text(held.message, "yellow"))
    for warning in warnings:
        style = "bold red" if warning.level == "critical" else "yellow"
        table.add_row(Text(warning.message, style))
    return table


def _value(figures: PortfolioFigures) -> Table:
    table = Table(title="Value", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("", justify="right")
    clv = figures.clv
    observed = "observed" if clv.retention_observed else "assumed"
    table.add_row("CLV, all accounts", money(clv.total))
    table.add_row(f"retention ({observed})", _share(clv.retention))
    wallet = figures.share_of_wallet
    if wallet.portfolio is not None:
        table.add_row("share of wallet", _share(wallet.portfolio))
        table.add_row("headroom", money(wallet.headroom))
    table.add_row("over-served accounts", f"{figures.over_served.count:,}")
    forecast = figures.forecast
    if isinstance(forecast, RevenueForecast):
        table.add_row(
            "forecast, next 12m",
            f"{money(forecast.total)} ({money(forecast.low)}–{money(forecast.high)})",
        )
        table.add_row("fitted to", forecast_basis(forecast, narrow=True))
    return table


def _goals(figures: PortfolioFigures) -> Group | Text:
    """Each goal: what, for whom and when, target, actual, progress and status."""
    goals = figures.goals
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
        scope = g.scope_label or " ".join(str(x) for x in (g.scope, g.scope_ref) if x)
        table.add_row(
            Text(f"{g.label or g.metric} · {scope} · {g.period}"),
            goal_value(g.target, g.unit, narrow=True),
            goal_value(g.actual, g.unit, narrow=True),
            "–" if g.progress is None else f"{g.progress:.0%}",
            Text(label(g.status), goal_style(g.status)),
        )
        if g.note:
            notes.append(Text(f"⚠ {g.note}", "red"))
    return Group(table, *notes)
