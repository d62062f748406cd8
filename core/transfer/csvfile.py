"""Read and write CSV files the way spreadsheets and CRMs produce them.

UTF-8 with or without a byte-order mark (UTF-16 with a BOM too, as Excel's
"Unicode text" writes it), CRLF or LF line ends, a comma, semicolon, tab or
pipe between fields, one header row. A file in another encoding is refused
with the command that converts it, never guessed at.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from core.transfer.problems import FileProblem, RowProblem
from core.transfer.table import TextTable

DELIMITERS = (",", ";", "\t", "|")
MAX_COLUMNS = 1_000
MAX_FIELD = 1_000_000


def decode(data: bytes, name: str) -> str:
    """The file's text; a BOM picks the encoding, otherwise it must be UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        raise FileProblem(
            f"{name} is not UTF-8 text (byte 0x{byte:02X} on line {line}; the file is probably "
            'Windows-1252 or Latin-1). Save it again as "CSV UTF-8", or convert it with '
            f"`iconv -f WINDOWS-1252 -t UTF-8 {name} > utf8-{name}`."
        ) from exc


def sniff_delimiter(first_line: str) -> str:
    """The separator the header uses most (outside quotes); a comma when none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_text(text: str, name: str) -> TextTable:
    """Parse CSV text into a table, refusing rows whose width differs from the header's."""
    if not text.strip():
        raise FileProblem(
            f"{name} is empty. It needs a header row naming the columns, then one row per record."
        )
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as exc:
        raise FileProblem(f"{name}: cannot read the header row ({exc}).") from exc
    if len(header) > MAX_COLUMNS:
        raise FileProblem(
            f"{name}: the header has {len(header):,} columns; kam reads at most {MAX_COLUMNS:,}. "
            "Check that the first row is the header and the separator is a comma or semicolon."
        )
    blank = [i + 1 for i, cell in enumerate(header) if not cell]
    if blank and len(blank) == len(header):
        raise FileProblem(f"{name}: the first row is blank; it must name the columns.")
    width = len(header)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise FileProblem(
            f"{name}, row {reader.line_num + 1}: cannot read the row ({exc}). "
            "Look for a quote that is opened and never closed."
        ) from exc
    if reader.line_num == len(records) + 1:  # one line per record: row n is line n
        numbers = list(range(2, len(records) + 2))
    else:
        numbers = _line_numbers(text, delimiter)
    rows: list[list[str]] = []
    kept: list[int] = []
    problems: list[RowProblem] = []
    odd_rows: dict[int, list[str]] = {}
    if all(len(row) == width for row in records):
        rows, kept = records, numbers
    else:
        for row, number in zip(records, numbers, strict=True):
            if len(row) == width:
                rows.append(row)
                kept.append(number)
            elif row and not (len(row) == 1 and not row[0].strip()):  # not a blank line
                problems.append(_width_problem(name, number, len(row), width))
                odd_rows[number] = row
    numbers = kept
    return TextTable(
        name, header, rows, numbers, delimiter=delimiter, problems=problems, odd_rows=odd_rows
    )


def _line_numbers(text: str, delimiter: str) -> list[int]:
    """The line each record ends on, for files where a quoted cell spans lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    return [reader.line_num for _ in reader]


def _width_problem(name: str, line: int, got: int, width: int) -> RowProblem:
    return RowProblem(
        name,
        line,
        None,
        f"the row has {got:,} fields but the header has {width:,}; look for an extra "
        "separator or text with a comma that needs quotes around it",
    )


def read_csv(path: Path) -> TextTable:
    """Read a CSV file from disk."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise FileProblem(f"There is no file {str(path)!r}.") from exc
    except IsADirectoryError as exc:
        raise FileProblem(f"{str(path)!r} is a folder; name a CSV file in it.") from exc
    return read_text(decode(data, path.name), path.name)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a UTF-8 CSV (LF line ends); return how many rows were written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
