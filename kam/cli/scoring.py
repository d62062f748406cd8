"""Scores and portfolio analytics (``kam score``, ``kam portfolio``)."""

from __future__ import annotations

import typer

from kam.cli.pending import not_built


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def score() -> None:
        """Scores, tier, quadrant and breakdown (not built yet)."""
        raise not_built("score", "account scoring")

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def portfolio() -> None:
        """Concentration, tiers, matrix and goals (not built yet)."""
        raise not_built("portfolio", "portfolio analytics")
