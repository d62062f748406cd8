"""Every reminder kind, derived from the data at ``now``.

Each kind is one or two grouped queries over the whole portfolio (never one
query per account), so the due list of 100,000 accounts costs about what a
hand-written SQL query for it costs. Nothing here writes; the reminder table
only says which of these occurrences were already delivered, snoozed, done or
dismissed (see :mod:`core.checkins.due`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, extract, func, literal, or_
from sqlalchemy import select as wide_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.checkins.config import REVIEWED_TIERS, CheckinConfig
from core.checkins.items import DueItem
from core.clock import as_utc, start_of_day_utc
from core.models import (
    Account,
    AccountStatus,
    Commitment,
    Contact,
    Deal,
    DealStage,
    Goal,
    GoalScope,
    Interaction,
    InteractionKind,
    Notice,
    Order,
    OrderStatus,
    ReminderKind,
    ScoreSnapshot,
    Tier,
    User,
)
from core.services.views import latest_snapshots
from core.types import UTCDateTime

DAY = timedelta(days=1)
PERSONAL_KINDS = (InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.VISIT)


@dataclass(frozen=True)
class Derived:
    """A due item, and for a thank-you the occasion its drafted message names."""

    item: DueItem
    occasion: str | None = None


@dataclass(frozen=True)
class Scope:
    """Whose items to derive: some people's, some accounts', or (None) everyone's."""

    user_ids: frozenset[int] | None = None
    account_ids: frozenset[int] | None = None

    def wants(self, user_id: int | None) -> bool:
        return self.user_ids is None or user_id in self.user_ids

    def where(self, owner: Any, account: Any) -> list[ColumnElement[bool]]:
        """SQL conditions that keep the scope's rows."""
        clauses: list[ColumnElement[bool]] = []
        if self.user_ids is not None:
            clauses.append(owner.in_(sorted(self.user_ids)))
        if self.account_ids is not None:
            clauses.append(account.in_(sorted(self.account_ids)))
        return clauses


def moment(value: datetime | str | None) -> datetime | None:
    """A timestamp read through an aggregate, made UTC-aware whatever the driver gave."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is UTC:
        return value
    return as_utc(value)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def rows(session: Session, query: Any) -> Sequence[Any]:
    """Run a select of more columns than sqlmodel's typed ``select`` covers."""
    result: Sequence[Any] = session.exec(query).all()
    return result


def current_tier() -> tuple[Any, Any]:
    """The newest snapshot per account, and the expression for the account's current tier.

    The override wins; else the newest snapshot's tier; else "standard".
    """
    snap = latest_snapshots().subquery()
    tier = func.coalesce(col(Account.tier_override), snap.c.tier, literal(Tier.STANDARD.value))
    return snap, tier


def derive(
    *, session: Session, now: datetime, config: CheckinConfig, scope: Scope
) -> list[Derived]:
    """Every due occurrence at ``now`` for the scope, before reminder state is applied."""
    users = {
        row[0]: (row[1], row[2], row[3])
        for row in session.exec(select(User.id, User.manager_id, User.name, User.active)).all()
    }
    found: list[Derived] = []
    found += [Derived(i) for i in check_ins(session=session, now=now, config=config, scope=scope)]
    found += [Derived(i) for i in commitments(session=session, now=now, config=config, scope=scope)]
    found += [
        Derived(i)
        for i in notices(session=session, now=now, config=config, scope=scope, users=users)
    ]
    found += thank_yous(session=session, now=now, config=config, scope=scope)
    found += [
        Derived(i) for i in personal_connects(session=session, now=now, config=config, scope=scope)
    ]
    found += [
        Derived(i)
        for i in reviews_and_onboarding(session=session, now=now, config=config, scope=scope)
    ]
    return [d for d in found if scope.wants(d.item.user_id)]


