"""One set of rules for what people type: amounts, ratings, choices and required text."""

from __future__ import annotations

import math

import pytest

from core.errors import KamError
from core.models import FeedbackCreate, InteractionKind, OrderCreate, UserCreate
from core.validation import CSAT, NPS, amount, choice, whole
from tests.typed_numbers import NOT_NUMBERS


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12000", 12000.0),
        ("12,000.50", 12000.5),
        ("$1,234.50", 1234.5),
        ("1.234,50 €", 1234.5),
        ("  ", None),
    ],
)
def test_an_amount_is_read_as_people_type_it(typed: str, value: float | None) -> None:
    assert amount(typed) == value


@pytest.mark.parametrize(("field", "typed", "sentence"), NOT_NUMBERS)
def test_what_is_no_number_is_refused_with_one_sentence(
    field: str, typed: str, sentence: str
) -> None:
    with pytest.raises(KamError) as refused:
        if field == "amount":
            amount(typed)
        else:
            whole(typed, CSAT if field == "csat" else NPS)
    assert str(refused.value) == sentence


def test_a_rating_is_a_whole_number_on_its_scale() -> None:
    assert (whole("4", CSAT), whole("10", NPS), whole("", CSAT)) == (4, 10, None)
    for typed in ("4.5", "6", "0", "lots"):
        with pytest.raises(KamError, match=f"CSAT is a whole number from 1 to 5, not '{typed}'"):
            whole(typed, CSAT)


def test_a_choice_is_read_as_people_spell_it() -> None:
    assert choice("Thank you", InteractionKind, "kind") is InteractionKind.THANK_YOU
    assert choice(" ", InteractionKind, "kind") is None
    with pytest.raises(KamError, match="Unknown kind 'fax'; use one of call, meeting"):
        choice("fax", InteractionKind, "kind")


def test_an_input_refuses_what_no_front_end_would_store() -> None:
    """A script that skips the readers meets the same rules on the input model."""
    for infinite in (math.inf, math.nan):
        with pytest.raises(KamError, match="amount"):
            OrderCreate(what="40 licences", amount=infinite)
    with pytest.raises(KamError, match="Invalid order: amount cannot be negative"):
        OrderCreate(what="40 licences", amount=-1)
    with pytest.raises(KamError, match=r"^NPS is a whole number from 0 to 10, not 11\.$"):
        FeedbackCreate(nps=11)
    with pytest.raises(KamError, match=r"^The order description is empty; give it some text\.$"):
        OrderCreate(what="   ")
    assert OrderCreate(what="  40 licences ").what == "40 licences"
    with pytest.raises(KamError, match=r"^Invalid order: what holds a NUL character"):
        OrderCreate(what="40\x00licences")
    with pytest.raises(KamError, match=r"^Invalid order: amount 1e\+308 is out of range"):
        OrderCreate(what="40 licences", amount=1e308)
    with pytest.raises(KamError, match=r"^The name is empty"):
        UserCreate(email="bob@example.com", name=" \t")
