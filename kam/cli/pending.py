"""Commands that later work fills in say so plainly, and never fake output."""

from __future__ import annotations

from core.errors import KamError


def not_built(command: str, arrives_with: str) -> KamError:
    """The error a not-yet-built command raises."""
    return KamError(f"`kam {command}` is not built yet; it arrives with {arrives_with}.")