def check_ins(
    *, session: Session, now: datetime, config: CheckinConfig, scope: Scope
) -> list[DueItem]:
    """Accounts whose last interaction is older than their tier's cadence.

    The cadence test runs in SQL for every account without an override (a
    threshold per tier), so only due rows come back; accounts with their own
    cadence are few and are tested here.
    """
    last = (
        select(
            col(Interaction.account_id).label("account_id"),
            func.max(Interaction.occurred_at).label("last"),
        )
        .group_by(col(Interaction.account_id))
        .subquery()
    )
    snap, tier = current_tier()
    since = func.coalesce(last.c.last, col(Account.created_at))
    threshold = case(
        *(
            (tier == name, literal(now - timedelta(days=days), UTCDateTime()))
            for name, days in config.cadence_days.items()
        ),
        else_=literal(now - timedelta(days=config.cadence(Tier.STANDARD, None)), UTCDateTime()),
    )
    query = (
        wide_select(
            col(Account.id),
            col(Account.name),
            col(Account.owner_id),
            col(Account.checkin_cadence_days),
            tier.label("tier"),
            since.label("since"),
            last.c.last.is_(None).label("never"),
        )
        .outerjoin(last, last.c.account_id == Account.id)
        .outerjoin(snap, snap.c.account_id == Account.id)
        .where(
            col(Account.status) == AccountStatus.ACTIVE.value,
            or_(col(Account.checkin_cadence_days).is_not(None), since <= threshold),
            *scope.where(col(Account.owner_id), col(Account.id)),
        )
    )
    items = []
    for account_id, name, owner_id, override, tier_name, since_raw, never in rows(session, query):
        started = moment(since_raw)
        assert started is not None
        interval = config.cadence(tier_name, override)
        elapsed = now - started
        if elapsed < timedelta(days=interval):
            continue
        red = elapsed >= timedelta(days=interval * config.red_factor)
        days = elapsed / DAY
        if never:
            detail = f"No contact logged since kam started tracking ({started:%Y-%m-%d})."
        else:
            detail = f"Last contact {int(days)} days ago ({started:%Y-%m-%d})."
        detail += f" {tier_name.capitalize()} accounts are called every {interval} days."
        items.append(
            DueItem(
                key=f"check_in:{account_id}:{started.date().isoformat()}" + ("#red" if red else ""),
                kind=ReminderKind.CHECK_IN_DUE,
                account_id=account_id,
                account_name=name,
                user_id=owner_id,
                due_at=started + timedelta(days=interval * (config.red_factor if red else 1)),
                priority=max(days - interval, 0.0) / interval * config.weight(tier_name),
                severity="red" if red else "yellow",
                title=f"Check in with {name}",
                detail=detail,
            )
        )
    return items


def commitments(
    *, session: Session, now: datetime, config: CheckinConfig, scope: Scope
) -> list[DueItem]:
    """Open promises due within the lead time, or overdue."""
    today = now.date()
    owner = func.coalesce(col(Commitment.owner_id), col(Account.owner_id))
    query = (
        wide_select(
            col(Commitment.id),
            col(Commitment.account_id),
            col(Account.name),
            owner,
            col(Commitment.what),
            col(Commitment.to_whom),
            col(Commitment.due_on),
        )
        .join(Account, col(Account.id) == Commitment.account_id)
        .where(
            col(Commitment.done_at).is_(None),
            col(Commitment.due_on) <= today + config.commitment_lead,
            *scope.where(owner, col(Commitment.account_id)),
        )
    )
    items = []
    for cid, account_id, name, owner_id, what, to_whom, due_raw in rows(session, query):
        due_on = _day(due_raw)
        late = (today - due_on).days
        to = f" to {to_whom}" if to_whom else ""
        if late > 0:
            severity, priority = "red", 1.0 + late / 7
            due_at = start_of_day_utc(due_on + DAY)
            when = f"It was due {due_on} ({late} days ago)."
        else:
            severity = "yellow" if late == 0 else "info"
            priority = 1.0 if late == 0 else 0.5
            due_at = start_of_day_utc(due_on) - config.commitment_lead
            when = "It is due today." if late == 0 else f"It is due {due_on}."
        items.append(
            DueItem(
                key=f"commitment:{account_id}:{cid}" + ("#overdue" if late > 0 else ""),
                kind=ReminderKind.COMMITMENT_DUE,
                account_id=account_id,
                account_name=name,
                user_id=owner_id,
                due_at=due_at,
                priority=priority,
                severity=severity,
                title=f"Keep your promise{to} at {name}: {what}",
                detail=f"{when} Mark it done once it is kept.",
                subject_id=cid,
            )
        )
    return items


