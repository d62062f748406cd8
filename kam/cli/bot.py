"""The Slack bot (``kam bot``): Socket Mode by default, or HTTP with ``--http``."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Annotated

import typer

from core.errors import KamError
from core.masking import MaskingFormatter
from kam.cli.context import DbOption, engine, settings

WORK_THREADS_PER_THREAD = 8
"""bolt acks from the thread that then does the work: a burst is acked only as fast as
threads come free, so there are many (they mostly wait on the database and Slack)."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command()
    def bot(
        http: Annotated[
            bool, typer.Option("--http", help="Serve POST /slack/events instead of Socket Mode.")
        ] = False,
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="HTTP port.")] = 3000,
        host: Annotated[
            str,
            typer.Option("--host", help="HTTP address to listen on (0.0.0.0 for every one)."),
        ] = "127.0.0.1",
        threads: Annotated[
            int,
            typer.Option(
                "--threads",
                min=1,
                max=256,
                help="HTTP: threads answering requests (8 times as many do the work after acks).",
            ),
        ] = 8,
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
            app = create_app(config, eng, workers=WORK_THREADS_PER_THREAD * threads)
            scheduler = build_scheduler(eng, build_notifier(config), config)
            if config.kam_team_channel:
                schedule_team_summary(
                    scheduler, eng, app.client, config.kam_team_channel, config.kam_timezone
                )
            scheduler.start()
            if http:
                from kambot.server import EVENTS_PATH, HEALTH_PATH, http_server

                assert config.slack_signing_secret is not None  # create_app checked it
                server = http_server(
                    app,
                    signing_secret=config.slack_signing_secret.get_secret_value(),
                    host=host,
                    port=port,
                    threads=threads,
                )
                for signum in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(signum, lambda *_: server.stop())
                where = f"http://{host}:{server.server_port}"
                typer.echo(
                    f"kam bot listening on {where}{EVENTS_PATH} (health: {where}{HEALTH_PATH})"
                )
                sys.stdout.flush()  # a supervisor reading the pipe sees the line at once
                try:
                    server.serve_forever()
                finally:
                    server.server_close()
                typer.echo("kam bot stopped.")
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
