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
    if (wide := _utf16_without_bom(data)) is not None:
        try:
            return data.decode(wide)
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"{name} looks like UTF-16 text without a byte-order mark, but is not valid "
                f'{wide.upper()}. Save it again as "CSV UTF-8".'
            ) from exc
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


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the first bytes are ASCII spread over two bytes each
    (a header such as ``n\\0a\\0m\\0e\\0``), else None: UTF-8 text has no NUL bytes in its
    header."""
    head = data[:200]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if not odd.strip(b"\x00") and even.strip(b"\x00"):
        return "utf-16-le"
    if not even.strip(b"\x00") and odd.strip(b"\x00"):
        return "utf-16-be"
    return None


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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
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
    records: list[list[str]] = []
    starts: list[int] = []
    read_to = reader.line_num
    try:
        for record in reader:
            records.append(record)
            starts.append(read_to + 1)
            read_to = reader.line_num
    except csv.Error as exc:
        raise FileProblem(
            f"{name}, row {read_to + 1}: cannot read the row ({exc}). "
            "Look for a quote that is opened and never closed."
        ) from exc
    numbers = starts
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
    """Write a UTF-8 CSV (LF line ends); return how many rows were written.

    A row with a carriage return in a cell is written with every cell quoted: Python 3.11's
    writer quotes only for the line terminator's characters, and a bare CR left unquoted
    ends the record for every reader, kam's own included."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        for row in rows:
            has_cr = any(isinstance(cell, str) and "\r" in cell for cell in row)
            (quoted if has_cr else writer).writerow(row)
            count += 1
    return count
