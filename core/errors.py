"""The one error type that carries a message meant for the user.

Every rule the core enforces raises :class:`KamError` (or a subclass) with a
sentence a person can act on; front ends show ``str(error)`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence


class KamError(Exception):
    """A problem the user can fix; the message says what was wrong and how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(KamError):
    """Nothing matched; ``suggestions`` holds the nearest names ("did you mean")."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        self.suggestions = list(suggestions)
        if self.suggestions:
            message = f"{message} Did you mean: {', '.join(self.suggestions)}?"
        super().__init__(message)


class Forbidden(KamError):
    """The acting user has no right to change this record."""


class DatabaseNotReady(KamError):
    """The database is missing or older than this version of kam."""


class DatabaseUnavailable(KamError):
    """The database cannot be reached or opened: the server is down, the connection was
    lost, or the file cannot be opened. The message names the database (never its
    password) and what to do."""
