"""The account card: everything worth knowing before calling this customer.

One read for ``kam show``, ``/kam show`` (and the card a reminder opens) and the
TUI's account screen. :meth:`AccountCard.as_json` is what ``kam show --json``
prints; the health band and trend, revenue by month and the latest deals are
the TUI's additions and stay out of it. The sales history (revenue by month,
latest deals) costs two more queries and is read only when asked for, so the
Slack card stays as quick as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from core.clock import utcnow
from core.models import (
    Account,
    Commitment,
    Contact,
    CustomerRequest,
    Deal,
    Feedback,
    Notice,
    Order,
    PlannedMeeting,
    ScoreSnapshot,
    User,
)
from core.results import NOT_PRINTED, JsonResult, result_from
from core.scoring.classify import OverCapacity
from core.scoring.config import ScoringConfig, load_config
from core.scoring.forecast import MonthRevenue
from core.scoring.revenue import last_12_months
from core.scoring.trend import HealthChange, health_trend
from core.services import accounts as account_service
from core.services.contacts import bosses, contacts_of
from core.services.interactions import recent_interactions
from core.services.profile import PROFILE, ProfileStamp, profile_stamps
from core.views.common import iso

PERSONAL_FACTS = ("hometown", "favourite_team", "interests", "family", "birthday")
"""The personal facts a card shows for a contact, in this order."""
REVENUE_MONTHS = 12
LATEST_DEALS = 8

R = TypeVar("R", bound=SQLModel)


@dataclass(frozen=True)
class StoredScores(JsonResult):
    """The newest score snapshot: what the last scoring run said."""

    at: datetime
    attractiveness: float
    relationship: float
    health: float
    tier: str
    quadrant: str


@dataclass(frozen=True)
class ContactFacts(JsonResult):
    """A person at the customer, with what builds the relationship ("know them")."""

    id: int | None
    name: str
    title: str | None
    email: str | None
    phone: str | None
    decision_maker: bool
    buying_role: str | None
    """decision_maker, influencer, user or gatekeeper; None when not known."""
    reports_to: str | None
    """The name of the contact they report to."""
    hometown: str | None
    interests: str | None
    favourite_team: str | None
    family: str | None
    birthday: date | None
    notes: str | None

    def personal(self) -> list[tuple[str, str]]:
        """The personal facts known, as (field, text), in :data:`PERSONAL_FACTS` order."""
        values = {
            "hometown": self.hometown,
            "favourite_team": self.favourite_team,
            "interests": self.interests,
            "family": self.family,
            "birthday": iso(self.birthday),
        }
        return [(name, text) for name in PERSONAL_FACTS if (text := values[name])]

    @property
    def role(self) -> str:
        """Their buying-centre role in words ("decision maker"), or "" when not known."""
        role = self.buying_role or ("decision_maker" if self.decision_maker else "")
        return role.replace("_", " ")


STAGES = {1: "exploratory", 2: "basic", 3: "cooperative", 4: "interdependent", 5: "integrated"}
"""McDonald's relationship stages."""
SHOWN_APART = ("tier_override", "tier_override_reason")
"""Profile fields a card shows on its tier line, not among the profile's."""


@dataclass(frozen=True)
class ProfileLine:
    """One known field of the account profile as a person reads it, with who set it."""

    label: str
    text: str
    set_by: str | None
    set_at: datetime | None

    @property
    def attributed(self) -> str:
        """The text, with who set it and when ("4 (interdependent); anna@…, 2026-11-30")."""
        if self.set_by is None or self.set_at is None:
            return self.text
        return f"{self.text} ({self.set_by}, {self.set_at:%Y-%m-%d})"


def _profile_text(name: str, value: Any) -> str:
    if name == "relationship_stage":
        return f"{value} ({STAGES.get(value, '')})"
    if name in ("financial_health", "industry_influence"):
        return f"{value} of 5"
    if name == "gross_margin":
        return f"{value:.0%}" if abs(value) <= 1 else f"{value:g}%"
    if name == "replacement_months":
        return f"{value} months"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


