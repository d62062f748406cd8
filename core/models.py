"""The key account management domain as stored tables, and what people give to create them.

One module holds the whole schema so that every later feature adds behaviour,
not tables. Each record a person creates or changes is a model ladder: its fields and
their rules once (``XBase``), the writer's input (``XCreate``, ``XUpdate``) and the
stored row (``X``). Timestamps are timezone-aware UTC (:class:`core.types.UTCDateTime`);
calendar days (a close date, a promise's due day, a birthday) are plain dates.
Enumerations are stored as short strings guarded by CHECK constraints, so the
schema stays portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, ConfigDict, model_validator
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from core.clock import utcnow, zone
from core.errors import KamError
from core.types import UTCDateTime
from core.validation import (
    CSAT,
    MONEY_MAX,
    NPS,
    Input,
    email_address,
    on_scale,
    refusal,
    required,
    rule,
)


class Role(StrEnum):
    AM = "am"
    MANAGER = "manager"
    ADMIN = "admin"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    PROSPECT = "prospect"
    DORMANT = "dormant"
    CHURNED = "churned"


class Tier(StrEnum):
    STRATEGIC = "strategic"
    KEY = "key"
    GROWTH = "growth"
    STANDARD = "standard"


class BuyingRole(StrEnum):
    """A contact's part in the customer's buying centre."""

    DECISION_MAKER = "decision_maker"
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"


class Quadrant(StrEnum):
    STRATEGIC = "strategic"
    DEVELOP = "develop"
    MAINTAIN = "maintain"
    SERVE_EFFICIENTLY = "serve_efficiently"


class InteractionKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    VISIT = "visit"
    EMAIL = "email"
    MESSAGE = "message"
    NOTE = "note"
    REVIEW = "review"
    THANK_YOU = "thank_you"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class DealStage(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class OrderStatus(StrEnum):
    PLACED = "placed"
    COMPLETED = "completed"
    PROBLEM = "problem"


class NoticeKind(StrEnum):
    PRICE_CHANGE = "price_change"
    DELAY = "delay"
    PRODUCT_CHANGE = "product_change"
    OTHER = "other"


class Expectation(StrEnum):
    EXCEEDED = "exceeded"
    MET = "met"
    BELOW = "below"


class GoalScope(StrEnum):
    TEAM = "team"
    TIER = "tier"
    ACCOUNT = "account"


class RequestOutcome(StrEnum):
    OPEN = "open"
    """Still with the customer: no answer yet."""
    ALTERNATIVE = "alternative"
    """They took an alternative we offered."""
    DECLINED = "declined"
    """They turned the alternatives down and went without."""
    LOST = "lost"
    """They went elsewhere for it."""
    PLANNED = "planned"
    """We will offer it."""


class ReminderState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SNOOZED = "snoozed"
    DONE = "done"
    DISMISSED = "dismissed"
    FAILED = "failed"
    FOLDED = "folded"
    """Not sent on its own: it goes out in the person's daily digest."""
    HELD = "held"
    """Urgent, waiting until ``snoozed_until`` (the person's working hours, or their Slack
    link): still on their due list, unlike a snooze."""


