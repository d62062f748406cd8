"""Typed results as ``--json`` prints them: every field, in order, under its own name.

The read models and scoring results are frozen dataclasses that the front ends
render and scripts read as JSON. Each used to spell out its ``as_json()`` key by
key, so every field was written twice and a new one could silently miss the
output; now the fields are the one list. A field prints under another key with
``field(metadata=printed_as("account"))`` and stays out of the JSON with
``field(metadata=NOT_PRINTED)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from functools import cache
from typing import Any, TypeVar

_KEY = "json_key"
NOT_PRINTED: Mapping[str, None] = {_KEY: None}
"""Field metadata for what the front ends show but ``--json`` leaves out."""

R = TypeVar("R")

_AS_IS = frozenset({str, int, float, bool, type(None)})
"""The types JSON holds as they are (checked by exact type: a row has a dozen of them)."""


def printed_as(key: str) -> Mapping[str, str]:
    """Field metadata for a field whose JSON key is not its name (``account_name`` is
    ``account`` in ``kam score --json``)."""
    return {_KEY: key}


class JsonResult:
    """A frozen dataclass that prints as JSON from its fields (mixed in, adds no state)."""

    __slots__ = ()

    def as_json(self) -> dict[str, Any]:
        """The result as ``--json`` prints it: dates as ISO text, nested results as their
        JSON, tuples as lists, in the order the fields are declared."""
        kind: type = type(self)
        return {
            key: value if type(value := getattr(self, name)) in _AS_IS else plain(value)
            for name, key in _printed(kind)
        }


@cache
def _printed(result: type) -> tuple[tuple[str, str], ...]:
    """(attribute, key) of every printed field of a result class, computed once per class."""
    keys = ((f.name, f.metadata.get(_KEY, f.name)) for f in fields(result))
    return tuple((name, key) for name, key in keys if key is not None)


def plain(value: Any) -> Any:
    """``value`` as JSON holds it (numbers, text and None as they are)."""
    if isinstance(value, JsonResult):
        return value.as_json()
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    return value  # numbers, text, None


def result_from(result: type[R], record: object, **given: Any) -> R:
    """``result`` with every field not ``given`` read from ``record``'s attribute of the same
    name: a read model shows most of a stored record's fields as they are, and naming each
    one twice (``what=commitment.what``) was most of the code that built it."""
    return result(
        **{
            f.name: given[f.name] if f.name in given else getattr(record, f.name)
            for f in fields(result)  # type: ignore[arg-type]
        }
    )
