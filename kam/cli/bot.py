"""The Slack bot (``kam bot``): Socket Mode by default, or HTTP with ``--http``."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from core.errors import KamError
from core.masking import MaskingFormatter
from kam.cli.context import DbOption, engine, settings


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command()
    def bot(
        http: Annotated[
            bool, typer.Option("--http", help="Serve POST /slack/events instead of Socket Mode.")
        ] = False,
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="HTTP port.")] = 3000,
        host: Annotated[str, typer.Option("--host", help="HTTP address to listen on.")] = "0.0.0.0",
        db: DbOption = None,
    ) -> None:
        """Run the Slack bot and its reminder scheduler until stopped (Ctrl-C)."""
        from kambot.app import create_app
        from kambot.notifier import build_notifier
        from kambot.scheduler import build_scheduler
        from kambot.summary import schedule_team_summary

        terminal = logging.StreamHandler()  # tokens and passwords masked on it too
        terminal.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[terminal])
        config = settings()
        if not http and config.slack_app_token is None:
            raise KamError(
                "Socket Mode needs SLACK_APP_TOKEN (xapp-…, scope connections:write, from your "
                'app\'s "Basic Information" page). Or run `kam bot --http --port 3000`.'
            )
        eng = engine(db)
        scheduler = None
        try:
            app = create_app(config, eng)
            scheduler = build_scheduler(eng, build_notifier(config), config)
            if config.kam_team_channel:
                schedule_team_summary(
                    scheduler, eng, app.client, config.kam_team_channel, config.kam_timezone
                )
            scheduler.start()
            if http:
                from kambot.server import EVENTS_PATH, http_server

                server = http_server(app, host=host, port=port)
                typer.echo(f"kam bot listening on http://{host}:{server.server_port}{EVENTS_PATH}")
                try:
                    server.serve_forever()
                finally:
                    server.server_close()
            else:
                from slack_bolt.adapter.socket_mode import SocketModeHandler
                from slack_sdk.errors import SlackApiError

                from kambot.slack_errors import token_problem

                assert config.slack_app_token is not None
                typer.echo("kam bot connecting to Slack in Socket Mode.")
                try:
                    SocketModeHandler(app, config.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
                except SlackApiError as exc:
                    raise KamError(
                        token_problem(exc, "SLACK_APP_TOKEN")
                        or f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')})."
                    ) from None
        except KeyboardInterrupt:
            typer.echo("kam bot stopped.")
        finally:
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=False)
            eng.dispose()
