"""The account profile: what the team knows about a customer beyond its sales, each entry
dated and attributed.

The values live on the account (scoring reads the relationship stage, financial health,
industry influence, category spend, cost to serve, gross margin and a tier set by hand
from there); a :class:`ProfileEntry` per field says who set it and when. Every front end
hands :func:`read_profile` what was typed, field by field, so "stage 6" or a margin of
"lots" is refused with the same sentence everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core.actors import Actor, ensure_can_change
from core.clock import utcnow
from core.errors import KamError
from core.models import Account, AccountUpdate, ProfileEntry, Tier
from core.results import JsonResult
from core.services.accounts import update_account
from core.services.contacts import CLEAR
from core.validation import Scale, amount, choice, whole

STAGE = Scale("The relationship stage (McDonald: 1 exploratory to 5 integrated)", 1, 5)
RATING = Scale("A rating", 1, 5)
MONTHS = Scale("The replacement time in months", 0, 600)


def _scale(scale: Scale) -> Callable[[str], Any]:
    return lambda text: whole(text, scale)


def _rating(name: str) -> Callable[[str], Any]:
    return _scale(Scale(name, RATING.low, RATING.high))


def _margin(text: str) -> float | None:
    """A gross margin as people write it: "32", "32%" or "0.32"."""
    return amount(text.strip().removesuffix("%"))


def _tier(text: str) -> Tier | None:
    """A tier set by hand; "auto" hands the tier back to scoring."""
    if text.strip().casefold() == "auto":
        return None
    return choice(text, Tier, "tier")


def _text(text: str) -> str | None:
    return text.strip() or None


@dataclass(frozen=True)
class ProfileField:
    """One field of the profile: its label and how typed text is read."""

    name: str
    option: str
    """Its short name as an option (``--stage``), the same in the CLI and Slack."""
    label: str
    read: Callable[[str], Any]


PROFILE: dict[str, ProfileField] = {
    f.name: f
    for f in (
        ProfileField("relationship_stage", "stage", "Relationship stage (1–5)", _scale(STAGE)),
        ProfileField(
            "financial_health", "health", "Financial health (1–5)", _rating("Financial health")
        ),
        ProfileField(
            "industry_influence",
            "influence",
            "Industry influence (1–5)",
            _rating("Industry influence"),
        ),
        ProfileField("category_spend", "spend", "Category spend (all suppliers, a year)", amount),
        ProfileField("cost_to_serve", "cost-to-serve", "Cost to serve (a year)", amount),
        ProfileField("gross_margin", "margin", "Gross margin (%)", _margin),
        ProfileField("tier_override", "tier", "Tier set by hand (or auto)", _tier),
        ProfileField("tier_override_reason", "reason", "Why that tier", _text),
        ProfileField("customer_values", "values", "What they value", _text),
        ProfileField("difficulties", "difficulties", "What causes them difficulty", _text),
        ProfileField("buying_process", "buying", "How they buy, and who takes part", _text),
        ProfileField("other_suppliers", "suppliers", "What else they buy, and from whom", _text),
        ProfileField("strategic_plans", "plans", "Their strategic plans", _text),
        ProfileField("replacement_cost", "replacement-cost", "Cost to replace them", amount),
        ProfileField(
            "replacement_months", "replacement-months", "Months to replace them", _scale(MONTHS)
        ),
    )
}
"""The profile's fields, in the order forms and cards show them."""


def by_option(given: Mapping[str, str | None]) -> dict[str, str]:
    """What was given as options (``stage``, ``cost-to-serve`` or ``cost_to_serve``), by
    profile field; options not given (None) are left out."""
    fields = {f.option: f.name for f in PROFILE.values()}
    typed = {}
    for option, text in given.items():
        if text is not None:
            typed[fields.get(option.replace("_", "-"), option)] = text
    return typed


def read_profile(typed: Mapping[str, str]) -> AccountUpdate:
    """The profile change ``typed`` (field name → text as typed) asks for; empty text or
    "-" clears a field. Refused, as a whole, with one sentence."""
    values: dict[str, Any] = {}
    for name, text in typed.items():
        spec = PROFILE.get(name)
        if spec is None:
            raise KamError(f"The profile has no field {name!r}; it has {', '.join(PROFILE)}.")
        values[name] = None if text.strip().casefold() in CLEAR else spec.read(text)
    if values.get("tier_override") is not None and "tier_override_reason" not in values:
        values["tier_override_reason"] = None
    return AccountUpdate(**values)


def set_profile(
    account: Account,
    changes: AccountUpdate,
    *,
    session: Session,
    actor: Actor,
    now: datetime | None = None,
) -> Account:
    """Change the profile fields ``changes`` sets, and note who set each one that changed,
    and when.

    Handing the tier back to scoring drops its reason; a reason alone is refused
    unless the tier is already set by hand.
    """
    ensure_can_change(actor, account)
    fields = changes.model_dump(exclude_unset=True)
    unknown = set(fields) - set(PROFILE)
    if unknown:
        raise KamError(f"{', '.join(sorted(unknown))} is not part of the profile.")
    if not fields:
        raise KamError("Nothing to change: give at least one profile field.")
    if "tier_override" in fields and fields["tier_override"] is None:
        fields["tier_override_reason"] = None
    tier = fields.get("tier_override", account.tier_override)
    reason = fields.get("tier_override_reason", account.tier_override_reason)
    if tier is None and reason:
        raise KamError("A reason goes with a tier set by hand; give the tier too.")
    if tier is not None and not reason:
        AccountUpdate(tier_override=tier)  # refused with the rule's own sentence
    changed = [name for name, value in fields.items() if getattr(account, name) != value]
    update_account(account, AccountUpdate.model_construct(**fields), session=session, actor=actor)
    stamp = now or utcnow()
    who = actor.user.email if actor.user else actor.label
    stored = {
        e.field_name: e
        for e in session.exec(
            select(ProfileEntry).where(
                ProfileEntry.account_id == account.id, col(ProfileEntry.field_name).in_(changed)
            )
        ).all()
    }
    for name in changed:
        entry = stored.get(name) or ProfileEntry(
            account_id=account.id or 0, field_name=name, set_by=who
        )
        entry.set_by, entry.set_at = who, stamp
        session.add(entry)
    session.flush()
    return account


@dataclass(frozen=True)
class ProfileStamp(JsonResult):
    """Who last set one profile field, and when."""

    field: str
    set_by: str
    set_at: datetime


def profile_stamps(account_id: int, *, session: Session) -> list[ProfileStamp]:
    """Who set each profile field and when, in the profile's order (fields never set by a
    person, e.g. imported ones, have none)."""
    entries = session.exec(select(ProfileEntry).where(ProfileEntry.account_id == account_id)).all()
    order = {name: i for i, name in enumerate(PROFILE)}
    return [
        ProfileStamp(e.field_name, e.set_by, e.set_at)
        for e in sorted(entries, key=lambda e: order.get(e.field_name, len(order)))
    ]
