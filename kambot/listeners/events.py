"""Events: the App Home tab."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Listen for events (the App Home tab arrives with the check-in engine)."""
