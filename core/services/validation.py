"""Turn pydantic's validation errors into one sentence a user can act on."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlmodel import SQLModel

from core.errors import KamError

M = TypeVar("M", bound=SQLModel)


def describe(error: ValidationError, what: str) -> str:
    """One line per problem: the field in plain words and what is expected."""
    parts = []
    for item in error.errors():
        field = " ".join(str(p) for p in item["loc"]).replace("_", " ") or what
        message = item["msg"]
        ctx = item.get("ctx") or {}
        if item["type"] == "enum" and "expected" in ctx:
            message = f"should be one of {ctx['expected']}"
        elif item["type"] == "missing":
            message = "is required"
        parts.append(f"{field} {message[0].lower()}{message[1:]}")
    return f"Invalid {what}: " + "; ".join(parts) + "."


def validated(model: type[M], data: Mapping[str, Any], what: str) -> M:
    """Build ``model`` from ``data`` with every field checked, or raise KamError."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise KamError(describe(exc, what)) from exc


def required_text(value: str | None, field: str, *, max_length: int) -> str:
    """Strip ``value``; refuse it when empty or too long."""
    text = (value or "").strip()
    if not text:
        raise KamError(f"The {field} is empty; give it some text.")
    if len(text) > max_length:
        raise KamError(f"The {field} is {len(text)} characters long; the limit is {max_length}.")
    return text


def choice(value: str | None, allowed: type[StrEnum], what: str) -> str | None:
    """One of ``allowed`` as people type it ("Thank you", "thank-you" and "THANK_YOU" are
    ``thank_you``), None when empty; anything else is refused with the choices."""
    if value is None or not value.strip():
        return None
    wanted = value.strip().lower().replace(" ", "_").replace("-", "_")
    values = [member.value for member in allowed]
    if wanted not in values:
        raise KamError(f"Unknown {what} {value!r}; use one of {', '.join(values)}.")
    return wanted
