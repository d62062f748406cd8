"""The key account management domain as stored tables.

One module holds the whole schema so that every later feature adds behaviour,
not tables. Timestamps are timezone-aware UTC (:class:`core.types.UTCDateTime`);
calendar days (a close date, a promise's due day, a birthday) are plain dates.
Enumerations are stored as short strings guarded by CHECK constraints, so the
schema stays portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.types import UTCDateTime


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


class ReminderState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SNOOZED = "snoozed"
    DONE = "done"
    DISMISSED = "dismissed"
    FAILED = "failed"


def _one_of(column: str, enum: type[StrEnum], *, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint that keeps ``column`` within ``enum``'s values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    test = f"{column} IN ({values})"
    if nullable:
        test = f"{column} IS NULL OR {test}"
    return CheckConstraint(test, name=f"ck_{column}_valid")


def _between(column: str, low: int, high: int) -> CheckConstraint:
    """A CHECK constraint for an optional rating on a fixed scale."""
    return CheckConstraint(
        f"{column} IS NULL OR ({column} >= {low} AND {column} <= {high})",
        name=f"ck_{column}_range",
    )


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


class User(SQLModel, table=True):
    """A person on the sales team: account manager, manager or admin."""

    __tablename__ = "users"
    __table_args__ = (_one_of("role", Role),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320, unique=True)
    role: Role = Field(default=Role.AM, sa_type=String(16))
    manager_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    team: str | None = Field(default=None, max_length=100)
    slack_user_id: str | None = Field(default=None, max_length=32, unique=True)
    timezone: str = Field(default="UTC", max_length=64)
    digest_time: time = Field(default=time(9, 0))
    active: bool = True
    created_at: datetime = _created()


class Account(SQLModel, table=True):
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
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
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
    category_spend: float | None = Field(default=None, ge=0)
    cost_to_serve: float | None = Field(default=None, ge=0)
    gross_margin: float | None = None
    strategic_plans: str | None = Field(default=None, sa_type=Text)
    checkin_cadence_days: int | None = Field(default=None, gt=0)
    tier_override: Tier | None = Field(default=None, sa_type=String(16))
    tier_override_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Contact(SQLModel, table=True):
    """A person at a customer, with the personal facts that build a relationship."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    decision_maker: bool = False
    hometown: str | None = Field(default=None, max_length=200)
    interests: str | None = Field(default=None, max_length=500)
    favourite_team: str | None = Field(default=None, max_length=200)
    family: str | None = Field(default=None, max_length=500)
    birthday: date | None = None
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Interaction(SQLModel, table=True):
    """Any touch with the customer; the latest one resets the check-in cadence."""

    __tablename__ = "interactions"
    __table_args__ = (
        _one_of("kind", InteractionKind),
        _one_of("sentiment", Sentiment, nullable=True),
        Index("ix_interactions_account_occurred", "account_id", "occurred_at"),
        # "Was a thank-you (a call, a review) logged on the account since then?" without
        # reading the account's other interactions; and every thank-you at once.
        Index("ix_interactions_kind_account_occurred", "kind", "account_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    kind: InteractionKind = Field(default=InteractionKind.CALL, sa_type=String(16))
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    summary: str = Field(sa_type=Text)
    sentiment: Sentiment | None = Field(default=None, sa_type=String(16))
    source: str = Field(default="cli", max_length=32)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = _created()


REVENUE = ("amount", "cost")
"""The deal columns revenue sums read, carried in the deal indexes."""


class Deal(SQLModel, table=True):
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

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="accounts.id", ondelete="CASCADE")
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    product: str | None = Field(default=None, max_length=200)
    stage: DealStage = Field(default=DealStage.OPEN, sa_type=String(16))
    amount: float | None = Field(default=None, ge=0)
    cost: float | None = Field(default=None, ge=0)
    engaged_on: date | None = None
    closed_on: date | None = None
    created_at: datetime = _created()


class Order(SQLModel, table=True):
    """A recorded order: prompts a thank-you, and a personal call when it completes or fails."""

    __tablename__ = "orders"
    __table_args__ = (
        _one_of("status", OrderStatus),
        # The orders placed, and those completed or in trouble, in the last days.
        Index("ix_orders_placed_at", "placed_at"),
        Index("ix_orders_updated_at", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    deal_id: int | None = Field(default=None, foreign_key="deals.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    what: str = Field(max_length=500)
    amount: float | None = Field(default=None, ge=0)
    status: OrderStatus = Field(default=OrderStatus.PLACED, sa_type=String(16))
    problem: str | None = Field(default=None, sa_type=Text)
    placed_at: datetime = _created()
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    updated_at: datetime = _created()


class Commitment(SQLModel, table=True):
    """A promise made to the customer, tracked until it is kept."""

    __tablename__ = "commitments"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    what: str = Field(max_length=1000)
    to_whom: str | None = Field(default=None, max_length=200)
    due_on: date = Field(index=True)
    done_at: datetime | None = _when()
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = _created()


class Notice(SQLModel, table=True):
    """Bad news the customer must hear from us before a date ("don't postpone")."""

    __tablename__ = "notices"
    __table_args__ = (_one_of("kind", NoticeKind),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    kind: NoticeKind = Field(default=NoticeKind.OTHER, sa_type=String(16))
    what: str = Field(max_length=1000)
    must_tell_by: date = Field(index=True)
    communicated_at: datetime | None = _when()
    alternatives: str | None = Field(default=None, sa_type=Text)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = _created()


class CustomerRequest(SQLModel, table=True):
    """Something the customer asked for that we do not offer, and what we offered instead."""

    __tablename__ = "requests"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    what: str = Field(max_length=1000)
    alternatives: str | None = Field(default=None, sa_type=Text)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = _created()


class Feedback(SQLModel, table=True):
    """How the customer rates us: CSAT, NPS, expectation exceeded/met/below."""

    __tablename__ = "feedback"
    __table_args__ = (
        _between("csat", 1, 5),
        _between("nps", 0, 10),
        _one_of("expectation", Expectation, nullable=True),
        CheckConstraint(
            "csat IS NOT NULL OR nps IS NOT NULL OR expectation IS NOT NULL",
            name="ck_feedback_has_rating",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    expectation: Expectation | None = Field(default=None, sa_type=String(16))
    comment: str | None = Field(default=None, sa_type=Text)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class Goal(SQLModel, table=True):
    """A customer-experience or management target, tracked against actuals."""

    __tablename__ = "goals"
    __table_args__ = (_one_of("scope", GoalScope),)

    id: int | None = Field(default=None, primary_key=True)
    metric: str = Field(max_length=100)
    target: float
    scope: GoalScope = Field(default=GoalScope.TEAM, sa_type=String(16))
    scope_ref: str | None = Field(default=None, max_length=200)
    period: str = Field(max_length=32)
    created_at: datetime = _created()


class ScoreSnapshot(SQLModel, table=True):
    """One account's scores at one moment; trends are read from the history."""

    __tablename__ = "score_snapshots"
    __table_args__ = (
        _one_of("tier", Tier),
        _one_of("quadrant", Quadrant),
        Index("ix_score_snapshots_account_at", "account_id", "at"),
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


class Reminder(SQLModel, table=True):
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


class AuditEvent(SQLModel, table=True):
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
    "AccountStatus",
    "AuditEvent",
    "Commitment",
    "Contact",
    "CustomerRequest",
    "Deal",
    "DealStage",
    "Expectation",
    "Feedback",
    "Goal",
    "GoalScope",
    "Interaction",
    "InteractionKind",
    "Notice",
    "NoticeKind",
    "Order",
    "OrderStatus",
    "Quadrant",
    "Reminder",
    "ReminderState",
    "Role",
    "ScoreSnapshot",
    "Sentiment",
    "Tier",
    "User",
    "name_key",
]
