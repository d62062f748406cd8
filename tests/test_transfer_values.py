"""Reading the values people put in CSV cells: amounts, dates, separators."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.numbers import read_amount
from core.transfer.csvfile import read_text, sniff_delimiter
from core.transfer.problems import FileProblem
from core.transfer.values import DateReader, MomentReader, date_order, read_bool


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [
        ("1234.5", False, 1234.5),
        ("$1,234.50", False, 1234.5),
        ("USD 1,000", False, 1000.0),
        ("€ 3.50", False, 3.5),
        ("12 500 NOK", False, 12500.0),
        ("1.234.567,50 €", False, 1234567.5),
        ("12,5", False, 12.5),
        ("(200)", False, -200.0),
        ("1,5", True, 1.5),
        ("1.234", True, 1234.0),
        ("1.234,5", True, 1234.5),
    ],
)
def test_amounts_in_the_forms_finance_people_write(
    text: str, decimal_comma: bool, value: float
) -> None:
    assert read_amount(text, decimal_comma=decimal_comma) == value


@pytest.mark.parametrize("text", ["lots", "nan", "inf", "1,2,3.4.5", ""])
def test_what_is_not_a_number_says_so(text: str) -> None:
    with pytest.raises(ValueError, match="number"):
        read_amount(text)


def test_a_column_of_dates_decides_day_or_month_first() -> None:
    assert date_order(["25/03/2017", "01/04/2017"], column="d", file="f.csv") == "dmy"
    assert date_order(["03/25/2017", "04/01/2017"], column="d", file="f.csv") == "mdy"
    assert date_order(["2017-03-01"], column="d", file="f.csv") is None
    with pytest.raises(FileProblem, match="--date-format"):
        date_order(["03/04/2017", "05/06/2017"], column="Close Date", file="f.csv")
    with pytest.raises(FileProblem, match="consistent"):
        date_order(["25/03/2017", "03/25/2017"], column="d", file="f.csv")
    day_first = DateReader(order="dmy")
    assert day_first("01/04/17") == date(2017, 4, 1)
    assert DateReader("%d/%m/%Y")("03/04/2017") == date(2017, 4, 3)
    for text in ("2017-03-01", "1.3.2017", "01-Mar-2017", "Mar 1, 2017", "1 March 2017"):
        assert day_first(text) == date(2017, 3, 1), text
    with pytest.raises(ValueError, match="as a date"):
        day_first("31/02/2017")


def test_timestamps_without_a_zone_are_local_to_the_team() -> None:
    oslo = MomentReader(DateReader(order="mdy"), "Europe/Oslo")
    assert oslo("03/25/2017 2:30 PM") == datetime(2017, 3, 25, 13, 30, tzinfo=UTC)
    assert oslo("2017-07-01T10:00:00+00:00") == datetime(2017, 7, 1, 10, tzinfo=UTC)
    assert oslo("2017-07-01") == datetime(2017, 6, 30, 22, tzinfo=UTC)


def test_yes_and_no() -> None:
    assert [read_bool(t) for t in ("Yes", "x", "TRUE", "no", "0")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ValueError, match="yes or no"):
        read_bool("maybe")


def test_separator_and_line_ends_are_found() -> None:
    assert sniff_delimiter("a;b;c") == ";" and sniff_delimiter('"a,b";c;d') == ";"
    assert sniff_delimiter("a\tb") == "\t" and sniff_delimiter("single") == ","
    table = read_text('name;note\r\nAcme;"two\r\nlines"\r\n\r\nBeta;x\r\n', "f.csv")
    assert table.rows == [["Acme", "two\r\nlines"], ["Beta", "x"]]
    assert table.numbers == [2, 5]  # a record is numbered by the line it starts on