@dataclass(frozen=True)
class InteractionLine(JsonResult):
    """One touch with the customer, and who on our side made it."""

    id: int | None
    kind: str
    occurred_at: datetime
    summary: str
    sentiment: str | None
    by: str | None
    """The e-mail of the person who logged it."""
    source: str
    external_ref: str | None = None
    """A captured touch's link back (Message-ID, event UID, channel and day)."""

    @property
    def captured(self) -> str | None:
        """How the front ends mark a captured touch ("captured from mail"); None for a
        typed one."""
        if self.external_ref is None:
            return None
        return f"captured from {CAPTURED_FROM.get(self.source, self.source)}"


CAPTURED_FROM = {"mail": "mail", "calendar": "the calendar", "slack": "Slack"}


@dataclass(frozen=True)
class PlannedLine(JsonResult):
    """A meeting with the customer still to come (from the calendar): no touch yet."""

    starts_at: datetime
    title: str


@dataclass(frozen=True)
class OpenPromise(JsonResult):
    """A promise to the customer not yet kept."""

    id: int | None
    what: str
    to_whom: str | None
    due_on: date


@dataclass(frozen=True)
class UntoldNotice(JsonResult):
    """Bad news the customer has not heard from us yet."""

    id: int | None
    kind: str
    what: str
    must_tell_by: date
    alternatives: str | None


@dataclass(frozen=True)
class RequestLine(JsonResult):
    """Something the customer asked for that we do not offer, and what we offered."""

    id: int | None
    what: str
    alternatives: str | None
    at: datetime
    outcome: str = "open"
    """What became of it: open, accepted alternative, declined, built…"""


@dataclass(frozen=True)
class FeedbackLine(JsonResult):
    """How the customer rated us once."""

    id: int | None
    csat: int | None
    nps: int | None
    expectation: str | None
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class OrderLine(JsonResult):
    """An order the customer placed."""

    id: int | None
    what: str
    amount: float | None
    status: str
    placed_at: datetime


@dataclass(frozen=True)
class DealLine:
    """An opportunity, open or closed."""

    product: str | None
    stage: str
    amount: float | None
    closed_on: date | None
    engaged_on: date | None


@dataclass(frozen=True)
class AccountCard(JsonResult):
    """Who the customer is, who we know there, what is open, what happened last."""

    id: int
    name: str
    external_id: str | None
    sector: str | None
    country: str | None
    status: str
    owner: str | None
    """The owner's e-mail."""
    owner_name: str | None
    parent: str | None
    subsidiaries: list[str]
    customer_since: date | None
    annual_revenue: float | None
    employees: int | None
    founded_year: int | None
    relationship_stage: int | None
    financial_health: int | None
    industry_influence: int | None
    category_spend: float | None
    cost_to_serve: float | None
    gross_margin: float | None
    strategic_plans: str | None
    checkin_cadence_days: int | None
    tier: str | None
    """The hand-set tier, else the newest snapshot's; None before the first scoring."""
    tier_override: str | None
    tier_override_reason: str | None
    customer_values: str | None
    difficulties: str | None
    buying_process: str | None
    other_suppliers: str | None
    replacement_cost: float | None
    replacement_months: int | None
    profile_set: list[ProfileStamp]
    """Who set each profile field by hand, and when."""
    over_capacity: OverCapacity | None
    """Why the newest scoring held the account below the tier its scores earn ("would be
    key; over capacity"); None when it was not, or its tier is set by hand."""
    revenue_total: float
    won_deals: int
    revenue_12m: float
    open_deals: int
    scores: StoredScores | None
    contacts: list[ContactFacts]
    latest_interaction: InteractionLine | None
    """The newest touch with the customer, if any."""
    interactions: list[InteractionLine]
    """The latest ten, newest first."""
    open_commitments: list[OpenPromise]
    untold_notices: list[UntoldNotice]
    requests: list[RequestLine]
    feedback: list[FeedbackLine]
    orders: list[OrderLine]
    planned: list[PlannedLine]
    """Meetings to come, soonest first: shown, but they do not reset the cadence."""
    health_band: str | None = field(metadata=NOT_PRINTED)
    """red, yellow or green for the newest snapshot's health."""
    health_trend: HealthChange | None = field(metadata=NOT_PRINTED)
    """Against the snapshot before the newest; None with fewer than two."""
    revenue_by_month: list[MonthRevenue] | None = field(metadata=NOT_PRINTED)
    """The last twelve calendar months, oldest first; None unless the sales history was
    asked for."""
    deals: list[DealLine] | None = field(metadata=NOT_PRINTED)
    """The latest deals, open ones first; None unless the sales history was asked for."""


