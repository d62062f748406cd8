"""The terminal UI (``kam tui``)."""

from __future__ import annotations

from typing import Annotated

import typer

from core.errors import KamError
from kam.cli.context import DbOption, database_url, engine, settings


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command()
    def tui(
        as_user: Annotated[
            str | None,
            typer.Option(
                "--as",
                metavar="EMAIL",
                help="Who you are: your accounts, your team, your due list.",
            ),
        ] = None,
        serve: Annotated[
            bool, typer.Option("--serve", help="Serve the UI to a web browser instead.")
        ] = False,
        host: Annotated[
            str, typer.Option("--host", help="Address to serve on (with --serve).")
        ] = "127.0.0.1",
        port: Annotated[
            int, typer.Option("--port", help="Port to serve on (with --serve).")
        ] = 8000,
        db: DbOption = None,
    ) -> None:
        """Open the terminal UI: the portfolio table, accounts, what is due, the overview."""
        if serve:
            _serve(db, as_user, host, port)
            return
        from tui.app import KamApp
        from tui.service import PortfolioService

        eng = engine(db)
        try:
            service = PortfolioService(eng, user_email=as_user, timezone=settings().kam_timezone)
            KamApp(service).run()
        finally:
            eng.dispose()


def _serve(db: str | None, as_user: str | None, host: str, port: int) -> None:
    """Serve ``kam tui`` in a browser through textual-serve (localhost unless told)."""
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise KamError(
            "Serving the UI in a browser needs textual-serve: pip install -e '.[serve]'."
        ) from exc
    import os
    import shlex
    import sys

    engine(db).dispose()  # fail here, in the shell, if the database is not ready
    # the URL (which may hold a password) goes to each browser session's kam by environment
    os.environ["KAM_DATABASE_URL"] = database_url(db)
    command = [sys.executable, "-m", "kam", "tui"]
    if as_user:
        command += ["--as", as_user]
    typer.echo(f"Serving kam tui on http://{host}:{port} (Ctrl+C stops it).")
    Server(shlex.join(command), host=host, port=port, title="kam").serve()
