"""Every reminder kind, derived from the data at ``now``.

Each kind is one or two grouped queries over the whole portfolio (never one
query per account), so the due list of 100,000 accounts costs about what a
hand-written SQL query for it costs. Each query also spells out the
occurrence's key, so a sweep can have the database set the due rows against
the reminder table and fetch only the new ones (:mod:`core.checkins.triage`).
Nothing here writes; the reminder table only says which of these occurrences
were already delivered, snoozed, done or dismissed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, exists, extract, func, literal, null, or_
from sqlalchemy import select as wide_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.checkins.config import REVIEWED_TIERS, CheckinConfig
from core.checkins.items import DueItem
from core.checkins.triage import (
    Reading,
    Tally,
    among,
    at,
    days_between,
    joined,
    moment,
    month_day,
    rows,
    unindexed,
    utc_day,
    utc_midnight,
)
from core.clock import start_of_day_utc
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
from core.scoring.snapshots import latest_snapshots

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

    def where(self, owner: Any, account: Any, *, assignee: Any = None) -> list[ColumnElement[bool]]:
        """SQL conditions that keep the scope's rows.

        ``owner`` is who the row is for; where that is the record's own
        ``assignee`` or else the account's owner, a condition each side's index
        answers is added, so one person's rows are found without joining every
        record to its account first.
        """
        clauses: list[ColumnElement[bool]] = []
        if self.user_ids is not None:
            ids = sorted(self.user_ids)
            clauses.append(owner.in_(ids))
            if assignee is not None:
                owned = select(col(Account.id)).where(col(Account.owner_id).in_(ids))
                clauses.append(or_(assignee.in_(ids), among(account, owned.scalar_subquery())))
        if self.account_ids is not None:
            clauses.append(account.in_(sorted(self.account_ids)))
        return clauses


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def current_tier() -> tuple[Any, Any]:
    """The newest snapshot per account, and the expression for the account's current tier.

    The override wins; else the newest snapshot's tier; else "standard".
    """
    snap = latest_snapshots().subquery()
    tier = func.coalesce(col(Account.tier_override), snap.c.tier, literal(Tier.STANDARD.value))
    return snap, tier


KindReader = Callable[[Reading], list[Derived]]
"""One reminder kind: its due occurrences, read through a :class:`Reading`."""

READERS = 2
"""Connections a sweep reads the kinds on at once, where the database works in parallel."""


def kinds(*, now: datetime, config: CheckinConfig, scope: Scope) -> list[KindReader]:
    """The seven reminder kinds as readers, the slowest (check-ins) first."""

    def items(kind: Callable[..., list[DueItem]]) -> KindReader:
        return lambda reading: [
            Derived(i) for i in kind(now=now, config=config, scope=scope, reading=reading)
        ]

    def reviews(reading: Reading) -> list[Derived]:
        found = reviews_and_onboarding(session=reading.session, now=now, config=config, scope=scope)
        return [Derived(i) for i in reading.keep(found, lambda i: i.key, lambda i: i.user_id)]

    return [
        items(check_ins),
        items(commitments),
        items(notices),
        lambda reading: thank_yous(now=now, config=config, scope=scope, reading=reading),
        items(personal_connects),
        reviews,
    ]


def derive(
    *,
    session: Session,
    now: datetime,
    config: CheckinConfig,
    scope: Scope,
    reading: Reading | None = None,
) -> list[Derived]:
    """Every due occurrence at ``now`` for the scope, before reminder state is applied.

    With a ``new_only`` reading (a sweep), only the occurrences nobody has claimed
    yet or whose snooze ended; the reading counts the others.
    """
    reading = reading or Reading(session, now)
    found = [d for read in kinds(now=now, config=config, scope=scope) for d in read(reading)]
    return [d for d in found if scope.wants(d.item.user_id)]


def derive_new(
    engine: Engine, *, now: datetime, config: CheckinConfig
) -> tuple[list[Derived], Tally]:
    """A sweep's reading of the whole portfolio: the occurrences nobody has claimed
    yet or whose snooze ended, and the counts of the rest.

    The kinds are independent queries. PostgreSQL runs them at once, each on its
    own connection (the server works on them in parallel); SQLite reads them one
    after another, because reading threads in one process contend inside SQLite
    (two at once took 1.8 times as long as one after the other, bench/README.md).
    Each kind reads a consistent snapshot of its own, which is all a sweep needs:
    claims are by key, so an occurrence read twice is still claimed once.
    """
    readers = kinds(now=now, config=config, scope=Scope())

    def read(kind: KindReader) -> tuple[list[Derived], Tally]:
        with Session(engine) as session:
            reading = Reading(session, now, new_only=True)
            return kind(reading), reading.tally

    if engine.dialect.name == "postgresql":
        with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="kam-sweep") as pool:
            results = list(pool.map(read, readers))
    else:
        results = [read(kind) for kind in readers]
    tally = Tally()
    found: list[Derived] = []
    for derived, counted in results:
        found += derived
        tally.add(counted)
    return found, tally


def check_ins(
    *, now: datetime, config: CheckinConfig, scope: Scope, reading: Reading
) -> list[DueItem]:
    """Accounts whose last interaction is older than their cadence (tier or override).

    The cadence test, and whether it has reached red, run in SQL, so only due
    rows come back, each with its key.
    """
    # The newest interaction, looked up per account through the (account, occurred)
    # index: on both backends faster than grouping all interactions (bench/README.md).
    last = (
        select(func.max(Interaction.occurred_at))
        .where(col(Interaction.account_id) == col(Account.id))
        .scalar_subquery()
    )
    snap, tier = current_tier()
    accounts = (
        wide_select(
            col(Account.id).label("account_id"),
            col(Account.name).label("name"),
            col(Account.owner_id).label("user_id"),
            col(Account.checkin_cadence_days).label("override"),
            tier.label("tier"),
            last.label("last"),
            col(Account.created_at).label("created_at"),
        )
        .outerjoin(snap, snap.c.account_id == Account.id)
        .where(
            col(Account.status) == AccountStatus.ACTIVE.value,
            *scope.where(col(Account.owner_id), col(Account.id)),
        )
    )
    # OFFSET 0 keeps the planners from inlining the last-contact lookup into each
    # expression below (SQLite would otherwise repeat it a dozen times per account).
    a = accounts.offset(0).subquery("accounts_due")
    since = func.coalesce(a.c.last, a.c.created_at)
    override = func.coalesce(a.c.override, 0)

    def overdue(factor: float) -> ColumnElement[bool]:
        """SQL: the account's interval, times ``factor``, has passed since its last contact.

        A tier's interval is a moment to compare the stored timestamp with (no date
        arithmetic per account); only an account's own cadence needs the arithmetic.
        """
        deadline = case(
            *(
                (a.c.tier == name, at(now - timedelta(days=days * factor)))
                for name, days in config.cadence_days.items()
            ),
            else_=at(now - timedelta(days=config.cadence(Tier.STANDARD, None) * factor)),
        )
        return or_(
            and_(override <= 0, since <= deadline),
            and_(override > 0, days_between(at(now), since) >= a.c.override * factor),
        )

    red = overdue(config.red_factor)
    occurrence = joined("check_in:", a.c.account_id, ":", utc_day(since))
    query = wide_select(
        a.c.account_id,
        a.c.name,
        a.c.user_id,
        a.c.override,
        a.c.tier,
        since.label("since"),
        a.c.last.is_(None).label("never"),
        red.label("red"),
        (occurrence + case((red, literal("#red")), else_=literal(""))).label("key"),
        occurrence.label("family"),
    ).where(overdue(1))
    items = []
    for row in reading.rows(query):
        started = moment(row.since)
        assert started is not None
        interval_days = config.cadence(row.tier, row.override)
        elapsed_time = now - started
        if elapsed_time < timedelta(days=interval_days):
            continue  # within a millisecond of the boundary, where SQL rounds
        is_red = bool(row.red)
        days = elapsed_time / DAY
        if row.never:
            detail = f"No contact logged since kam started tracking ({started:%Y-%m-%d})."
        else:
            detail = f"Last contact {int(days)} days ago ({started:%Y-%m-%d})."
        detail += f" {row.tier.capitalize()} accounts are called every {interval_days} days."
        items.append(
            DueItem(
                key=row.key,
                kind=ReminderKind.CHECK_IN_DUE,
                account_id=row.account_id,
                account_name=row.name,
                user_id=row.user_id,
                due_at=started
                + timedelta(days=interval_days * (config.red_factor if is_red else 1)),
                priority=max(days - interval_days, 0.0) / interval_days * config.weight(row.tier),
                severity="red" if is_red else "yellow",
                title=f"Check in with {row.name}",
                detail=detail,
            )
        )
    return items


def commitments(
    *, now: datetime, config: CheckinConfig, scope: Scope, reading: Reading
) -> list[DueItem]:
    """Open promises due within the lead time, or overdue."""
    today = now.date()
    owner = func.coalesce(col(Commitment.owner_id), col(Account.owner_id))
    occurrence = joined("commitment:", col(Commitment.account_id), ":", col(Commitment.id))
    overdue = col(Commitment.due_on) < today
    query: Any = (
        wide_select(
            col(Commitment.id).label("cid"),
            col(Commitment.account_id).label("account_id"),
            col(Account.name).label("name"),
            owner.label("user_id"),
            col(Commitment.what).label("what"),
            col(Commitment.to_whom).label("to_whom"),
            col(Commitment.due_on).label("due_on"),
            (occurrence + case((overdue, literal("#overdue")), else_=literal(""))).label("key"),
            occurrence.label("family"),
        )
        .join(Account, col(Account.id) == Commitment.account_id)
        .where(
            col(Commitment.done_at).is_(None),
            unindexed(col(Commitment.due_on)) <= today + config.commitment_lead,
            *scope.where(owner, col(Commitment.account_id), assignee=col(Commitment.owner_id)),
        )
    )
    items = []
    for row in reading.rows(query):
        name = row.name
        due_on = _day(row.due_on)
        late = (today - due_on).days
        to = f" to {row.to_whom}" if row.to_whom else ""
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
                key=row.key,
                kind=ReminderKind.COMMITMENT_DUE,
                account_id=row.account_id,
                account_name=name,
                user_id=row.user_id,
                due_at=due_at,
                priority=priority,
                severity=severity,
                title=f"Keep your promise{to} at {name}: {row.what}",
                detail=f"{when} Mark it done once it is kept.",
                subject_id=row.cid,
            )
        )
    return items


def notices(
    *, now: datetime, config: CheckinConfig, scope: Scope, reading: Reading
) -> list[DueItem]:
    """Bad news not yet told: from the day it is entered until it is marked told.

    Urgency grows as the must-tell-by day nears; once it has passed, the owner
    gets a red reminder and the owner's manager is told too.
    """
    today = now.date()
    owner = func.coalesce(col(Notice.owner_id), col(Account.owner_id))
    occurrence = joined("notice_untold:", col(Notice.account_id), ":", col(Notice.id))
    late = col(Notice.must_tell_by) < today
    common_columns: tuple[Any, ...] = (
        col(Notice.id).label("nid"),
        col(Notice.account_id).label("account_id"),
        col(Account.name).label("name"),
        col(Notice.what).label("what"),
        col(Notice.must_tell_by).label("tell_by"),
        col(Notice.created_at).label("created"),
        occurrence.label("family"),
    )
    told_owner = (
        wide_select(
            *common_columns,
            owner.label("user_id"),
            (occurrence + case((late, literal("#late")), else_=literal(""))).label("key"),
        )
        .join(Account, col(Account.id) == Notice.account_id)
        .where(
            col(Notice.communicated_at).is_(None),
            *scope.where(owner, col(Notice.account_id), assignee=col(Notice.owner_id)),
        )
    )
    owner_user = aliased(User)
    told_manager = (
        wide_select(
            *common_columns,
            col(owner_user.manager_id).label("user_id"),
            (occurrence + literal("#manager")).label("key"),
            col(owner_user.name).label("owner_name"),
        )
        .join(Account, col(Account.id) == Notice.account_id)
        .join(owner_user, col(owner_user.id) == owner)
        .where(
            col(Notice.communicated_at).is_(None),
            late,
            col(owner_user.manager_id).is_not(None),
            *scope.where(col(owner_user.manager_id), col(Notice.account_id)),
        )
    )
    items = []
    for row in reading.rows(told_owner):
        tell_by = _day(row.tell_by)
        left = (tell_by - today).days
        common = _notice_common(row)
        if left >= 0:
            created = moment(row.created)
            assert created is not None
            lead = max((tell_by - created.date()).days, 1)
            urgency = min(max(1 - left / lead, 0.0), 1.0)
            items.append(
                DueItem(
                    user_id=row.user_id,
                    due_at=created,
                    priority=1.0 + urgency,
                    severity="yellow" if left <= config.notice_warning.days else "info",
                    title=f"Tell {row.name}: {row.what}",
                    detail=f"They must hear it from us by {tell_by}"
                    + (" (today)." if left == 0 else f" ({left} days left).")
                    + " Bad news does not improve with age.",
                    **common,
                )
            )
            continue
        items.append(
            DueItem(
                user_id=row.user_id,
                due_at=start_of_day_utc(tell_by + DAY),
                priority=2.0 - left / 7,
                severity="red",
                title=f"Tell {row.name} now: {row.what}",
                detail=f"They should have heard it by {tell_by}, {-left} days ago. "
                "Your manager has been told.",
                **common,
            )
        )
    for row in reading.rows(told_manager):
        tell_by = _day(row.tell_by)
        late_days = (today - tell_by).days
        items.append(
            DueItem(
                user_id=row.user_id,
                due_at=start_of_day_utc(tell_by + DAY),
                priority=2.0 + late_days / 7,
                severity="red",
                title=f"{row.owner_name} has not told {row.name}: {row.what}",
                detail=f"It had to be told by {tell_by} ({late_days} days ago).",
                **_notice_common(row),
            )
        )
    return items


def _notice_common(row: Any) -> dict[str, Any]:
    return {
        "key": row.key,
        "kind": ReminderKind.NOTICE_UNTOLD,
        "account_id": row.account_id,
        "account_name": row.name,
        "subject_id": row.nid,
    }


def _logged_since(kinds: Iterable[str], account: Any, since: Any) -> ColumnElement[bool]:
    """SQL: an interaction of these kinds was logged on the account at or after ``since``.

    One kind is looked up through the (kind, account, occurred) index; for several,
    one look-up of the account's recent interactions costs less than one per kind.
    """
    names = [str(k) for k in kinds]
    kind = col(Interaction.kind)
    return exists().where(
        col(Interaction.account_id) == account,
        col(Interaction.occurred_at) >= since,
        kind == names[0] if len(names) == 1 else unindexed(kind).in_(names),
    )


def thank_yous(
    *, now: datetime, config: CheckinConfig, scope: Scope, reading: Reading
) -> list[Derived]:
    """A won deal, a recorded order, a renewal or an anniversary asks for a thank-you.

    It stays open for the thank-you window or until a thank-you interaction is
    logged on the account after the occasion.
    """
    today = now.date()
    start = now - config.thank_you_window
    where_account = scope.where(col(Account.owner_id), col(Account.id))
    thanks = [InteractionKind.THANK_YOU]
    found: list[Derived] = []

    earlier = aliased(Deal)
    renewal = exists().where(
        col(earlier.account_id) == col(Deal.account_id),
        col(earlier.product) == col(Deal.product),
        col(earlier.stage) == DealStage.WON.value,
        col(earlier.closed_on) < col(Deal.closed_on),
    )
    in_window = and_(col(Order.placed_at) >= start, col(Order.placed_at) <= now)
    ordered_deals = select(col(Order.deal_id)).where(in_window, col(Order.deal_id).is_not(None))
    deal_key = joined("thank_you:", col(Deal.account_id), ":deal-", col(Deal.id))
    deals: Any = wide_select(
        col(Deal.id).label("did"),
        col(Deal.account_id).label("account_id"),
        col(Account.name).label("name"),
        col(Account.owner_id).label("user_id"),
        col(Deal.product).label("product"),
        col(Deal.closed_on).label("closed_on"),
        renewal.label("renewal"),
        deal_key.label("key"),
    ).join(Account, col(Account.id) == Deal.account_id)
    deals = deals.where(
        col(Deal.stage) == DealStage.WON.value,
        col(Deal.closed_on) >= start.date(),
        col(Deal.closed_on) <= today,
        col(Deal.id).not_in(ordered_deals),
        ~_logged_since(thanks, col(Deal.account_id), utc_midnight(col(Deal.closed_on))),
        *where_account,
    )
    for row in reading.rows(deals):
        what = row.product or "the deal"
        title, occasion = (
            (f"Thank {row.name} for renewing {what}", f"renewing {what}")
            if row.renewal
            else (f"Thank {row.name} for choosing {what}", f"choosing {what}")
        )
        event = start_of_day_utc(_day(row.closed_on))
        found.append(_thank_you(row, event, title, occasion, row.did, now))

    order_key = joined("thank_you:", col(Order.account_id), ":order-", col(Order.id))
    orders: Any = (
        wide_select(
            col(Order.id).label("oid"),
            col(Order.account_id).label("account_id"),
            col(Account.name).label("name"),
            col(Account.owner_id).label("user_id"),
            col(Order.what).label("what"),
            col(Order.placed_at).label("placed_at"),
            order_key.label("key"),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(
            in_window,
            ~_logged_since(thanks, col(Order.account_id), col(Order.placed_at)),
            *where_account,
        )
    )
    for row in reading.rows(orders):
        placed = moment(row.placed_at)
        assert placed is not None
        title = f"Thank {row.name} for the order: {row.what}"
        found.append(_thank_you(row, placed, title, f"your order ({row.what})", row.oid, now))

    window = (today - timedelta(days=n) for n in range(config.thank_you_window.days))
    days = {f"{d:%m-%d}": d for d in window}
    since_day = month_day(col(Account.customer_since))
    year = case(*((since_day == md, literal(d.year)) for md, d in days.items()), else_=null())
    event_at = case(
        *((since_day == md, at(start_of_day_utc(d))) for md, d in days.items()), else_=null()
    )
    anniversary_key = joined("thank_you:", col(Account.id), ":anniversary-", year)
    anniversaries: Any = wide_select(
        col(Account.id).label("account_id"),
        col(Account.name).label("name"),
        col(Account.owner_id).label("user_id"),
        col(Account.customer_since).label("since"),
        anniversary_key.label("key"),
    ).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        col(Account.customer_since).is_not(None),
        since_day.in_(sorted(days)),
        year > extract("year", col(Account.customer_since)),
        ~_logged_since(thanks, col(Account.id), event_at),
        *where_account,
    )
    for row in reading.rows(anniversaries):
        since = _day(row.since)
        day = days[f"{since:%m-%d}"]
        years = day.year - since.year
        label = "one year" if years == 1 else f"{years} years"
        title = f"{label.capitalize()} as a customer: thank {row.name}"
        occasion = f"{label} of working together"
        found.append(_thank_you(row, start_of_day_utc(day), title, occasion, None, now))
    return found


def _thank_you(
    row: Any,
    event: datetime,
    title: str,
    occasion: str,
    subject_id: int | None,
    now: datetime,
) -> Derived:
    waited = max((now - event) / DAY, 0.0)
    item = DueItem(
        key=row.key,
        kind=ReminderKind.THANK_YOU,
        account_id=row.account_id,
        account_name=row.name,
        user_id=row.user_id,
        due_at=event,
        priority=1.0 + waited / 2,
        severity="info" if waited <= 1 else "yellow",
        title=title,
        detail="A thank-you within a day shows them they matter. Here is a draft.",
        subject_id=subject_id,
    )
    return Derived(item, occasion)


def personal_connects(
    *, now: datetime, config: CheckinConfig, scope: Scope, reading: Reading
) -> list[DueItem]:
    """An order that completed or ran into a problem asks for a personal call.

    It stays open for the window, or until a call, meeting or visit is logged
    on the account after the order changed.
    """
    start = now - config.personal_connect_window
    key = joined(
        "personal_connect:", col(Order.account_id), ":order-", col(Order.id), "-", col(Order.status)
    )
    query: Any = (
        wide_select(
            col(Order.id).label("oid"),
            col(Order.account_id).label("account_id"),
            col(Account.name).label("name"),
            col(Account.owner_id).label("user_id"),
            col(Order.what).label("what"),
            col(Order.status).label("status"),
            col(Order.problem).label("problem"),
            col(Order.updated_at).label("updated_at"),
            key.label("key"),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(
            col(Order.status).in_([OrderStatus.COMPLETED.value, OrderStatus.PROBLEM.value]),
            col(Order.updated_at) >= start,
            col(Order.updated_at) <= now,
            ~_logged_since(PERSONAL_KINDS, col(Order.account_id), col(Order.updated_at)),
            *scope.where(col(Account.owner_id), col(Account.id)),
        )
    )
    items = []
    for row in reading.rows(query):
        updated = moment(row.updated_at)
        assert updated is not None
        trouble = row.status == OrderStatus.PROBLEM.value
        name, what = row.name, row.what
        items.append(
            DueItem(
                key=row.key,
                kind=ReminderKind.PERSONAL_CONNECT,
                account_id=row.account_id,
                account_name=name,
                user_id=row.user_id,
                due_at=updated,
                priority=2.0 if trouble else 0.8,
                severity="red" if trouble else "info",
                title=(
                    f"Call {name} about the problem with {what}"
                    if trouble
                    else f"Call {name}: {what} is complete"
                ),
                detail=(f"The problem: {row.problem}. " if trouble and row.problem else "")
                + "A personal call, not a template e-mail.",
                subject_id=row.oid,
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
    label, q_start, q_end = _quarter(now)
    accounts = rows(
        session,
        wide_select(
            col(Account.id),
            col(Account.name),
            col(Account.owner_id),
            tier.label("tier"),
            col(Account.tier_override),
            col(Account.updated_at),
            _logged_since([InteractionKind.REVIEW], col(Account.id), at(q_start)).label("reviewed"),
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
    for account_id, name, owner_id, tier_name, _override, updated, reviewed in accounts:
        weight = config.weight(tier_name) / config.weight(Tier.STRATEGIC)
        if now >= review_due and not reviewed:
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
    for account_id, first in session.exec(query).all():
        stamp = moment(first)
        if stamp is not None:
            out[account_id] = stamp
    return out
