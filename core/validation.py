"""One set of rules for what people type, and how a refusal reads.

Every front end (the Slack bot, the TUI, the CLI) reads a choice, a money amount or a
whole number on a scale with the one function here, and every writer's input model
(:class:`Input`) is checked by the rules here; so the same text is accepted or refused
the same way everywhere, with the same sentence. A refusal is a :class:`KamError`
whose message says what was wrong and how to write it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from core.errors import KamError
from core.numbers import MAX_AMOUNT, OUT_OF_RANGE, read_amount, read_int

E = TypeVar("E", bound=StrEnum)

SENTENCE = "kam_sentence"
"""The error type of a rule that words its refusal as a whole sentence."""


def refusal(sentence: str) -> PydanticCustomError:
    """A validation error that reads as ``sentence``, word for word."""
    return PydanticCustomError(SENTENCE, "{sentence}", {"sentence": sentence})


def _number(value: Any) -> str:
    if isinstance(value, (int, float)) and abs(value) >= 1e6 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _plain(kind: str, ctx: dict[str, Any], message: str) -> str:
    """Pydantic's message for one problem, in the words a person reads."""
    if kind == "enum" and "expected" in ctx:
        return f"should be one of {ctx['expected']}"
    if kind == "missing":
        return "is required"
    if kind == "greater_than_equal":
        return "cannot be negative" if ctx["ge"] == 0 else f"cannot be below {_number(ctx['ge'])}"
    if kind == "less_than_equal":
        return f"cannot be above {_number(ctx['le'])}"
    if kind == "greater_than":
        return f"must be more than {_number(ctx['gt'])}"
    return message[0].lower() + message[1:]


def describe(error: ValidationError, what: str) -> str:
    """One line for every problem: a rule's own sentence, else the field in plain words and
    what is expected."""
    sentences: list[str] = []
    parts: list[str] = []
    for item in error.errors():
        ctx = item.get("ctx") or {}
        if item["type"] == SENTENCE:
            sentences.append(str(ctx["sentence"]))
            continue
        field = " ".join(str(p) for p in item["loc"]).replace("_", " ") or what
        parts.append(f"{field} {_plain(item['type'], ctx, item['msg'])}")
    if parts:
        sentences.append(f"Invalid {what}: " + "; ".join(parts) + ".")
    return " ".join(sentences)


class Input(SQLModel):
    """What a person gives a writer, checked as it is made.

    Text is stripped, no number is NaN or infinite, and anything wrong is refused with
    one :class:`KamError` sentence naming every problem, so a front end builds the
    input from what was typed and shows the refusal as it is.
    """

    # SQLModel types its config as its own TypedDict, which it does not export.
    model_config = ConfigDict(str_strip_whitespace=True, allow_inf_nan=False)  # type: ignore[assignment]
    noun: ClassVar[str] = "record"
    """What the input describes, as a refusal names it ("Invalid order: …")."""

    def __init__(self, **data: Any) -> None:
        for field, value in data.items():
            plain(field, value, self.noun)
        # Python's strip, as the importer and required_text use: pydantic's own strips
        # less (not the separators \x1c-\x1f), so an export would not restore as stored.
        data = {f: v.strip() if isinstance(v, str) else v for f, v in data.items()}
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise KamError(describe(exc, self.noun)) from exc


NUL_SENTENCE = "holds a NUL character (\\x00), which no database keeps; remove it"


def plain(field: str, value: Any, noun: str) -> None:
    """Refuse a value no database keeps the same everywhere: text with a NUL character,
    or a number beyond :data:`~core.numbers.MAX_AMOUNT` (a typo, or sums that overflow)."""
    name = field.replace("_", " ")
    if isinstance(value, str) and "\x00" in value:
        raise KamError(f"Invalid {noun}: {name} {NUL_SENTENCE}.")
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) > MAX_AMOUNT
    ):
        raise KamError(f"Invalid {noun}: {name} {value:g} is {OUT_OF_RANGE}.")


def required_text(value: str | None, field: str, *, max_length: int) -> str:
    """Strip ``value``; refuse it when empty or too long."""
    text = (value or "").strip()
    if not text:
        raise KamError(f"The {field} is empty; give it some text.")
    if len(text) > max_length:
        raise KamError(f"The {field} is {len(text)} characters long; the limit is {max_length}.")
    return text


