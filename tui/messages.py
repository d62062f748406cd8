"""Messages the whole app listens for (a widget's own messages live on the widget)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class DataChanged(Message):
    """Something was written; screens showing the portfolio reload what they show."""

    account_id: int | None = None
    summary: str = ""


@dataclass
class OpenAccount(Message):
    """Show one account's screen."""

    account_id: int


class ScoresChanged(Message, bubble=False):
    """The portfolio was rescored: every screen showing scores reads them again.

    The App posts it to each screen on the stack; it does not bubble back up.
    """
