"""What each kind of record accepts: field names, value types, keys, usual column names.

The fields are derived from the table definitions in :mod:`core.models`, so a
column added there is importable and exported without a second list to keep.
A foreign key is named for what it points at (``account_id`` is ``account``,
given as the account's name or external id; ``owner_id`` is ``owner``, given
as an e-mail or a person's name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any

import annotated_types
from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, Time
from sqlmodel import SQLModel

from core import models
from core.types import UTCDateTime

REFERENCE_KINDS = {"accounts": "account", "users": "user", "contacts": "contact", "deals": "deal"}
HIDDEN = {"name_key", "last_contact_at"}
"""Columns kam derives from others (the form names are compared in; the newest
interaction, kept by the database): neither imported nor exported."""
RENAMED = {"idempotency_key": "external_id"}


@dataclass(frozen=True)
class Field:
    """One importable field and the column it fills."""

    name: str
    column: str
    kind: str
    """text, int, number, date, moment, time, bool, choice, json, id, or a reference:
    account, user, contact (by name or e-mail within the row's account), or
    contact_id / deal_id (kam's own id, as exports write it)."""
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    max_length: int | None = None
    default: Any = None


@dataclass(frozen=True)
class Entity:
    """A kind of record as the importer and exporter see it."""

    kind: str
    label: str
    model: type[SQLModel]
    fields: dict[str, Field]
    keys: tuple[tuple[str, ...], ...]
    """Columns that identify an existing record, tried in order (re-import updates it)."""
    needs_columns: tuple[str, ...]
    """Fields a file must have a column for, even where a cell may be empty."""
    aliases: dict[str, str]
    """Normalised column headings that mean a field without any --map."""

    @property
    def table_name(self) -> str:
        """The name of the table the records live in."""
        return str(self.model.__table__.name)  # type: ignore[attr-defined]


def normalise(heading: str) -> str:
    """The form headings are compared in: case, spaces, punctuation and underscores ignored."""
    return re.sub(r"[^0-9a-z]+", " ", heading.casefold()).strip()


def _kind(column: Column[Any], annotation: Any) -> str:
    choices = _enum(annotation)
    if choices is not None:
        return "choice"
    sa_type = column.type
    if isinstance(sa_type, UTCDateTime):
        return "moment"
    for sa_class, kind in (
        (Boolean, "bool"),
        (Date, "date"),
        (Time, "time"),
        (Float, "number"),
        (Integer, "int"),
        (JSON, "json"),
    ):
        if isinstance(sa_type, sa_class):
            return kind
    return "text"


def _enum(annotation: Any) -> type[StrEnum] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, StrEnum):
            return candidate
    return None


def _fields(model: type[SQLModel], *, with_id: bool) -> dict[str, Field]:
    table = model.__table__  # type: ignore[attr-defined]
    out: dict[str, Field] = {}
    for name, info in model.model_fields.items():
        column: Column[Any] = table.c[name]
        if name in HIDDEN or (column.primary_key and not with_id):
            continue
        bounds = {
            "minimum": next(
                (m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)), None
            ),
            "maximum": next(
                (m.le for m in info.metadata if isinstance(m, annotated_types.Le)), None
            ),
            "above": next((m.gt for m in info.metadata if isinstance(m, annotated_types.Gt)), None),
            "max_length": next(
                (m.max_length for m in info.metadata if isinstance(m, annotated_types.MaxLen)), None
            ),
        }
        has_default = column.default is not None or info.default_factory is not None
        default = None if info.default_factory else (info.default if has_default else None)
        required = not column.nullable and not has_default and not column.primary_key
        target = next((fk.column.table.name for fk in column.foreign_keys), None)
        if target is not None:
            ref = REFERENCE_KINDS[target]
            by_name = name.removesuffix("_id")
            if ref in ("account", "user"):
                out[by_name] = Field(by_name, name, ref, required=required)
                continue
            out[name] = Field(name, name, f"{ref}_id", required=required)
            if name == "contact_id":
                out["contact"] = Field("contact", name, "contact")
            continue
        enum = _enum(info.annotation)
        field_name = "id" if column.primary_key else RENAMED.get(name, name)
        out[field_name] = Field(
            field_name,
            name,
            "id" if column.primary_key else _kind(column, info.annotation),
            required=required or bool(column.primary_key),
            choices=tuple(m.value for m in enum) if enum else (),
            default=default.value if isinstance(default, StrEnum) else default,
            **bounds,  # type: ignore[arg-type]
        )
    return out


ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "users": {
        "email": ("e mail", "email address", "user email", "login"),
        "name": ("full name", "user name", "user", "sales agent", "agent", "person"),
        "manager": ("manager email", "reports to", "manager name", "supervisor"),
        "team": ("regional office", "region", "office", "sales team"),
        "timezone": ("time zone", "tz"),
        "slack_user_id": ("slack id", "slack user", "slack member id"),
    },
    "accounts": {
        "name": (
            "account",
            "account name",
            "company",
            "company name",
            "organization",
            "organisation",
            "organization name",
            "customer",
            "customer name",
        ),
        "external_id": ("account id", "id", "external id", "crm id", "account number", "record id"),
        "sector": ("industry", "vertical", "segment"),
        "country": ("billing country", "office location", "location", "hq country"),
        "parent": ("parent account", "parent company", "subsidiary of", "parent group"),
        "owner": ("account owner", "owner email", "sales rep", "sales agent", "account manager"),
        "annual_revenue": ("annual revenue", "revenue", "yearly revenue"),
        "employees": ("number of employees", "headcount", "head count", "employee count"),
        "founded_year": ("year established", "founded", "year founded", "established"),
        "customer_since": ("customer since date", "first purchase", "client since"),
    },
    "contacts": {
        "account": ("account name", "company", "company name", "organization", "organisation"),
        "name": ("full name", "contact name", "contact", "person"),
        "title": ("job title", "position", "role"),
        "email": ("e mail", "email address", "work email"),
        "phone": ("phone number", "mobile", "mobile phone", "telephone", "work phone"),
        "decision_maker": ("decision maker", "is decision maker", "dm"),
        "birthday": ("birthdate", "birth date", "date of birth", "dob"),
        "favourite_team": ("favorite team",),
        "buying_role": ("buying role", "buying centre role", "buying center role"),
    },
    "deals": {
        "external_id": ("opportunity id", "opportunity", "deal id", "id", "record id"),
        "account": ("account name", "company", "company name", "customer", "organization"),
        "owner": ("opportunity owner", "deal owner", "sales agent", "sales rep", "owner email"),
        "product": ("product name", "item"),
        "stage": ("deal stage", "sales stage", "opportunity stage", "status"),
        "amount": ("close value", "value", "deal value", "opportunity amount", "revenue"),
        "engaged_on": ("engage date", "engaged", "created date", "open date", "start date"),
        "closed_on": ("close date", "closed date", "closing date", "won date", "closed"),
    },
    "interactions": {
        "external_id": ("activity id", "id", "task id", "record id"),
        "account": ("account name", "company", "company name", "customer", "organization"),
        "occurred_at": ("date", "when", "activity date", "occurred", "timestamp", "date time"),
        "kind": ("type", "activity type", "channel"),
        "summary": ("subject", "description", "notes", "note", "comments"),
        "user": ("assigned to", "owner", "user email", "by", "sales rep", "sales agent"),
        "contact": ("contact name", "with", "attendee"),
    },
}

KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "users": (("email",),),
    "accounts": (("external_id",), ("name_key",)),
    "contacts": (("account_id", "email"), ("account_id", "name")),
    "deals": (("external_id",),),
    "interactions": (("idempotency_key",), ("account_id", "occurred_at", "summary")),
    "requests": (("idempotency_key",), ("account_id", "what")),
    "goals": (("idempotency_key",), ("metric", "scope", "scope_ref", "period")),
    "plan_objectives": (("idempotency_key",), ("account_id", "metric")),
    "plan_actions": (("idempotency_key",), ("account_id", "what")),
    "plan_risks": (("idempotency_key",), ("account_id", "what")),
    "reviews": (("idempotency_key",), ("account_id", "held_on")),
}
NEEDS = {"deals": ("account", "stage", "amount")}

MODELS: dict[str, type[SQLModel]] = {
    "users": models.User,
    "accounts": models.Account,
    "contacts": models.Contact,
    "reporting_lines": models.ReportingLine,
    "profile_entries": models.ProfileEntry,
    "deals": models.Deal,
    "interactions": models.Interaction,
    "orders": models.Order,
    "commitments": models.Commitment,
    "notices": models.Notice,
    "requests": models.CustomerRequest,
    "feedback": models.Feedback,
    "goals": models.Goal,
    "plan_objectives": models.PlanObjective,
    "plan_actions": models.PlanAction,
    "plan_risks": models.PlanRisk,
    "reviews": models.Review,
    "scores": models.ScoreSnapshot,
}
"""Every kind of record an export writes, by the name of its file."""
IMPORTABLE = (
    "accounts",
    "contacts",
    "deals",
    "interactions",
    "users",
    "requests",
    "goals",
    "plan_objectives",
    "plan_actions",
    "plan_risks",
    "reviews",
)
"""The kinds ``kam import KIND FILE`` takes; an export restores every kind in MODELS."""


@cache
def entity(kind: str, *, with_id: bool = False) -> Entity:
    """The description of ``kind`` (with kam's own ids when restoring an export)."""
    model, label = MODELS[kind], singular(kind)
    fields = _fields(model, with_id=with_id)
    aliases = {normalise(name): name for name in fields}
    for name, f in fields.items():
        aliases.setdefault(normalise(f.column), name)
    for name, spellings in ALIASES.get(kind, {}).items():
        for spelling in spellings:
            aliases.setdefault(normalise(spelling), name)
    if "source" in fields:
        fields["source"] = replace(fields["source"], default="import")
    required = tuple(name for name, f in fields.items() if f.required and f.kind != "id")
    return Entity(
        kind=kind,
        label=label,
        model=model,
        fields=fields,
        keys=(("id",),) if with_id else KEYS.get(kind, (("id",),)),
        needs_columns=tuple(dict.fromkeys(required + NEEDS.get(kind, ()))),
        aliases=aliases,
    )


def singular(kind: str) -> str:
    """One record of ``kind``, as messages name it ("deals": a deal)."""
    return kind.removesuffix("s")


def kind_of(text: str) -> str:
    """The kind named by ``text`` ("deal", "Deals"), or ValueError listing them."""
    wanted = text.strip().casefold()
    for kind in MODELS:
        if wanted in (kind, singular(kind)):
            return kind
    raise ValueError(text)
