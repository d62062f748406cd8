"""A table of text as read from a file: the shape every import starts from."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.transfer.problems import RowProblem


@dataclass
class TextTable:
    """Rows of text under one header, with the row number people see for each.

    Row numbers count the header as row 1, as a spreadsheet does; a record
    spanning several lines carries the number of its first line.
    """

    name: str
    header: list[str]
    rows: list[list[str]]
    numbers: list[int] = field(default_factory=list)
    delimiter: str = ","
    problems: list[RowProblem] = field(default_factory=list)
    """Rows already refused while reading (a row wider or narrower than the header)."""
    odd_rows: dict[int, list[str]] = field(default_factory=dict)
    """Those refused rows as read, by row number (for the file of rejected rows)."""

    def __post_init__(self) -> None:
        if not self.numbers:
            self.numbers = list(range(2, len(self.rows) + 2))

    def __len__(self) -> int:
        return len(self.rows)
