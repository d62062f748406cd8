"""What is wrong with an import, said so that a person can fix the file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import KamError

SHOWN = 50


@dataclass(frozen=True)
class RowProblem:
    """One cell (or row) that cannot be imported, and how to fix it."""

    file: str
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class FileProblem(KamError):
    """The file as a whole cannot be read (encoding, shape, missing column)."""


class ImportRejected(KamError):
    """Some rows are wrong; nothing was written. Lists the first problems and a count."""

    def __init__(self, file: str, problems: Sequence[RowProblem], *, skippable: bool = True):
        self.problems = list(problems)
        count = len(self.problems)
        lines = [
            f"{file}: {count:,} problem{'s' if count != 1 else ''} found; nothing was written."
        ]
        lines += [f"  {problem}" for problem in self.problems[:SHOWN]]
        if count > SHOWN:
            lines.append(f"  ... and {count - SHOWN:,} more.")
        if skippable:
            lines.append(
                "Fix the rows and import again, or pass --skip-invalid to import the valid "
                "rows and set the others aside in a CSV file beside the input."
            )
        super().__init__("\n".join(lines))