def _one_of(column: str, enum: type[StrEnum], *, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint that keeps ``column`` within ``enum``'s values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    test = f"{column} IN ({values})"
    if nullable:
        test = f"{column} IS NULL OR {test}"
    return CheckConstraint(test, name=f"ck_{column}_valid")


def _between(column: str, low: int, high: int | None) -> CheckConstraint:
    """A CHECK constraint for an optional rating on a fixed scale."""
    test = f"{column} >= {low}" if high is None else f"{column} >= {low} AND {column} <= {high}"
    return CheckConstraint(f"{column} IS NULL OR ({test})", name=f"ck_{column}_range")


def name_key(name: str) -> str:
    """The form of a name that uniqueness and exact lookup compare.

    Case-insensitive (Unicode case folding), accents kept, inner white space
    collapsed, so "ACME  corp" and "Acme Corp" are the same account.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _when(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


def _request_key() -> Any:
    return Field(default=None, max_length=200, unique=True)


class _Model(SQLModel):
    """Every model of kam: pydantic builds a model's validator when it first validates
    (a form, an import row), not when kam starts."""

    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


# Each record a person creates or changes is a ladder (the SQLModel way):
#   XBase: the fields a person gives, with their constraints and input rules;
#   XCreate (XUpdate): the writer's input, checked as it is made (core.validation.Input);
#   X(XBase, ..., table=True): the stored row, with what kam adds (ids, links, timestamps).
# A table lists its id and links as its last base (_Stored and the mixins built on it):
# pydantic orders fields from the last base to the first, so every table keeps its
# columns in the order they have always had, and so does every export.


class _Stored(_Model):
    """The id every stored record has, first of its columns."""

    id: int | None = Field(default=None, primary_key=True)


class _OnAccount(_Stored):
    """A record that belongs to one account and goes when the account goes."""

    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")


class _Once(_Model):
    """An input a click or a retried request may send twice."""

    idempotency_key: str | None = Field(default=None, max_length=200)
    """The same for every retry of one request: a key already stored returns that record."""


class _Recorded(SQLModel):
    """What a table of records people add keeps after their fields: the request that
    wrote each (a retry finds the record, not a copy) and when. Listed first among a
    table's bases, so these stay its last columns."""

    idempotency_key: str | None = _request_key()
    created_at: datetime = _created()


def _email(value: Any) -> Any:
    return email_address(value) if isinstance(value, str) else value


def _time_zone(value: Any) -> Any:
    if isinstance(value, str):
        zone(value)
    return value


class UserBase(_Model):
    """A person on the team as whoever adds them describes them."""

    name: Annotated[str, required("name", max_length=200)] = Field(max_length=200)
    email: Annotated[str, rule(_email)] = Field(max_length=320, unique=True)
    """Compared without case: stored in lower case."""
    role: Role = Field(default=Role.AM, sa_type=String(16))
    manager_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    team: str | None = Field(default=None, max_length=100)
    slack_user_id: str | None = Field(default=None, max_length=32, unique=True)
    timezone: Annotated[str, rule(_time_zone)] = Field(default="UTC", max_length=64)
    digest_time: time = Field(default=time(9, 0))
    work_start: time = Field(default=time(9, 0))
    """Local start of the working day: the digest goes out then, nothing earlier."""
    work_end: time = Field(default=time(17, 0))
    """Local end of the working day: nothing is sent from then until the next start."""
    work_days: str = Field(default="12345", max_length=7)
    """ISO weekday numbers worked (``12345``: Monday to Friday; :mod:`core.hours`)."""
    active: bool = True


class UserCreate(UserBase, Input):
    """A person to add to the team."""

    noun: ClassVar[str] = "user"


class UserUpdate(Input):
    """What changes about a person: only the fields given (checked as on creation)."""

    noun: ClassVar[str] = "user"
    name: Annotated[str | None, required("name", max_length=200)] = Field(
        default=None, max_length=200
    )
    email: Annotated[str | None, rule(_email)] = Field(default=None, max_length=320)
    role: Role | None = None
    manager_id: int | None = None
    team: str | None = Field(default=None, max_length=100)
    timezone: Annotated[str | None, rule(_time_zone)] = Field(default=None, max_length=64)


class User(UserBase, _Stored, table=True):
    """A person on the sales team: account manager, manager or admin."""

    __tablename__ = "users"
    __table_args__ = (_one_of("role", Role),)

    created_at: datetime = _created()


def _account_name(value: Any) -> Any:
    if not isinstance(value, str) or not any(ch.isalnum() for ch in value):
        raise KamError("An account needs a name with at least one letter or digit.")
    return " ".join(value.split())


class AccountBase(_Model):
    """A customer company as the team describes it: its size, potential and ties."""

    name: Annotated[str, rule(_account_name)] = Field(max_length=200)
    """White space collapsed; unique regardless of case (see :func:`name_key`)."""
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    sector: str | None = Field(default=None, max_length=100, index=True)
    country: str | None = Field(default=None, max_length=100)
    parent_id: int | None = Field(default=None, foreign_key="accounts.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    status: AccountStatus = Field(default=AccountStatus.ACTIVE, sa_type=String(16))
    customer_since: date | None = None
    annual_revenue: float | None = Field(default=None, ge=0)
    employees: int | None = Field(default=None, ge=0)
    founded_year: int | None = None
    relationship_stage: int | None = Field(default=None, ge=1, le=5)
    financial_health: int | None = Field(default=None, ge=1, le=5)
    industry_influence: int | None = Field(default=None, ge=1, le=5)
    category_spend: float | None = Field(default=None, ge=0, le=MONEY_MAX)
    cost_to_serve: float | None = Field(default=None, ge=0, le=MONEY_MAX)
    gross_margin: float | None = Field(default=None, ge=-100, le=100)
    strategic_plans: str | None = Field(default=None, sa_type=Text)
    checkin_cadence_days: int | None = Field(default=None, gt=0)
    tier_override: Tier | None = Field(default=None, sa_type=String(16))
    tier_override_reason: str | None = Field(default=None, max_length=500)
    customer_values: str | None = Field(default=None, sa_type=Text)
    """What the customer values in a supplier."""
    difficulties: str | None = Field(default=None, sa_type=Text)
    """What causes them difficulty."""
    buying_process: str | None = Field(default=None, sa_type=Text)
    """How they buy, and who takes part."""
    other_suppliers: str | None = Field(default=None, sa_type=Text)
    """What else they buy, and from whom (competitors included)."""
    replacement_cost: float | None = Field(default=None, ge=0, le=MONEY_MAX)
    """What it would cost us to replace this customer's business."""
    replacement_months: int | None = Field(default=None, ge=0, le=600)
    """How long it would take to replace it, in months."""


class _AccountInput(Input):
    """What adding and changing an account share: a tier set by hand says why."""

    noun: ClassVar[str] = "account"

    @model_validator(mode="after")
    def _override_has_reason(self) -> _AccountInput:
        if getattr(self, "tier_override", None) and not getattr(self, "tier_override_reason", None):
            raise refusal(
                'A tier set by hand needs a reason (e.g. "parent group is strategic"); '
                "give one with the tier."
            )
        return self


class AccountCreate(AccountBase, _AccountInput):
    """A customer company to add (its owner is whoever adds it, unless named)."""

    noun: ClassVar[str] = "account"


class AccountUpdate(AccountBase, _AccountInput):
    """Changes to an account: only the fields given change."""

    noun: ClassVar[str] = "account"
    name: Annotated[str | None, rule(_account_name)] = Field(  # type: ignore[assignment]
        default=None, max_length=200
    )


class Account(AccountBase, _Stored, table=True):
    """A customer company, with what the team knows about its size and potential."""

    __tablename__ = "accounts"
    __table_args__ = (
        _one_of("status", AccountStatus),
        _one_of("tier_override", Tier, nullable=True),
        _between("relationship_stage", 1, 5),
        _between("financial_health", 1, 5),
        _between("industry_influence", 1, 5),
        CheckConstraint(
            "checkin_cadence_days IS NULL OR checkin_cadence_days > 0",
            name="ck_checkin_cadence_days_positive",
        ),
        CheckConstraint(
            "tier_override IS NULL OR tier_override_reason IS NOT NULL",
            name="ck_tier_override_has_reason",
        ),
        # The accounts put in a tier by hand: with current_tiers' tier index, everyone's
        # strategic and key accounts without reading every account.
        Index("ix_accounts_tier_override", "tier_override"),
    )

    name_key: str = Field(max_length=200, unique=True)
    created_at: datetime = _created()
    updated_at: datetime = _created()
    last_contact_at: datetime | None = _when()
    """The moment of the account's newest interaction (none before the first): kept by
    the database's triggers on ``interactions`` (migration 0016), whatever writes them,
    and read where kam needs an account's last contact. Not an input: nothing kam writes
    or imports sets it."""


class ContactBase(_Model):
    """A person at a customer, with the personal facts that build a relationship."""

    name: Annotated[str, required("contact's name", max_length=200)] = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    email: Annotated[str | None, rule(_email)] = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    decision_maker: bool = False
    hometown: str | None = Field(default=None, max_length=200)
    interests: str | None = Field(default=None, max_length=500)
    favourite_team: str | None = Field(default=None, max_length=200)
    family: str | None = Field(default=None, max_length=500)
    birthday: date | None = None
    notes: str | None = Field(default=None, sa_type=Text)
    buying_role: BuyingRole | None = Field(default=None, sa_type=String(16))
    """Their part in the buying centre; a decision maker is also ``decision_maker``."""


class _ContactInput(Input):
    """What adding and editing a contact share: the role decides ``decision_maker``."""

    noun: ClassVar[str] = "contact"
    reports_to_id: int | None = None
    """Another contact of the same account this person reports to."""

    @model_validator(mode="after")
    def _role_decides(self) -> _ContactInput:
        if "buying_role" in self.model_fields_set:
            self.decision_maker = getattr(self, "buying_role", None) == BuyingRole.DECISION_MAKER
        return self


class ContactCreate(ContactBase, _ContactInput):
    """A person at the customer to add, with whatever personal facts are known."""


class ContactUpdate(ContactBase, _ContactInput):
    """The fields of a contact to change; a field left unset stays as it is."""

    name: Annotated[str | None, required("contact's name", max_length=200)] = Field(  # type: ignore[assignment]
        default=None, max_length=200
    )
    decision_maker: bool | None = None  # type: ignore[assignment]


class Contact(ContactBase, _OnAccount, table=True):
    """A person at a customer, with the personal facts that build a relationship."""

    __tablename__ = "contacts"
    __table_args__ = (_one_of("buying_role", BuyingRole, nullable=True),)

    created_at: datetime = _created()
    updated_at: datetime = _created()
    retired_at: datetime | None = _when()
    """When they left the customer or our circle; a retired contact stays in the history
    but no longer shows on the card or in reminders."""


class ReportingLine(_Stored, table=True):
    """Who a contact reports to, within the same account (the buying centre's shape)."""

    __tablename__ = "reporting_lines"

    contact_id: int = Field(foreign_key="contacts.id", unique=True, ondelete="CASCADE")
    reports_to_id: int = Field(foreign_key="contacts.id", index=True, ondelete="CASCADE")


class ProfileEntry(_OnAccount, table=True):
    """Who set one field of an account's profile, and when ("each entry dated and
    attributed"); the value itself is the account's column, where scoring reads it."""

    __tablename__ = "profile_entries"
    __table_args__ = (UniqueConstraint("account_id", "field_name", name="uq_profile_entry"),)

    field_name: str = Field(max_length=40)
    set_by: str = Field(max_length=320)
    """The e-mail of the person who set it, or the process (``cli``, ``import``)."""
    set_at: datetime = _created()


class InteractionBase(_Model):
    """A touch with the customer as the person who had it tells it."""

    kind: InteractionKind = Field(default=InteractionKind.CALL, sa_type=String(16))
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When it happened; an input without one happened now."""
    summary: Annotated[str, required("summary", max_length=4000)] = Field(sa_type=Text)
    sentiment: Sentiment | None = Field(default=None, sa_type=String(16))
    source: str = Field(default="cli", max_length=32)
    """Where it was logged: cli, slack, tui, reminder, import."""


class InteractionCreate(InteractionBase, _Once, Input):
    """A touch to log: it resets the account's check-in clock."""

    noun: ClassVar[str] = "interaction"
    contact_id: int | None = None
    """Who at the customer it was with: one of the account's contacts."""
    external_ref: str | None = Field(default=None, max_length=500)
    """A captured touch's link back (Message-ID, event UID); none for a typed one."""


class _InteractionLinks(_OnAccount):
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)


class Interaction(InteractionBase, _InteractionLinks, table=True):
    """Any touch with the customer; the latest one resets the check-in cadence."""

    __tablename__ = "interactions"
    __table_args__ = (
        _one_of("kind", InteractionKind),
        _one_of("sentiment", Sentiment, nullable=True),
        Index("ix_interactions_account_occurred", "account_id", "occurred_at"),
        # "Was a thank-you (a call, a review) logged on the account since then?" without
        # reading the account's other interactions; and every thank-you at once.
        Index("ix_interactions_kind_account_occurred", "kind", "account_id", "occurred_at"),
        # A captured message or meeting is one interaction per account, however often
        # it is read (two folders, a UIDVALIDITY change, a second run).
        Index("ix_interactions_captured", "account_id", "source", "external_ref", unique=True),
    )

    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    idempotency_key: str | None = _request_key()
    created_at: datetime = _created()
    external_ref: str | None = Field(default=None, max_length=500)
    """The link back to a captured touch: the e-mail's Message-ID, the event's UID and
    recurrence id, the Slack channel, person and day; none for a typed one."""


class CaptureStatus(StrEnum):
    OPEN = "open"
    CONTACT = "contact"
    IGNORED = "ignored"


class CaptureCursor(_Model, table=True):
    """How far a capture source has read one folder or calendar.

    A mail folder is read from ``last_uid`` on while its ``uidvalidity`` holds; when the
    server changes it, the folder is read again from the start (the interactions'
    unique index keeps every message once).
    """

    __tablename__ = "capture_cursors"
    __table_args__ = (Index("ix_capture_cursors_place", "source", "place", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    place: str = Field(max_length=500)
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = _created()


class UnmatchedAddress(_Model, table=True):
    """Someone kam saw in mail or a meeting but could not place: the review queue."""

    __tablename__ = "unmatched_addresses"
    __table_args__ = (_one_of("status", CaptureStatus),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=320, unique=True)
    name: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=32)
    last_subject: str | None = Field(default=None, max_length=500)
    seen: int = 1
    first_seen: datetime = _created()
    last_seen: datetime = _created()
    status: CaptureStatus = Field(default=CaptureStatus.OPEN, sa_type=String(16), index=True)


class CaptureLease(_Model, table=True):
    """Which bot replica runs a capture source until when: one at a time."""

    __tablename__ = "capture_leases"

    source: str = Field(max_length=32, primary_key=True)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    failures: int = 0
    """Server errors in a row; the next run waits longer after each (backoff)."""


class PlannedMeeting(_Model, table=True):
    """A meeting with the customer still to come: shown on the account, no touch yet."""

    __tablename__ = "planned_meetings"
    __table_args__ = (Index("ix_planned_meetings_ref", "account_id", "external_ref", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    external_ref: str = Field(max_length=500)
    title: str = Field(max_length=500)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")


class ChannelLink(_Model, table=True):
    """A Slack channel shared with a customer, linked to its account."""

    __tablename__ = "channel_links"

    channel_id: str = Field(max_length=32, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    linked_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _created()


REVENUE = ("amount", "cost")
"""The deal columns revenue sums read, carried in the deal indexes."""


class DealBase(_Model):
    """An opportunity as the team records it."""

    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    product: str | None = Field(default=None, max_length=200)
    stage: DealStage = Field(default=DealStage.OPEN, sa_type=String(16))
    amount: float | None = Field(default=None, ge=0)
    cost: float | None = Field(default=None, ge=0)
    engaged_on: date | None = None
    closed_on: date | None = None


class DealCreate(DealBase, Input):
    """An opportunity to add; a won or lost deal needs its close date."""

    noun: ClassVar[str] = "deal"

    @model_validator(mode="after")
    def _closed_in_order(self) -> DealCreate:
        if self.stage != DealStage.OPEN and self.closed_on is None:
            raise refusal("A won or lost deal needs its close date.")
        if self.closed_on and self.engaged_on and self.closed_on < self.engaged_on:
            raise refusal("A deal cannot close before it was engaged.")
        return self


class _DealLinks(_Stored):
    account_id: int | None = Field(default=None, foreign_key="accounts.id", ondelete="CASCADE")


class Deal(DealBase, _DealLinks, table=True):
    """An opportunity; won deals are the account's revenue history."""

    __tablename__ = "deals"
    __table_args__ = (
        _one_of("stage", DealStage),
        # Both deal indexes carry what revenue sums read (amount, cost), so those sums
        # never read the deals themselves. One account's deals (its card, renewals):
        Index("ix_deals_account_stage_closed", "account_id", "stage", "closed_on", *REVENUE),
        # Won deals by the day they closed: the last week's (thank-you prompts), the
        # last months' of every account (scores, forecast, goals, the portfolio table).
        Index("ix_deals_stage_closed", "stage", "closed_on", "account_id", *REVENUE),
    )

    created_at: datetime = _created()


class OrderBase(_Model):
    """An order the customer placed, as the person recording it describes it."""

    what: Annotated[str, required("order description", max_length=500)] = Field(max_length=500)
    amount: float | None = Field(default=None, ge=0)


class OrderCreate(OrderBase, _Once, Input):
    """An order to record: it prompts a thank-you."""

    noun: ClassVar[str] = "order"
    deal_id: int | None = None
    """The account's deal it came from, if any."""


class _OrderLinks(_OnAccount):
    deal_id: int | None = Field(default=None, foreign_key="deals.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="users.id")


class Order(OrderBase, _OrderLinks, table=True):
    """A recorded order: prompts a thank-you, and a personal call when it completes or fails."""

    __tablename__ = "orders"
    __table_args__ = (
        _one_of("status", OrderStatus),
        # The orders placed, and those completed or in trouble, in the last days; the
        # deals the window's orders cover, and whether one deal's order is in it.
        Index("ix_orders_placed_at_deal", "placed_at", "deal_id"),
        Index("ix_orders_deal_placed", "deal_id", "placed_at"),
        Index("ix_orders_updated_at", "updated_at"),
    )

    status: OrderStatus = Field(default=OrderStatus.PLACED, sa_type=String(16))
    problem: str | None = Field(default=None, sa_type=Text)
    placed_at: datetime = _created()
    idempotency_key: str | None = _request_key()
    updated_at: datetime = _created()


class CommitmentBase(_Model):
    """A promise made to the customer, with the day it is due."""

    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    """Who keeps it: by default whoever records it, else the account's owner."""
    what: Annotated[str, required("promise", max_length=1000)] = Field(max_length=1000)
    to_whom: str | None = Field(default=None, max_length=200)
    due_on: date = Field(index=True)


class CommitmentCreate(CommitmentBase, _Once, Input):
    """A promise to track until it is kept."""

    noun: ClassVar[str] = "commitment"


class Commitment(CommitmentBase, _OnAccount, table=True):
    """A promise made to the customer, tracked until it is kept."""

    __tablename__ = "commitments"

    done_at: datetime | None = _when()
    idempotency_key: str | None = _request_key()
    created_at: datetime = _created()


class NoticeBase(_Model):
    """Bad news for the customer and the day they must hear it by."""

    kind: NoticeKind = Field(default=NoticeKind.OTHER, sa_type=String(16))
    what: Annotated[str, required("notice", max_length=1000)] = Field(max_length=1000)
    must_tell_by: date = Field(index=True)


class NoticeCreate(NoticeBase, _Once, Input):
    """Bad news to record: its owner is nagged until it is marked told."""

    noun: ClassVar[str] = "notice"
    alternatives: str | None = None
    """What we can offer instead."""


class _NoticeLinks(_OnAccount):
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)


class Notice(NoticeBase, _NoticeLinks, table=True):
    """Bad news the customer must hear from us before a date ("don't postpone")."""

    __tablename__ = "notices"
    __table_args__ = (_one_of("kind", NoticeKind),)

    communicated_at: datetime | None = _when()
    alternatives: str | None = Field(default=None, sa_type=Text)
    idempotency_key: str | None = _request_key()
    created_at: datetime = _created()


class CustomerRequestBase(_Model):
    """Something the customer asked for that we do not offer, and what we offered instead."""

    what: Annotated[str, required("request", max_length=1000)] = Field(max_length=1000)
    alternatives: str | None = Field(default=None, sa_type=Text)
    outcome: RequestOutcome = Field(default=RequestOutcome.OPEN, sa_type=String(16))
    """What became of it: open until the customer answers."""


class CustomerRequestCreate(CustomerRequestBase, _Once, Input):
    """A request to log."""

    noun: ClassVar[str] = "request"


class _RequestLinks(_OnAccount):
    user_id: int | None = Field(default=None, foreign_key="users.id")


class CustomerRequest(_Recorded, CustomerRequestBase, _RequestLinks, table=True):
    """Something the customer asked for that we do not offer, and what we offered instead."""

    __tablename__ = "requests"
    __table_args__ = (_one_of("outcome", RequestOutcome),)


class FeedbackBase(_Model):
    """How the customer rates us: CSAT, NPS, expectation exceeded/met/below."""

    csat: Annotated[int | None, on_scale(CSAT)] = Field(default=None, ge=CSAT.low, le=CSAT.high)
    nps: Annotated[int | None, on_scale(NPS)] = Field(default=None, ge=NPS.low, le=NPS.high)
    expectation: Expectation | None = Field(default=None, sa_type=String(16))
    comment: str | None = Field(default=None, sa_type=Text)


class FeedbackCreate(FeedbackBase, _Once, Input):
    """A rating to record: at least one of CSAT, NPS or expectation."""

    noun: ClassVar[str] = "feedback"
    contact_id: int | None = None
    """Who at the customer gave it: one of the account's contacts."""
    at: datetime | None = None
    """When they gave it; an input without one gave it now."""

    @model_validator(mode="after")
    def _rated(self) -> FeedbackCreate:
        if self.csat is None and self.nps is None and self.expectation is None:
            raise refusal(
                f"Feedback needs a CSAT ({CSAT.low}–{CSAT.high}), an NPS ({NPS.low}–{NPS.high}) "
                "or an expectation (exceeded, met or below)."
            )
        return self


class _FeedbackLinks(_OnAccount):
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")


class Feedback(FeedbackBase, _FeedbackLinks, table=True):
    """How the customer rates us: CSAT, NPS, expectation exceeded/met/below."""

    __tablename__ = "feedback"
    __table_args__ = (
        _between("csat", CSAT.low, CSAT.high),
        _between("nps", NPS.low, NPS.high),
        _one_of("expectation", Expectation, nullable=True),
        CheckConstraint(
            "csat IS NOT NULL OR nps IS NOT NULL OR expectation IS NOT NULL",
            name="ck_feedback_has_rating",
        ),
    )

    idempotency_key: str | None = _request_key()
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


TARGET_LIMIT = 1e12
"""The largest target (in size) a goal or objective takes: beyond it, a typing slip."""


def target_sentence(given: str) -> str:
    """The sentence that refuses a target (what was typed, or a number)."""
    return f"A target is a finite number up to {TARGET_LIMIT:,.0f} in size, not {given}."


def _target(value: Any) -> Any:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and (not math.isfinite(value) or abs(value) > TARGET_LIMIT):
        raise KamError(target_sentence(f"{value:g}"))
    return value


def _future(what: str) -> AfterValidator:
    """The rule for a day that must not have passed (checked against today, UTC)."""

    def check(value: date) -> date:
        if value < utcnow().date():
            raise refusal(f"The {what} {value.isoformat()} has passed; give today or later.")
        return value

    return AfterValidator(check)


class GoalBase(_Model):
    """A target the team sets: a metric, its target, whose accounts and over what period."""

    metric: Annotated[str, required("goal's metric", max_length=100)] = Field(max_length=100)
    target: Annotated[float, rule(_target)]
    scope: GoalScope = Field(default=GoalScope.TEAM, sa_type=String(16))
    scope_ref: str | None = Field(default=None, max_length=200)
    """The team's name, the tier, or the account's name (none: the whole portfolio)."""
    period: Annotated[str, required("goal's period", max_length=32)] = Field(max_length=32)


class GoalCreate(GoalBase, _Once, Input):
    """A goal to set (:mod:`core.services.goals` checks its metric, scope and period)."""

    noun: ClassVar[str] = "goal"


class GoalUpdate(Input):
    """Changes to a goal: only the fields given change."""

    noun: ClassVar[str] = "goal"
    metric: Annotated[str | None, required("goal's metric", max_length=100)] = None
    target: Annotated[float | None, rule(_target)] = None
    scope: GoalScope | None = None
    scope_ref: str | None = Field(default=None, max_length=200)
    period: Annotated[str | None, required("goal's period", max_length=32)] = None


class Goal(_Recorded, GoalBase, _Stored, table=True):
    """A customer-experience or management target, tracked against actuals."""

    __tablename__ = "goals"
    __table_args__ = (_one_of("scope", GoalScope),)


# The account plan: one per strategic or key account, in three parts that each belong
# to the account (its objectives, actions and risks), and the reviews held on it.


class PlanObjectiveBase(_Model):
    """What the plan aims at: a metric kam measures, its target and the day it is due."""

    metric: Annotated[str, required("objective's metric", max_length=100)] = Field(max_length=100)
    target: Annotated[float, rule(_target)]
    due_on: date


class PlanObjectiveCreate(PlanObjectiveBase, _Once, Input):
    """An objective to add to an account's plan; due today or later."""

    noun: ClassVar[str] = "objective"
    due_on: Annotated[date, _future("objective's due day")]


class PlanObjective(_Recorded, PlanObjectiveBase, _OnAccount, table=True):
    """An objective of an account's plan."""

    __tablename__ = "plan_objectives"


class PlanActionBase(_Model):
    """A step the plan takes: what, who does it, by when."""

    what: Annotated[str, required("action", max_length=1000)] = Field(max_length=1000)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    due_on: date


class PlanActionCreate(PlanActionBase, _Once, Input):
    """An action to add to an account's plan; due today or later."""

    noun: ClassVar[str] = "action"
    due_on: Annotated[date, _future("action's due day")]


class PlanAction(PlanActionBase, _OnAccount, table=True):
    """An action of an account's plan, open until it is done."""

    __tablename__ = "plan_actions"

    done_at: datetime | None = _when()
    idempotency_key: str | None = _request_key()
    created_at: datetime = _created()


class PlanRiskBase(_Model):
    """What could lose the account or the plan, and what is done about it."""

    what: Annotated[str, required("risk", max_length=1000)] = Field(max_length=1000)
    mitigation: str | None = Field(default=None, sa_type=Text)


class PlanRiskCreate(PlanRiskBase, _Once, Input):
    """A risk to add to an account's plan."""

    noun: ClassVar[str] = "risk"


class PlanRisk(_Recorded, PlanRiskBase, _OnAccount, table=True):
    """A risk of an account's plan."""

    __tablename__ = "plan_risks"


class ReviewBase(_Model):
    """A quarterly account review as it was held."""

    held_on: date
    participants: Annotated[str, required("review's participants", max_length=1000)] = Field(
        max_length=1000
    )
    """Who took part, ours and theirs."""
    progress: str | None = Field(default=None, sa_type=Text)
    """How the plan stands."""
    notes: str | None = Field(default=None, sa_type=Text)
    next_actions: str | None = Field(default=None, sa_type=Text)


def _held(value: date) -> date:
    if value > utcnow().date():
        raise refusal(f"A review is recorded once held; {value.isoformat()} is still ahead.")
    return value


class ReviewCreate(ReviewBase, _Once, Input):
    """A review to record: it resolves the quarter's account-review reminder."""

    noun: ClassVar[str] = "review"
    held_on: Annotated[date, AfterValidator(_held)] = Field(default_factory=lambda: utcnow().date())


class _ReviewLinks(_OnAccount):
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id")


class Review(_Recorded, ReviewBase, _ReviewLinks, table=True):
    """A quarterly account review: who took part, the plan's progress, what comes next."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_account_held", "account_id", "held_on"),)


class ScoreSnapshot(_Model, table=True):
    """One account's scores at one moment; trends are read from the history."""

    __tablename__ = "score_snapshots"
    __table_args__ = (
        _one_of("tier", Tier),
        _one_of("quadrant", Quadrant),
        # The newest snapshot's tier, and the health of an account's recent snapshots
        # (a health drop), read from the index alone.
        Index("ix_score_snapshots_account_at_tier_health", "account_id", "at", "tier", "health"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    attractiveness: float
    relationship: float
    health: float
    tier: Tier = Field(sa_type=String(16))
    quadrant: Quadrant = Field(sa_type=String(24))
    breakdown: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    tier_since: datetime | None = _when()
    """When the account's run of strategic or key snapshots that this one ends began
    (None in a lower tier): kept as snapshots are written (:mod:`core.tier_runs`), so
    onboarding reads an account's tier entry from its newest snapshot alone."""


class CurrentTier(_Model, table=True):
    """What an account's newest score snapshot says, kept by scoring
    (:mod:`core.tier_runs`): its tier, when it was taken, its scores and the health of
    the snapshot before it. An account's current tier is one look-up by its key, the
    accounts whose health is red now one range of an index, and the portfolio table's
    scores one narrow row an account, however many nightly snapshots the history holds.
    Beside the health it keeps the newest snapshot above the red line, so a health drop
    is found without reading the red run's snapshots."""

    __tablename__ = "current_tiers"
    __table_args__ = (
        Index("ix_current_tiers_health", "health"),
        Index("ix_current_tiers_tier", "tier"),
    )

    account_id: int = Field(foreign_key="accounts.id", primary_key=True, ondelete="CASCADE")
    tier: Tier = Field(sa_type=String(16))
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    """The moment of the newest snapshot."""
    health: float
    """The newest snapshot's health (red or not is the scoring settings' to say, when read)."""
    tier_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The newest snapshot's ``tier_since``: when its run in strategic or key began."""
    attractiveness: float
    relationship: float
    quadrant: Quadrant = Field(sa_type=String(24))
    previous_health: float | None = None
    """The health of the account's snapshot before the newest (None: it has one only)."""
    red_line: float | None = None
    """The red line ``above_at`` was judged by (the scoring settings' ``[scoring.bands]
    red`` when it was kept; None: not kept, read the snapshots)."""
    above_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The moment of the account's newest snapshot above ``red_line`` (the newest
    itself when it is above; None: none ever was): where its red run began."""


class Reminder(_Model, table=True):
    """One occurrence of something due; its unique key is claimed before it is sent."""

    __tablename__ = "reminders"
    __table_args__ = (
        _one_of("state", ReminderState),
        Index("ix_reminders_state_due", "state", "due_at"),
        # Covers a sweep's look-up of what became of each due key, so the rows
        # (wide with their payload) are not read at all.
        Index("ix_reminders_key_state", "key", "state", "snoozed_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=24)
    """A kind of :data:`core.checkins.kinds.KINDS`, or ``digest`` (no constraint: a new
    kind is one module, with no migration)."""
    account_id: int | None = Field(
        default=None, foreign_key="accounts.id", index=True, ondelete="CASCADE"
    )
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    state: ReminderState = Field(default=ReminderState.PENDING, sa_type=String(16))
    snoozed_until: datetime | None = _when()
    delivered_at: datetime | None = _when()
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = _created()
    updated_at: datetime = _created()


class AuditEvent(_Model, table=True):
    """Who changed what, with the record before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


__all__ = [
    "Account",
    "AccountCreate",
    "AccountStatus",
    "AccountUpdate",
    "AuditEvent",
    "BuyingRole",
    "CaptureCursor",
    "CaptureLease",
    "CaptureStatus",
    "ChannelLink",
    "Commitment",
    "CommitmentCreate",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "CurrentTier",
    "CustomerRequest",
    "CustomerRequestCreate",
    "Deal",
    "DealCreate",
    "DealStage",
    "Expectation",
    "Feedback",
    "FeedbackCreate",
    "Goal",
    "GoalCreate",
    "GoalScope",
    "GoalUpdate",
    "Interaction",
    "InteractionCreate",
    "InteractionKind",
    "Notice",
    "NoticeCreate",
    "NoticeKind",
    "Order",
    "OrderCreate",
    "OrderStatus",
    "PlanAction",
    "PlanActionCreate",
    "PlanObjective",
    "PlanObjectiveCreate",
    "PlanRisk",
    "PlanRiskCreate",
    "PlannedMeeting",
    "ProfileEntry",
    "Quadrant",
    "Reminder",
    "ReminderState",
    "ReportingLine",
    "RequestOutcome",
    "Review",
    "ReviewCreate",
    "Role",
    "ScoreSnapshot",
    "Sentiment",
    "Tier",
    "UnmatchedAddress",
    "User",
    "UserCreate",
    "UserUpdate",
    "name_key",
]
