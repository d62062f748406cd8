"""What is due, and the reminder sweep (``kam due``, ``kam remind``)."""

from __future__ import annotations

import typer

from kam.cli.pending import not_built


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def due() -> None:
        """What is due, by priority (not built yet)."""
        raise not_built("due", "the check-in engine")

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def remind() -> None:
        """One reminder sweep (not built yet)."""
        raise not_built("remind", "the check-in engine")