def profile_lines(card: AccountCard) -> list[ProfileLine]:
    """The profile fields the card knows, in the profile's order, each with who set it."""
    stamps = {s.field: s for s in card.profile_set}
    lines = []
    for name, spec in PROFILE.items():
        value = getattr(card, name)
        if value is None or value == "" or name in SHOWN_APART:
            continue
        stamp = stamps.get(name)
        lines.append(
            ProfileLine(
                spec.label,
                _profile_text(name, value),
                stamp.set_by if stamp else None,
                stamp.set_at if stamp else None,
            )
        )
    return lines


def account_card(
    account: Account,
    *,
    session: Session,
    now: datetime | None = None,
    config: ScoringConfig | None = None,
    sales_history: bool = False,
) -> AccountCard:
    """Everything worth knowing before calling this customer, as of ``now``.

    With ``sales_history`` the card also holds revenue by month and the latest
    deals (the TUI draws them; the CLI and Slack do not).
    """
    now = now or utcnow()
    assert account.id is not None
    window = last_12_months(now)
    owner = session.get(User, account.owner_id) if account.owner_id else None
    parent = session.get(Account, account.parent_id) if account.parent_id else None
    won = session.exec(
        select(func.coalesce(func.sum(Deal.amount), 0.0), func.count()).where(
            Deal.account_id == account.id, Deal.stage == "won"
        )
    ).one()
    won_12m = session.exec(
        select(func.coalesce(func.sum(Deal.amount), 0.0)).where(
            Deal.account_id == account.id, Deal.stage == "won", window.holds(col(Deal.closed_on))
        )
    ).one()
    open_deals = session.exec(
        select(func.count()).where(Deal.account_id == account.id, Deal.stage == "open")
    ).one()
    interactions = recent_interactions(account, session=session, limit=10)

    def of_account(
        model: type[R], order: Any, *where: Any, limit: int | None = None
    ) -> Sequence[R]:
        """The account's ``model`` records (those ``where`` holds) in ``order``."""
        mine = model.account_id == account.id  # type: ignore[attr-defined]
        return session.exec(select(model).where(mine, *where).order_by(order).limit(limit)).all()

    commitments = of_account(Commitment, col(Commitment.due_on), col(Commitment.done_at).is_(None))
    notices = of_account(Notice, col(Notice.must_tell_by), col(Notice.communicated_at).is_(None))
    requests = of_account(CustomerRequest, col(CustomerRequest.created_at).desc(), limit=10)
    feedback = of_account(Feedback, col(Feedback.at).desc(), limit=5)
    orders = of_account(Order, col(Order.placed_at).desc(), limit=5)
    newest_two = session.execute(
        sa_select(
            col(ScoreSnapshot.at),
            col(ScoreSnapshot.attractiveness),
            col(ScoreSnapshot.relationship),
            col(ScoreSnapshot.health),
            col(ScoreSnapshot.tier),
            col(ScoreSnapshot.quadrant),
            col(ScoreSnapshot.breakdown),
        )
        .where(col(ScoreSnapshot.account_id) == account.id)
        .order_by(col(ScoreSnapshot.at).desc())
        .limit(2)
    ).all()
    snapshots = [result_from(StoredScores, row) for row in newest_two]
    snapshot = snapshots[0] if snapshots else None
    user_ids = {i.user_id for i in interactions if i.user_id is not None}
    users: dict[int | None, str] = (
        {u.id: u.email for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()}
        if user_ids
        else {}
    )
    lines = [result_from(InteractionLine, i, by=users.get(i.user_id)) for i in interactions]
    rules = (config or load_config()) if snapshot is not None else None
    return result_from(
        AccountCard,
        account,
        owner=owner.email if owner else None,
        owner_name=owner.name if owner else None,
        parent=parent.name if parent else None,
        subsidiaries=[a.name for a in account_service.subsidiaries(account, session=session)],
        tier=account.tier_override or (snapshot.tier if snapshot else None),
        over_capacity=None if account.tier_override else held_back(newest_two),
        revenue_total=float(won[0] or 0),
        won_deals=int(won[1]),
        revenue_12m=float(won_12m or 0),
        open_deals=int(open_deals),
        scores=snapshot,
        contacts=contact_list(account, session=session),
        profile_set=profile_stamps(account.id, session=session),
        latest_interaction=lines[0] if lines else None,
        interactions=lines,
        planned=[
            result_from(PlannedLine, p)
            for p in of_account(
                PlannedMeeting,
                col(PlannedMeeting.starts_at),
                col(PlannedMeeting.starts_at) >= now,
                limit=5,
            )
        ],
        open_commitments=[result_from(OpenPromise, c) for c in commitments],
        untold_notices=[result_from(UntoldNotice, n) for n in notices],
        requests=[result_from(RequestLine, r, at=r.created_at) for r in requests],
        feedback=[result_from(FeedbackLine, f) for f in feedback],
        orders=[result_from(OrderLine, o) for o in orders],
        health_band=rules.band(snapshot.health) if rules and snapshot else None,
        health_trend=(
            health_trend(snapshots[0].health, snapshots[1].health, rules)
            if rules and len(snapshots) > 1
            else None
        ),
        revenue_by_month=(
            revenue_by_month(account.id, session=session, now=now) if sales_history else None
        ),
        deals=latest_deals(account.id, session=session) if sales_history else None,
    )


