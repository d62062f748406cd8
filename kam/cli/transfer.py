"""CSV import and export (``kam import``, ``kam export``)."""

from __future__ import annotations

import typer

from kam.cli.pending import not_built


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command(
        "import", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )
    def import_() -> None:
        """Import CSV files (not built yet)."""
        raise not_built("import", "CSV import")

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def export() -> None:
        """Export everything to CSV (not built yet)."""
        raise not_built("export", "CSV export")
