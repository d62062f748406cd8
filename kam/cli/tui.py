"""The terminal UI (``kam tui``)."""

from __future__ import annotations

import typer

from kam.cli.pending import not_built


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def tui() -> None:
        """Open the terminal UI (not built yet)."""
        raise not_built("tui", "the terminal UI")
