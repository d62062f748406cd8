"""Numbers as people write them: money amounts and whole numbers.

One reader each, shared by everything that takes what a person typed: the importer
(a cell of a CSV file) and, through :mod:`core.validation`, the Slack bot, the TUI and
the CLI. Each reader raises ValueError with a hint that says how to write the value;
NaN and infinity are never a number here, so none is ever stored.
"""

from __future__ import annotations

import math
import re

CURRENCY_CODE = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$")
"""An ISO 4217 code before or after the number (USD 1,000; 12 500 NOK): three capitals,
so that trailing words ("12 abc") are refused rather than read as 12."""
CURRENCY_SIGNS = "$€£¥₹₩₽ "
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
MAX_AMOUNT = 1e15
"""The largest amount kam keeps (a thousand trillion): beyond it a number is a typo or an
attack, and sums of such numbers overflow to infinity."""
OUT_OF_RANGE = "out of range; kam keeps numbers up to 1e15 either way"
MAX_INT = 2_147_483_647
"""The largest whole number kam keeps: what every database's integer column holds."""


def read_amount(text: str, *, decimal_comma: bool = False) -> float:
    """A number as finance people write it: $1,234.50, 1.234,50 €, (200), 12 500 NOK."""
    try:
        if decimal_comma and "." in text:
            raise ValueError(text)  # 1.234 is a thousand and more in a decimal-comma file
        value = float(text)
    except ValueError:
        quick = None if decimal_comma else _us_amount(text)
        value = quick if quick is not None else _amount(text, decimal_comma)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if abs(value) > MAX_AMOUNT:
        raise ValueError(f"{text!r} is {OUT_OF_RANGE}")
    return value


def _us_amount(text: str) -> float | None:
    """The common case quickly: $1,234.56 (a sign, thousands commas, a decimal point)."""
    body = text.strip().lstrip("$€£")
    comma, point = body.rfind(","), body.rfind(".")
    if comma < 0 or point < comma or point - comma != 4:
        return None
    try:
        return float(body.replace(",", ""))
    except ValueError:
        return None


def _amount(text: str, decimal_comma: bool) -> float:
    raw = text.strip()
    negative = raw.startswith("(") and raw.endswith(")")
    body = raw.strip("()").strip()
    if body.startswith("-"):
        negative, body = True, body[1:].strip()
    body = CURRENCY_CODE.sub("", body).strip(CURRENCY_SIGNS)
    if body.startswith("-"):
        negative, body = True, body[1:]
    body = body.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in body and "." in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
    elif "," in body:
        decimal = "," if decimal_comma or not THOUSANDS.match(body) else ""
    elif "." in body and decimal_comma:
        decimal = "" if DOT_THOUSANDS.match(body) else "."
    else:
        decimal = "."
    thousands = {",": ".", ".": ",", "": ",."}[decimal]
    for sep in thousands:
        body = body.replace(sep, "")
    if decimal == ",":
        body = body.replace(",", ".")
    try:
        value = float(body)
    except ValueError:
        raise ValueError(
            f"cannot read {text!r} as a number; write it like 1234.50 "
            "(currency signs and thousands separators are fine)"
        ) from None
    return -value if negative else value


def read_int(text: str) -> int:
    """A whole number; 1,200 and 1200.0 are accepted, up to :data:`MAX_INT` either way."""
    try:
        value = int(text)
    except ValueError:
        try:
            amount = read_amount(text)
        except ValueError:
            raise ValueError(
                f"cannot read {text!r} as a whole number; write it like 1200"
            ) from None
        if amount != int(amount):
            raise ValueError(f"{text!r} is not a whole number") from None
        value = int(amount)
    if abs(value) > MAX_INT:
        raise ValueError(f"{text!r} is out of range; kam keeps whole numbers up to {MAX_INT:,}")
    return value
