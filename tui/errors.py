"""What the user is told when work in a thread fails: one line, never a stack trace.

Textual reports a worker's state only to the widget that started it (the
message does not bubble), so every screen that runs workers passes failures here
(:class:`tui.screens.working.WorkingScreen` does it for the main screens).
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from core.errors import KamError
from tui.service import PortfolioService, who_first


def describe_error(error: BaseException | None) -> str:
    """What to tell the user about ``error``."""
    if isinstance(error, KamError):
        return str(error)
    return f"kam hit an unexpected problem ({type(error).__name__}); nothing was changed."


def report_failure(node: App[Any] | Widget, event: Worker.StateChanged) -> None:
    """Tell the user, in one notification, that the worker behind ``event`` failed."""
    if event.state is WorkerState.ERROR:
        node.notify(describe_error(event.worker.error), title="kam", severity="error")


def knows_who(
    node: App[Any] | Widget, service: PortfolioService, to: str, *, title: str = ""
) -> bool:
    """Whether kam knows who is using it; if not, a warning says how to tell it."""
    if service.user is not None:
        return True
    node.notify(who_first(to), title=title, severity="warning")
    return False