def contact_list(account: Account, *, session: Session) -> list[ContactFacts]:
    """The account's current contacts, decision makers first, with whom each reports to."""
    people = contacts_of(account, session=session)
    above = bosses([c.id for c in people], session=session)
    return [result_from(ContactFacts, c, reports_to=above.get(c.id)) for c in people]


def contact_facts(contact: Contact, *, session: Session) -> ContactFacts:
    """One contact as the card shows them, with whom they report to."""
    return result_from(
        ContactFacts, contact, reports_to=bosses([contact.id], session=session).get(contact.id)
    )


def held_back(newest: Sequence[Any]) -> OverCapacity | None:
    """The capacity reason the newest snapshot stored in its breakdown (None before any)."""
    stored = newest[0].breakdown if newest else None
    held = stored.get("over_capacity") if isinstance(stored, dict) else None
    return OverCapacity(**held) if held else None


def revenue_by_month(
    account_id: int, *, session: Session, now: datetime, months: int = REVENUE_MONTHS
) -> list[MonthRevenue]:
    """Won revenue per calendar month over the last ``months`` months, oldest first."""
    first = date(now.year, now.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    deals = session.exec(
        select(col(Deal.closed_on), col(Deal.amount)).where(
            col(Deal.account_id) == account_id,
            col(Deal.stage) == "won",
            col(Deal.closed_on) >= first,
        )
    ).all()
    totals: dict[str, float] = {}
    month = first
    for _ in range(months):
        totals[month.strftime("%Y-%m")] = 0.0
        month = (month + timedelta(days=32)).replace(day=1)
    for closed_on, amount in deals:
        key = closed_on.strftime("%Y-%m") if closed_on is not None else ""
        if key in totals:
            totals[key] += float(amount or 0)
    return [MonthRevenue(month, revenue) for month, revenue in totals.items()]


def latest_deals(account_id: int, *, session: Session, limit: int = LATEST_DEALS) -> list[DealLine]:
    """The latest deals, open ones first."""
    deals = session.exec(
        select(Deal)
        .where(col(Deal.account_id) == account_id)
        .order_by((col(Deal.stage) == "open").desc(), col(Deal.closed_on).desc())
        .limit(limit)
    ).all()
    return [result_from(DealLine, d) for d in deals]
