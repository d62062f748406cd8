"""What people type as an amount, a CSAT or an NPS that is no number kam can store, and
the one sentence every front end answers it with."""

from __future__ import annotations

AMOUNT_HINT = "is not a number kam can read; type it like 12000 or 12,000.50."

NOT_NUMBERS: list[tuple[str, str, str]] = [
    # field, what was typed, the sentence that refuses it
    ("amount", "1e400", f"The amount '1e400' {AMOUNT_HINT}"),
    ("amount", "nan", f"The amount 'nan' {AMOUNT_HINT}"),
    (
        "amount",
        "1e308",
        "The amount '1e308' is out of range; kam keeps numbers up to 1e15 either way.",
    ),
    ("amount", "-5", "The amount '-5' cannot be negative."),
    ("csat", "nan", "CSAT is a whole number from 1 to 5, not 'nan'."),
    ("csat", "1e400", "CSAT is a whole number from 1 to 5, not '1e400'."),
    ("nps", "1e400", "NPS is a whole number from 0 to 10, not '1e400'."),
    ("nps", "nan", "NPS is a whole number from 0 to 10, not 'nan'."),
]