def notices(
    *,
    session: Session,
    now: datetime,
    config: CheckinConfig,
    scope: Scope,
    users: dict[int | None, tuple[int | None, str, bool]],
) -> list[DueItem]:
    """Bad news not yet told: from the day it is entered until it is marked told.

    Urgency grows as the must-tell-by day nears; once it has passed, the owner
    gets a red reminder and the owner's manager is told too.
    """
    today = now.date()
    owner = func.coalesce(col(Notice.owner_id), col(Account.owner_id))
    query = (
        wide_select(
            col(Notice.id),
            col(Notice.account_id),
            col(Account.name),
            owner,
            col(Notice.what),
            col(Notice.must_tell_by),
            col(Notice.created_at),
        )
        .join(Account, col(Account.id) == Notice.account_id)
        .where(col(Notice.communicated_at).is_(None))
    )
    if scope.account_ids is not None:
        query = query.where(col(Notice.account_id).in_(sorted(scope.account_ids)))
    items = []
    for nid, account_id, name, owner_id, what, tell_raw, created in rows(session, query):
        tell_by = _day(tell_raw)
        base = f"notice_untold:{account_id}:{nid}"
        common: dict[str, Any] = {
            "kind": ReminderKind.NOTICE_UNTOLD,
            "account_id": account_id,
            "account_name": name,
            "subject_id": nid,
        }
        left = (tell_by - today).days
        if left >= 0:
            lead = max((tell_by - moment(created).date()).days, 1)  # type: ignore[union-attr]
            urgency = min(max(1 - left / lead, 0.0), 1.0)
            items.append(
                DueItem(
                    key=base,
                    user_id=owner_id,
                    due_at=moment(created),  # type: ignore[arg-type]
                    priority=1.0 + urgency,
                    severity="yellow" if left <= config.notice_warning.days else "info",
                    title=f"Tell {name}: {what}",
                    detail=f"They must hear it from us by {tell_by}"
                    + (" (today)." if left == 0 else f" ({left} days left).")
                    + " Bad news does not improve with age.",
                    **common,
                )
            )
            continue
        late = -left
        due_at = start_of_day_utc(tell_by + DAY)
        items.append(
            DueItem(
                key=f"{base}#late",
                user_id=owner_id,
                due_at=due_at,
                priority=2.0 + late / 7,
                severity="red",
                title=f"Tell {name} now: {what}",
                detail=f"They should have heard it by {tell_by}, {late} days ago. "
                "Your manager has been told.",
                **common,
            )
        )
        manager_id = users.get(owner_id, (None, "", True))[0]
        if manager_id is not None:
            owner_name = users.get(owner_id, (None, "The owner", True))[1]
            items.append(
                DueItem(
                    key=f"{base}#manager",
                    user_id=manager_id,
                    due_at=due_at,
                    priority=2.0 + late / 7,
                    severity="red",
                    title=f"{owner_name} has not told {name}: {what}",
                    detail=f"It had to be told by {tell_by} ({late} days ago).",
                    **common,
                )
            )
    return items


def _latest_interaction(
    session: Session, kinds: Iterable[str], since: datetime, account_ids: Collection[int]
) -> dict[int, datetime]:
    """The newest interaction of these kinds per account, since ``since``."""
    if not account_ids:
        return {}
    query = (
        select(col(Interaction.account_id), func.max(Interaction.occurred_at))
        .where(
            col(Interaction.kind).in_([str(k) for k in kinds]),
            col(Interaction.occurred_at) >= since,
        )
        .group_by(col(Interaction.account_id))
    )
    out = {}
    for account_id, at in session.exec(query).all():
        stamp = moment(at)
        if stamp is not None:
            out[account_id] = stamp
    return out