def required(field: str, *, max_length: int) -> BeforeValidator:
    """The rule for text a person must give, as a model field's validator: stripped, not
    empty, at most ``max_length`` characters (see :func:`required_text`)."""

    def check(value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            return value  # not text at all: the field's type refuses it
        return required_text(value, field, max_length=max_length)

    return rule(check)


def rule(check: Callable[[Any], Any]) -> BeforeValidator:
    """A model field's validator from ``check``, whose KamError becomes the refusal."""

    def run(value: Any) -> Any:
        try:
            return check(value)
        except KamError as exc:
            raise refusal(exc.message) from None

    return BeforeValidator(run)


def normalise_email(email: str) -> str:
    """The form kam stores and looks up an e-mail address in: addresses compare without
    case."""
    return email.strip().lower()


def email_address(text: str) -> str:
    """An e-mail address as typed, in the form kam stores; refused without an @."""
    email = normalise_email(text)
    if "@" not in email:
        raise KamError(f"{email!r} is not an e-mail address.")
    return email


def choice(value: str | None, allowed: type[E], what: str) -> E | None:
    """One of ``allowed`` as people type it ("Thank you", "thank-you" and "THANK_YOU" are
    ``thank_you``), None when empty; anything else is refused with the choices."""
    if value is None or not value.strip():
        return None
    wanted = value.strip().lower().replace(" ", "_").replace("-", "_")
    for member in allowed:
        if member.value == wanted:
            return member
    values = ", ".join(member.value for member in allowed)
    raise KamError(f"Unknown {what} {value!r}; use one of {values}.")


@dataclass(frozen=True)
class Scale:
    """A whole number people give on a fixed scale, named as they know it."""

    name: str
    low: int
    high: int | None = None
    """None: no upper end."""

    def holds(self, value: int) -> bool:
        """Whether ``value`` is on the scale."""
        return value >= self.low and (self.high is None or value <= self.high)

    def sentence(self, given: object) -> str:
        """The sentence that refuses ``given`` (what was typed, or a number)."""
        span = (
            f"from {self.low} to {self.high}" if self.high is not None else f"of {self.low} or more"
        )
        return f"{self.name} is a whole number {span}, not {given!r}."


MONEY_MAX = 1e12
"""The largest money amount kam takes (a trillion): a larger one is a typing slip."""

CSAT = Scale("CSAT", 1, 5)
"""Customer satisfaction, 1 (very unhappy) to 5 (very happy)."""
NPS = Scale("NPS", 0, 10)
"""How likely they are to recommend us, 0 to 10."""


def on_scale(scale: Scale) -> BeforeValidator:
    """The rule for a model field on ``scale``: a number off it is refused with the
    scale's sentence, the one a person who typed it reads."""

    def check(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and not scale.holds(value):
            raise refusal(scale.sentence(value))
        return value

    return BeforeValidator(check)


def amount(text: str | None) -> float | None:
    """A money amount as a person types it: "12000", "12,000.50", "$1,234.50", "1.234,50 €";
    never negative (what a customer pays or costs is not).

    None when nothing was typed. Anything else, NaN and infinity included, is refused
    with one sentence, so no front end stores a number it cannot show.
    """
    if text is None or not text.strip():
        return None
    try:
        value = read_amount(text.strip())
    except ValueError as exc:
        if OUT_OF_RANGE in str(exc):
            raise KamError(f"The amount {text.strip()!r} is {OUT_OF_RANGE}.") from None
        raise KamError(
            f"The amount {text.strip()!r} is not a number kam can read; "
            "type it like 12000 or 12,000.50."
        ) from None
    if value < 0:
        raise KamError(f"The amount {text.strip()!r} cannot be negative.")
    return value


def whole(text: str | None, scale: Scale) -> int | None:
    """A whole number on ``scale`` as a person types it ("4", "4.0"); None when nothing was
    typed. Anything else, NaN and infinity included, is refused with one sentence."""
    if text is None or not text.strip():
        return None
    try:
        value = read_int(text.strip())
    except ValueError:
        raise KamError(scale.sentence(text.strip())) from None
    if not scale.holds(value):
        raise KamError(scale.sentence(text.strip()))
    return value