def thank_yous(
    *, session: Session, now: datetime, config: CheckinConfig, scope: Scope
) -> list[Derived]:
    """A won deal, a recorded order, a renewal or an anniversary asks for a thank-you.

    It stays open for the thank-you window or until a thank-you interaction is
    logged on the account after the occasion.
    """
    today = now.date()
    start = now - config.thank_you_window
    found: list[tuple[datetime, Derived]] = []
    where_account = scope.where(col(Account.owner_id), col(Account.id))

    earlier = aliased(Deal)
    renewal = exists().where(
        col(earlier.account_id) == col(Deal.account_id),
        col(earlier.product) == col(Deal.product),
        col(earlier.stage) == DealStage.WON.value,
        col(earlier.closed_on) < col(Deal.closed_on),
    )
    deals = rows(
        session,
        wide_select(
            col(Deal.id),
            col(Deal.account_id),
            col(Account.name),
            col(Account.owner_id),
            col(Deal.product),
            col(Deal.closed_on),
            renewal.label("renewal"),
        )
        .join(Account, col(Account.id) == Deal.account_id)
        .where(
            col(Deal.stage) == DealStage.WON.value,
            col(Deal.closed_on) >= start.date(),
            col(Deal.closed_on) <= today,
            *where_account,
        ),
    )
    orders = rows(
        session,
        wide_select(
            col(Order.id),
            col(Order.account_id),
            col(Account.name),
            col(Account.owner_id),
            col(Order.what),
            col(Order.placed_at),
            col(Order.deal_id),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(col(Order.placed_at) >= start, col(Order.placed_at) <= now, *where_account),
    )
    days = [today - timedelta(days=n) for n in range(config.thank_you_window.days)]
    month_day = extract("month", col(Account.customer_since)) * 100 + extract(
        "day", col(Account.customer_since)
    )
    anniversaries = rows(
        session,
        wide_select(
            col(Account.id), col(Account.name), col(Account.owner_id), col(Account.customer_since)
        ).where(
            col(Account.status) == AccountStatus.ACTIVE.value,
            col(Account.customer_since).is_not(None),
            month_day.in_(sorted({d.month * 100 + d.day for d in days})),
            *where_account,
        ),
    )

    ordered_deals = {row[6] for row in orders if row[6] is not None}
    for did, account_id, name, owner_id, product, closed_raw, is_renewal in deals:
        if did in ordered_deals:
            continue  # the order's own thank-you covers it
        what = product or "the deal"
        title, occasion = (
            (f"Thank {name} for renewing {what}", f"renewing {what}")
            if is_renewal
            else (f"Thank {name} for choosing {what}", f"choosing {what}")
        )
        found.append(
            _thank_you(
                f"thank_you:{account_id}:deal-{did}",
                start_of_day_utc(_day(closed_raw)),
                account_id,
                name,
                owner_id,
                title,
                occasion,
                did,
                now,
            )
        )
    for oid, account_id, name, owner_id, what, placed, _deal in orders:
        found.append(
            _thank_you(
                f"thank_you:{account_id}:order-{oid}",
                moment(placed),  # type: ignore[arg-type]
                account_id,
                name,
                owner_id,
                f"Thank {name} for the order: {what}",
                f"your order ({what})",
                oid,
                now,
            )
        )
    for account_id, name, owner_id, since_raw in anniversaries:
        since = _day(since_raw)
        for day in days:
            if (day.month, day.day) == (since.month, since.day) and day.year > since.year:
                years = day.year - since.year
                label = "one year" if years == 1 else f"{years} years"
                found.append(
                    _thank_you(
                        f"thank_you:{account_id}:anniversary-{day.year}",
                        start_of_day_utc(day),
                        account_id,
                        name,
                        owner_id,
                        f"{label.capitalize()} as a customer: thank {name}",
                        f"{label} of working together",
                        None,
                        now,
                    )
                )
    thanked = _latest_interaction(
        session,
        [InteractionKind.THANK_YOU],
        start - DAY,
        {d.item.account_id for _, d in found},  # type: ignore[misc]
    )
    return [
        d
        for event, d in found
        if d.item.account_id not in thanked or thanked[d.item.account_id] < event
    ]


def _thank_you(
    key: str,
    event: datetime,
    account_id: int,
    name: str,
    owner_id: int | None,
    title: str,
    occasion: str,
    subject_id: int | None,
    now: datetime,
) -> tuple[datetime, Derived]:
    waited = max((now - event) / DAY, 0.0)
    item = DueItem(
        key=key,
        kind=ReminderKind.THANK_YOU,
        account_id=account_id,
        account_name=name,
        user_id=owner_id,
        due_at=event,
        priority=1.0 + waited / 2,
        severity="info" if waited <= 1 else "yellow",
        title=title,
        detail="A thank-you within a day shows them they matter. Here is a draft.",
        subject_id=subject_id,
    )
    return event, Derived(item, occasion)


def personal_connects(
    *, session: Session, now: datetime, config: CheckinConfig, scope: Scope
) -> list[DueItem]:
    """An order that completed or ran into a problem asks for a personal call.

    It stays open for the window, or until a call, meeting or visit is logged
    on the account after the order changed.
    """
    start = now - config.personal_connect_window
    changed = rows(
        session,
        wide_select(
            col(Order.id),
            col(Order.account_id),
            col(Account.name),
            col(Account.owner_id),
            col(Order.what),
            col(Order.status),
            col(Order.problem),
            col(Order.updated_at),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(
            col(Order.status).in_([OrderStatus.COMPLETED.value, OrderStatus.PROBLEM.value]),
            col(Order.updated_at) >= start,
            col(Order.updated_at) <= now,
            *scope.where(col(Account.owner_id), col(Account.id)),
        ),
    )
    called = _latest_interaction(session, PERSONAL_KINDS, start, {r[1] for r in changed})
    items = []
    for oid, account_id, name, owner_id, what, status, problem, updated_raw in changed:
        updated = moment(updated_raw)
        assert updated is not None
        if account_id in called and called[account_id] >= updated:
            continue
        trouble = status == OrderStatus.PROBLEM.value
        items.append(
            DueItem(
                key=f"personal_connect:{account_id}:order-{oid}-{status}",
                kind=ReminderKind.PERSONAL_CONNECT,
                account_id=account_id,
                account_name=name,
                user_id=owner_id,
                due_at=updated,
                priority=2.0 if trouble else 0.8,
                severity="red" if trouble else "info",
                title=(
                    f"Call {name} about the problem with {what}"
                    if trouble
                    else f"Call {name}: {what} is complete"
                ),
                detail=(f"The problem: {problem}. " if trouble and problem else "")
                + "A personal call, not a template e-mail.",
                subject_id=oid,
            )
        )
    return items


def _quarter(now: datetime) -> tuple[str, datetime, datetime]:
    index = (now.month - 1) // 3
    start = datetime(now.year, 3 * index + 1, 1, tzinfo=UTC)
    end = (
        datetime(now.year + 1, 1, 1, tzinfo=UTC)
        if index == 3
        else datetime(now.year, 3 * index + 4, 1, tzinfo=UTC)
    )
    return f"{now.year}Q{index + 1}", start, end


def reviews_and_onboarding(
    *, session: Session, now: datetime, config: CheckinConfig, scope: Scope
) -> list[DueItem]:
    """Quarterly reviews for strategic and key accounts, and the onboarding checklist
    for an account newly in one of those tiers."""
    snap, tier = current_tier()
    accounts = rows(
        session,
        wide_select(
            col(Account.id),
            col(Account.name),
            col(Account.owner_id),
            tier.label("tier"),
            col(Account.tier_override),
            col(Account.updated_at),
        )
        .outerjoin(snap, snap.c.account_id == Account.id)
        .where(
            col(Account.status) == AccountStatus.ACTIVE.value,
            tier.in_(sorted(REVIEWED_TIERS)),
            *scope.where(col(Account.owner_id), col(Account.id)),
        ),
    )
    if not accounts:
        return []
    ids = {row[0] for row in accounts}
    label, q_start, q_end = _quarter(now)
    reviewed = _latest_interaction(session, [InteractionKind.REVIEW], q_start, ids)
    entered = _tier_entry(session, ids)
    deciders: set[int] = set()
    for part in _chunks(sorted(ids)):
        deciders.update(
            session.exec(
                select(col(Contact.account_id))
                .where(col(Contact.decision_maker), col(Contact.account_id).in_(part))
                .distinct()
            )
        )
    goal_refs = set(
        session.exec(
            select(col(Goal.scope_ref)).where(col(Goal.scope) == GoalScope.ACCOUNT.value)
        ).all()
    )
    review_due = q_end - config.review_lead
    items = []
    for account_id, name, owner_id, tier_name, _override, updated in accounts:
        weight = config.weight(tier_name) / config.weight(Tier.STRATEGIC)
        if now >= review_due and account_id not in reviewed:
            left = (q_end - now) / DAY
            items.append(
                DueItem(
                    key=f"account_review:{account_id}:{label}",
                    kind=ReminderKind.ACCOUNT_REVIEW,
                    account_id=account_id,
                    account_name=name,
                    user_id=owner_id,
                    due_at=review_due,
                    priority=(0.5 + (now - review_due) / config.review_lead) * weight,
                    severity="yellow" if left <= 14 else "info",
                    title=f"Quarterly account review with {name}",
                    detail=f"{tier_name.capitalize()} accounts get a review every quarter; "
                    f"none is logged for {label} (ends {(q_end - DAY):%Y-%m-%d}). "
                    "Log it as an interaction of kind review.",
                )
            )
        since = entered.get(account_id)
        if since is None:  # in the tier by override only: since the account last changed
            since = moment(updated)
        if since is None or now - since > config.onboarding_window:
            continue
        checklist = {
            "owner confirmed": owner_id is not None,
            "decision makers mapped": account_id in deciders,
            "goals set": str(account_id) in goal_refs or name in goal_refs,
        }
        if all(checklist.values()):
            continue
        items.append(
            DueItem(
                key=f"onboarding:{account_id}:{tier_name}",
                kind=ReminderKind.ONBOARDING,
                account_id=account_id,
                account_name=name,
                user_id=owner_id,
                due_at=since,
                priority=0.6 * weight,
                severity="info",
                title=f"Onboard {name} as a {tier_name} account",
                detail="Checklist: "
                + "; ".join(f"[{'x' if ok else ' '}] {step}" for step, ok in checklist.items()),
            )
        )
    return items


def _chunks(values: list[int], size: int = 5_000) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _tier_entry(session: Session, account_ids: Collection[int]) -> dict[int, datetime]:
    """When each account's current run of strategic or key snapshots began."""
    out: dict[int, datetime] = {}
    for part in _chunks(sorted(account_ids)):
        out.update(_tier_entry_of(session, part))
    return out


def _tier_entry_of(session: Session, account_ids: list[int]) -> dict[int, datetime]:
    reviewed = sorted(REVIEWED_TIERS)
    last_low = (
        select(
            col(ScoreSnapshot.account_id).label("account_id"),
            func.max(ScoreSnapshot.at).label("at"),
        )
        .where(
            col(ScoreSnapshot.tier).not_in(reviewed),
            col(ScoreSnapshot.account_id).in_(account_ids),
        )
        .group_by(col(ScoreSnapshot.account_id))
        .subquery()
    )
    query = (
        select(col(ScoreSnapshot.account_id), func.min(ScoreSnapshot.at))
        .outerjoin(last_low, last_low.c.account_id == ScoreSnapshot.account_id)
        .where(
            col(ScoreSnapshot.tier).in_(reviewed),
            col(ScoreSnapshot.account_id).in_(account_ids),
            or_(last_low.c.at.is_(None), and_(col(ScoreSnapshot.at) > last_low.c.at)),
        )
        .group_by(col(ScoreSnapshot.account_id))
    )
    out = {}
    for account_id, at in session.exec(query).all():
        stamp = moment(at)
        if stamp is not None:
            out[account_id] = stamp
    return out
