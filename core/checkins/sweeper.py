"""One reminder sweep: claim what is due in the database, deliver it, record it.

Delivery guarantee (the whole argument is in the README, "Exactly once"):

1. **Claim.** New occurrences are claimed by inserting their unique keys as
   ``pending`` rows (``INSERT … ON CONFLICT DO NOTHING RETURNING``, a
   thousand rows a statement, one transaction), committed before anything is
   sent. Two sweepers racing for a key: one insert wins.
2. **Win the attempt, one message at a time.** Right before each send the
   sweeper moves that row from ``pending`` to ``sending`` and adds one to
   ``attempts`` in a compare-and-set update (``WHERE state='pending' AND
   attempts=n``), committed with the previous send's outcome. Exactly one
   sweeper can win attempt n+1 of a key, and a sweeper holds at most one row in
   ``sending``, so no lease runs out on messages still waiting to be sent.
3. **Record.** ``sent`` with the Slack channel and ts; ``pending`` again with the
   attempt given back after a failure that certainly sent nothing (a 429, the
   connection refused: that person's messages wait, the others go on); left
   ``sending`` after an ambiguous one (a 5xx, a timeout), for the next sweep to
   look up before anything is sent again; or ``failed``. A failure for the whole
   app (a revoked token) or Slack unreachable stops the sweep and says why.

What goes out on its own, what is folded into the digest and what is held for
the person's working hours (or their Slack link) is :mod:`core.checkins.routing`;
folded and held occurrences are claimed too (states ``folded`` and ``held``), so a
later sweep counts them instead of reading them again.

Which occurrences are new the database works out itself: a sweep's reading
(:mod:`core.checkins.triage`) joins each kind's due rows to the reminder table
by key and fetches only the unclaimed ones, so a sweep that finds nothing new
costs about one query per kind, however much is due.

After a crash: a ``pending`` row whose lease ran out was claimed but never
sent, so any sweeper may send it. A ``sending`` row whose lease ran out was
interrupted in mid-send and may or may not have reached the person. kam never
guesses: if the notifier can look the key up (the Slack notifier finds its
message by metadata) the sweep records the delivery it finds or sends it once;
otherwise the row is marked ``failed`` with the reason, rather than risk a
second copy. Nothing is lost even then: the reminder is still on the due list
and in the next digest, because both are derived from the data.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Any, cast

from sqlalchemy import Engine, Update, and_, bindparam, case, or_, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from core.checkins.claim_rows import insert_new
from core.checkins.config import CheckinConfig, load_checkin_config
from core.checkins.delivery import (
    Delivery,
    DeliveryLookup,
    Notifier,
    NotifierUnusable,
    Reach,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from core.checkins.derive import derive, derive_new
from core.checkins.digest import DigestSlot, due_digests
from core.checkins.due import enrich, reminder_rows, visible
from core.checkins.items import DueItem
from core.checkins.keys import DIGEST, account_of, digest_parts, is_digest
from core.checkins.kind import Derived, Scope
from core.checkins.routing import route
from core.checkins.sql import moment, unindexed
from core.checkins.urgency import in_order
from core.errors import KamError
from core.hours import WorkingHours
from core.models import Reminder, ReminderState, User
from core.types import UTCDateTime

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
"""How long a claim is left to its sweeper before another may take it over."""
MAX_ATTEMPTS = 5
"""Attempts per occurrence, over all sweeps, before it is marked failed."""
TRIES_PER_SWEEP = 3
BACKOFF_SECONDS = 1.0
MAX_WAIT_SECONDS = 30.0
"""The longest one person's DM waits for a retry within a sweep."""
UNREACHABLE_STOP = 3
"""Failures in a row that reached nobody (connection refused, no answer) that stop a sweep."""
CLAIM_BATCH = 1_000

PENDING = ReminderState.PENDING.value
SENDING = ReminderState.SENDING.value
SENT = ReminderState.SENT.value
SNOOZED = ReminderState.SNOOZED.value
DONE = ReminderState.DONE.value
FAILED = ReminderState.FAILED.value
FOLDED = ReminderState.FOLDED.value
HELD = ReminderState.HELD.value
WAKING = [SNOOZED, HELD]
"""The states a due occurrence wakes from once ``snoozed_until`` has passed."""
IN_FLIGHT = frozenset({PENDING, SENDING, SENT, FAILED})

REMINDERS = Reminder.__table__  # type: ignore[attr-defined]


@dataclass
class SweepReport:
    """What one sweep found and did."""

    now: datetime
    dry_run: bool = False
    due: int = 0
    already_delivered: int = 0
    unassigned: int = 0
    delivered: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    would_deliver: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failure_reasons: list[str] = field(default_factory=list)
    """Why deliveries failed, each reason once (what to fix, such as a missing Slack link)."""
    retried: int = 0
    """Sends that certainly did not go out (rate limited, connection refused), tried again."""
    unconfirmed: list[str] = field(default_factory=list)
    """Sent, but the answer was ambiguous (a 5xx, a timeout): the next sweep looks each one
    up and records it, or sends it once if it never arrived."""
    stopped: str | None = None
    """Why the sweep stopped before the end (a token to fix, Slack unreachable)."""
    waiting: int = 0
    """Claimed reminders the sweep did not get to after it stopped; the next sweep sends them."""
    taken_over: int = 0
    folded: int = 0
    """Routine items (and urgent ones past the day's cap) left for the digest."""
    outside_hours: int = 0
    """Urgent items waiting for their person's working hours."""
    unreachable: dict[str, int] = field(default_factory=dict)
    """Active people the notifier cannot reach yet (by e-mail): their digest and urgent
    reminders wait for them; with the number of items this sweep found new for them."""
    how_to_reach: list[str] = field(default_factory=list)
    """What makes each of them reachable (the command that links them to Slack)."""

    def fail(self, key: str, reason: str) -> None:
        """Note that ``key`` could not be delivered, and why."""
        self.failed.append(key)
        if reason not in self.failure_reasons:
            self.failure_reasons.append(reason)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe figures and keys."""
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "due": self.due,
            "already_delivered": self.already_delivered,
            "unassigned": self.unassigned,
            "delivered": self.delivered,
            "digests": self.digests,
            "would_deliver": self.would_deliver,
            "resolved": self.resolved,
            "failed": self.failed,
            "failure_reasons": self.failure_reasons,
            "retried": self.retried,
            "unconfirmed": self.unconfirmed,
            "stopped": self.stopped,
            "waiting": self.waiting,
            "taken_over": self.taken_over,
            "folded": self.folded,
            "outside_hours": self.outside_hours,
            "unreachable": self.unreachable,
            "how_to_reach": self.how_to_reach,
        }


@dataclass(frozen=True)
class _Row:
    key: str
    state: str
    user_id: int | None
    attempts: int


@dataclass
class _Plan:
    """What the sweep read, before it writes anything."""

    shown: dict[str, Derived]
    users: dict[int, User]
    fresh: list[Derived]
    woken: list[str]
    slots: list[DigestSlot]
    stale: list[_Row]
    folded: list[Derived] = field(default_factory=list)
    woken_folded: list[str] = field(default_factory=list)
    held: list[tuple[Derived, datetime]] = field(default_factory=list)
    woken_held: list[tuple[str, datetime]] = field(default_factory=list)

    by_user: dict[int | None, list[Derived]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for d in self.shown.values():
            self.by_user.setdefault(d.item.user_id, []).append(d)

    def items_of(self, user_id: int | None) -> list[Derived]:
        """What ``user_id``'s digest lists: everything due for them, most urgent first
        (the day's whole list, urgent items sent alone included)."""
        return self.by_user.get(user_id, [])

    def deliverable(self, key: str, user_id: int | None) -> User | None:
        user = self.users.get(user_id) if user_id is not None else None
        if is_digest(key):
            return user if user is not None and user.active and self.items_of(user_id) else None
        return user if key in self.shown and user is not None and user.active else None


@dataclass
class _Work:
    """One claimed occurrence, ready to send."""

    key: str
    user: User
    attempts: int
    item: DueItem | None = None
    digest: tuple[Any, list[DueItem]] | None = None

    def send(self, notifier: Notifier) -> Delivery:
        if self.item is not None:
            return notifier.deliver(self.item, self.user)
        assert self.digest is not None
        day, items = self.digest
        return notifier.deliver_digest(self.user, items, day)


def sweep(
    engine: Engine,
    notifier: Notifier,
    *,
    now: datetime,
    dry_run: bool = False,
    config: CheckinConfig | None = None,
) -> SweepReport:
    """Deliver every due reminder and digest not yet delivered, each exactly once.

    Safe to run from several processes at once and after a crash; ``dry_run``
    reports what would be delivered and changes nothing.
    """
    config = config or load_checkin_config()
    report = SweepReport(now=now, dry_run=dry_run)
    plan = _plan(engine, notifier, now, config, report)
    if dry_run:
        report.would_deliver = sorted(
            [d.item.key for d in plan.fresh]
            + plan.woken
            + [r.key for r in plan.stale if r.state == PENDING]
            + [s.key for s in plan.slots if plan.items_of(s.user.id)]
        )
        return report
    pending = _claim(engine, plan, now)
    pending += _interrupted(engine, notifier, plan, now, report)
    if report.stopped is not None:
        report.waiting = len(pending)
        _release(engine, [key for key, _ in pending], now)
        return report
    _deliver(engine, notifier, _prepare(engine, plan, pending, now, report), now, report)
    return report


def _plan(
    engine: Engine, notifier: Notifier, now: datetime, config: CheckinConfig, report: SweepReport
) -> _Plan:
    """Read what to send: the new occurrences, ended snoozes, abandoned claims, due digests,
    and route them (:mod:`core.checkins.routing`): send alone, fold into the digest, or wait.

    Only the unclaimed occurrences are fetched and built; complete lists are
    derived only for the people whose digest goes out and for the accounts of
    claims another sweep left behind.
    """
    reaches = notifier.reaches if isinstance(notifier, Reach) else (lambda user: True)
    with Session(engine, expire_on_commit=False) as session:
        users = {u.id: u for u in session.exec(select(User)).all() if u.id is not None}
        slots = [
            s for s in due_digests(users.values(), now, config.digest_grace) if reaches(s.user)
        ]
        sent_days = reminder_rows((s.key for s in slots), session=session)
        slots = [s for s in slots if s.key not in sent_days]
        stale = [
            _Row(key, str(state), user_id, attempts)
            for key, state, user_id, attempts in session.exec(
                select(
                    col(Reminder.key),
                    col(Reminder.state),
                    col(Reminder.user_id),
                    col(Reminder.attempts),
                ).where(
                    col(Reminder.state).in_([PENDING, SENDING]),
                    col(Reminder.updated_at) < now - LEASE,
                )
            ).all()
        ]
        stale = [
            r for r in stale if r.state != PENDING or _can_send(r.user_id, users, now, reaches)
        ]
        new, tally = derive_new(engine, now=now, config=config)
        routing = route(
            new,
            users=users,
            now=now,
            config=config,
            reaches=reaches,
            sent_today=lambda ids: _sent_today(session, [users[i] for i in ids], now),
        )
        shown = {d.item.key: d for d in new}
        listed = {s.user.id for s in slots} | {_user_of_key(r.key) for r in stale}
        listed.discard(None)
        accounts = {account_of(r.key) for r in stale}
        accounts.discard(None)
        for scope in (
            Scope(user_ids=frozenset(i for i in listed if i is not None)) if listed else None,
            Scope(account_ids=frozenset(i for i in accounts if i is not None))
            if accounts
            else None,
        ):
            if scope is not None:
                full = derive(session=session, now=now, config=config, scope=scope)
                shown.update((d.item.key, d) for d in visible(full, session=session, now=now)[0])
    report.due = tally.due
    report.already_delivered = tally.claimed
    report.unassigned = tally.unassigned
    report.folded = len(routing.fold)
    report.outside_hours = routing.off_hours
    waiting = Counter({i: 0 for i, u in users.items() if u.active and not reaches(u)})
    waiting.update(routing.unreachable)
    for user_id in sorted(waiting, key=lambda i: users[i].email):
        user = users[user_id]
        report.unreachable[user.email] = waiting[user_id]
        if isinstance(notifier, Reach):
            report.how_to_reach.append(notifier.how_to_reach(user))
    send, fold = routing.send, routing.fold
    return _Plan(
        shown=shown,
        users=users,
        fresh=sorted((d for d in send if d.item.key not in tally.woken), key=lambda d: d.item.key),
        woken=sorted(d.item.key for d in send if d.item.key in tally.woken),
        slots=slots,
        stale=stale,
        folded=sorted((d for d in fold if d.item.key not in tally.woken), key=lambda d: d.item.key),
        woken_folded=sorted(d.item.key for d in fold if d.item.key in tally.woken),
        held=sorted(
            ((d, t) for d, t in routing.hold if d.item.key not in tally.woken),
            key=lambda h: h[0].item.key,
        ),
        woken_held=sorted((d.item.key, t) for d, t in routing.hold if d.item.key in tally.woken),
    )


def _can_send(
    user_id: int | None, users: dict[int, User], now: datetime, reaches: Callable[[User], bool]
) -> bool:
    """Whether a claim left pending may be sent to its person now (hours, reach)."""
    user = users.get(user_id) if user_id is not None else None
    if user is None:
        return True  # nobody to tell: the claim is closed when its turn comes
    return reaches(user) and WorkingHours.of(user).is_working(now)


def _sent_today(session: Session, people: list[User], now: datetime) -> Counter[int]:
    """Messages of their own sent (or under way) to each person since their local midnight."""
    if not people:
        return Counter()
    since = {
        u.id: WorkingHours.of(u).at(WorkingHours.of(u).local_day(now), dt_time(0)) for u in people
    }
    found = session.exec(
        select(col(Reminder.user_id), col(Reminder.delivered_at), col(Reminder.state)).where(
            col(Reminder.user_id).in_(list(since)),
            col(Reminder.kind) != DIGEST,
            or_(
                col(Reminder.delivered_at) >= min(since.values()),
                col(Reminder.state).in_([PENDING, SENDING]),
            ),
        )
    ).all()
    counted: Counter[int] = Counter()
    for user_id, delivered, state in found:
        if user_id is None:
            continue
        at = moment(delivered)
        if state in (PENDING, SENDING) or (at is not None and at >= since[user_id]):
            counted[user_id] += 1
    return counted


def _state_is(state: str) -> Any:
    """``state = :state`` for an update that names its rows by key.

    Without statistics SQLite would walk every row in that state through the
    state index instead of looking the keys up (measured: 67 s instead of 1 s
    for 47,000 keys in batches).
    """
    return unindexed(REMINDERS.c.state) == state


def _state_in(states: list[str]) -> Any:
    """``state IN (…)`` for an update that names its rows by key (see :func:`_state_is`)."""
    return unindexed(REMINDERS.c.state).in_(states)


def _retrying(action: Callable[[], Any]) -> Any:
    """Run one short write transaction, again if the database reported a lock conflict."""
    for attempt in range(4):
        try:
            return action()
        except OperationalError:
            if attempt == 3:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _new_row(
    key: str,
    kind: str,
    account_id: int | None,
    user_id: int | None,
    due_at: datetime,
    *,
    state: str,
    payload: dict[str, Any],
    now: datetime,
    snoozed_until: datetime | None = None,
) -> dict[str, Any]:
    """A reminder row as first claimed: no attempt made yet."""
    return {
        "key": key,
        "kind": kind,
        "account_id": account_id,
        "user_id": user_id,
        "due_at": due_at,
        "state": state,
        "snoozed_until": snoozed_until,
        "attempts": 0,
        "payload": payload,
        "created_at": now,
        "updated_at": now,
    }


def _item_row(
    item: DueItem, state: str, now: datetime, *, snoozed_until: datetime | None = None
) -> dict[str, Any]:
    """The reminder row claiming one due item in ``state``."""
    return _new_row(
        item.key,
        item.kind,
        item.account_id,
        item.user_id,
        item.due_at,
        state=state,
        payload=item.as_dict(),
        now=now,
        snoozed_until=snoozed_until,
    )


def _wake(keys: Sequence[str], now: datetime) -> Update:
    """An update of those of ``keys`` still snoozed or held whose time has come."""
    return update(REMINDERS).where(
        REMINDERS.c.key.in_(keys),
        _state_in(WAKING),
        REMINDERS.c.snoozed_until <= now,
    )


def _claim(engine: Engine, plan: _Plan, now: datetime) -> list[tuple[str, int]]:
    """Claim new occurrences, woken snoozes and abandoned claims; return (key, attempts)."""
    new_rows: list[dict[str, Any]] = [_item_row(d.item, PENDING, now) for d in plan.fresh]
    new_rows += [_item_row(d.item, FOLDED, now) for d in plan.folded]
    new_rows += [_item_row(d.item, HELD, now, snoozed_until=until) for d, until in plan.held]
    for slot in sorted(plan.slots, key=lambda s: s.key):
        items = plan.items_of(slot.user.id)
        new_rows.append(
            _new_row(
                key=slot.key,
                kind=DIGEST,
                account_id=None,
                user_id=slot.user.id,
                due_at=slot.scheduled,
                state=PENDING if items else DONE,
                payload={"day": slot.day.isoformat(), "items": [d.item.key for d in items]},
                now=now,
            )
        )
    stale_pending = sorted(r.key for r in plan.stale if r.state == PENDING)

    def transaction() -> list[tuple[str, int]]:
        claimed: list[tuple[str, int]] = []
        with engine.begin() as conn:
            for start in range(0, len(new_rows), CLAIM_BATCH):
                batch = new_rows[start : start + CLAIM_BATCH]
                states = {r["key"]: r["state"] for r in batch}
                for key in insert_new(conn, batch):
                    if states[key] == PENDING:
                        claimed.append((key, 0))
            if plan.woken:
                woke = conn.execute(
                    _wake(plan.woken, now)
                    .values(state=PENDING, snoozed_until=None, updated_at=now)
                    .returning(REMINDERS.c.key, REMINDERS.c.attempts)
                ).all()
                claimed += [(str(k), cast(int, a)) for k, a in woke]
            if plan.woken_folded:
                conn.execute(
                    _wake(plan.woken_folded, now).values(
                        state=FOLDED, snoozed_until=None, updated_at=now
                    )
                )
            held_again: dict[datetime, list[str]] = {}
            for key, until in plan.woken_held:
                held_again.setdefault(until, []).append(key)
            for until, keys in sorted(held_again.items()):
                conn.execute(
                    _wake(keys, now).values(state=HELD, snoozed_until=until, updated_at=now)
                )
            if stale_pending:
                taken = conn.execute(
                    update(REMINDERS)
                    .where(
                        REMINDERS.c.key.in_(stale_pending),
                        _state_is(PENDING),
                        REMINDERS.c.updated_at < now - LEASE,
                    )
                    .values(updated_at=now)
                    .returning(REMINDERS.c.key, REMINDERS.c.attempts)
                ).all()
                claimed += [(str(k), cast(int, a)) for k, a in taken]
        return claimed

    result: list[tuple[str, int]] = _retrying(transaction)
    return result


def _interrupted(
    engine: Engine, notifier: Notifier, plan: _Plan, now: datetime, report: SweepReport
) -> list[tuple[str, int]]:
    """Settle deliveries a crashed sweeper left in mid-send; return those to send again."""
    again: list[tuple[str, int]] = []
    for row in (r for r in plan.stale if r.state == SENDING):
        still_ours = and_(
            REMINDERS.c.key == row.key,
            REMINDERS.c.state == SENDING,
            REMINDERS.c.attempts == row.attempts,
            REMINDERS.c.updated_at < now - LEASE,
        )
        if not isinstance(notifier, DeliveryLookup):
            reason = (
                "Delivery was interrupted in mid-send and this notifier cannot tell whether it "
                "arrived; not sent again so that nobody gets it twice. It stays on the due list."
            )
            if _update(engine, still_ours, state=FAILED, last_error=reason, updated_at=now):
                report.fail(row.key, reason)
            continue
        if not _update(engine, still_ours, updated_at=now):
            continue
        user = plan.users.get(row.user_id) if row.user_id is not None else None
        mine = and_(
            REMINDERS.c.key == row.key,
            REMINDERS.c.state == SENDING,
            REMINDERS.c.attempts == row.attempts,
        )
        try:
            found = notifier.find_delivery(row.key, user) if user is not None else None
        except (TransientDeliveryError, UncertainDeliveryError, NotifierUnusable) as exc:
            # cannot tell yet: left undecided for the next sweep to look up again
            _update(engine, mine, updated_at=_released(now), last_error=str(exc)[:2000])
            if isinstance(exc, NotifierUnusable):
                report.stopped = exc.message
                break
            report.unconfirmed.append(row.key)
            continue
        except Exception as exc:  # cannot tell whether it arrived: never risk a second copy
            log.warning("could not look up the interrupted delivery of %s: %s", row.key, exc)
            reason = (
                f"Delivery was interrupted in mid-send and kam could not check whether it "
                f"arrived ({exc}); not sent again so that nobody gets it twice. It stays on "
                "the due list."
            )[:2000]
            if _update(engine, mine, state=FAILED, last_error=reason, updated_at=now):
                report.fail(row.key, reason)
            continue
        if found is not None:
            _update(engine, mine, **_sent_values(found, now))
            report.delivered.append(row.key)
        elif _update(engine, mine, state=PENDING, updated_at=now):
            again.append((row.key, row.attempts))
    return again


def _prepare(
    engine: Engine,
    plan: _Plan,
    claimed: Sequence[tuple[str, int]],
    now: datetime,
    report: SweepReport,
) -> list[_Work]:
    """Turn claims into messages (personal notes, drafts, digests), set-based."""
    ready: list[tuple[str, int, User]] = []
    for key, attempts in claimed:
        d = plan.shown.get(key)
        user_id = d.item.user_id if d is not None else _user_of_key(key)
        user = plan.deliverable(key, user_id)
        if user is None:
            _close(engine, key, now)
            report.resolved.append(key)
            continue
        ready.append((key, attempts, user))
    needed = {key for key, _, _ in ready if not is_digest(key)}
    needed |= {
        d.item.key for key, _, user in ready if is_digest(key) for d in plan.items_of(user.id)
    }
    with Session(engine, expire_on_commit=False) as session:
        full = {
            item.key: item
            for item in enrich([plan.shown[k] for k in sorted(needed)], session=session, now=now)
        }
    work = []
    for key, attempts, user in ready:
        if is_digest(key):
            _, day = digest_parts(key)
            items = in_order(full[d.item.key] for d in plan.items_of(user.id))
            work.append(_Work(key, user, attempts, digest=(day, items)))
        else:
            work.append(_Work(key, user, attempts, item=full[key]))
    return work


def _user_of_key(key: str) -> int | None:
    """The person a claimed key is for when it is no longer on the due list."""
    return digest_parts(key)[0] if is_digest(key) else None


def _update(engine: Engine, where: Any, **values: Any) -> bool:
    """One conditional update in its own transaction; True if it changed the row."""

    def transaction() -> bool:
        with engine.begin() as conn:
            return conn.execute(update(REMINDERS).where(where).values(**values)).rowcount == 1

    changed: bool = _retrying(transaction)
    return changed


def _close(engine: Engine, key: str, now: datetime) -> None:
    """A claimed occurrence is no longer due (resolved in the data, or nobody to tell)."""
    _update(
        engine,
        and_(REMINDERS.c.key == key, REMINDERS.c.state == PENDING),
        state=DONE,
        last_error="no longer due when its turn came; nothing sent",
        updated_at=now,
    )


def _sent_values(delivery: Delivery, now: datetime) -> dict[str, Any]:
    return {
        "state": case((REMINDERS.c.state == SENDING, SENT), else_=REMINDERS.c.state),
        "delivered_at": now,
        "slack_channel": (delivery.channel or None) and delivery.channel[:32],
        "slack_ts": (delivery.ts or None) and delivery.ts[:32],
        "last_error": None,
        "updated_at": now,
    }


class _Clock:
    """The sweep's ``now``, moved on by the time the sweep itself has taken.

    Rows are stamped with it, so the lease of a row marked ``sending`` late in
    a long sweep runs from when it was marked, not from when the sweep began.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self.started)


@dataclass
class _Outcomes:
    """What happened to the sends not yet written down."""

    sent: list[tuple[_Work, Delivery]] = field(default_factory=list)
    failed: list[tuple[_Work, str]] = field(default_factory=list)
    given_back: list[tuple[_Work, str]] = field(default_factory=list)
    """Certainly not sent (a 429, the connection refused, the sweep stopped): ``pending``
    again with the attempt given back, free for the next sweep."""
    unsure: list[tuple[_Work, str]] = field(default_factory=list)
    """Perhaps sent (a 5xx, a timeout): left ``sending`` for the next sweep to look up."""


@dataclass
class _Pace:
    """When each person's DM may be tried again (a 429's Retry-After, else backoff), so
    one person's wait does not hold up a sweep's messages to everyone else."""

    not_before: dict[int | None, float] = field(default_factory=dict)

    def hold(self, unit: _Work, seconds: float) -> None:
        self.not_before[unit.user.id] = time.monotonic() + min(max(seconds, 0.0), MAX_WAIT_SECONDS)

    def take(self, queue: deque[_Work]) -> _Work:
        """The first unit whose person may be messaged now; if none may, the one whose
        wait ends first, after that wait."""
        now = time.monotonic()
        for index, unit in enumerate(queue):
            if self.not_before.get(unit.user.id, 0.0) <= now:
                del queue[index]
                return unit
        soonest = min(queue, key=lambda u: self.not_before[u.user.id])
        time.sleep(max(self.not_before[soonest.user.id] - now, 0.0))
        queue.remove(soonest)
        return soonest


def _deliver(
    engine: Engine, notifier: Notifier, work: list[_Work], now: datetime, report: SweepReport
) -> None:
    """Send claimed occurrences one at a time: win the attempt, send, record.

    Each send is preceded by its own compare-and-set (``pending`` → ``sending``),
    committed together with the previous send's outcome, so a sweeper holds at most
    one undecided row and no lease can run out on a batch still being sent.

    A failure that certainly sent nothing (``TransientDeliveryError``) gives the
    attempt back and waits for that person only; an ambiguous one
    (``UncertainDeliveryError``) leaves the row ``sending`` for a look-up; one that
    no message can get past (``NotifierUnusable``), or ``UNREACHABLE_STOP`` in a row
    that reach nobody, stops the sweep and says why.
    """
    clock = _Clock(now)
    pace = _Pace()
    queue = deque(work)
    tries: Counter[str] = Counter()
    outcomes = _Outcomes()
    nobody_reached = 0
    while queue:
        unit = pace.take(queue)
        if unit.attempts >= MAX_ATTEMPTS:  # every attempt went out, none was confirmed
            if _update(engine, _unstarted(unit), state=FAILED, last_error=_USED_UP):
                report.fail(unit.key, _USED_UP)
            continue
        won = _start_attempt(engine, unit, clock(), outcomes)
        outcomes = _Outcomes()
        if not won:
            report.taken_over += 1
            continue
        unit.attempts += 1
        try:
            delivery = unit.send(notifier)
        except TransientDeliveryError as exc:
            unit.attempts -= 1
            tries[unit.key] += 1
            outcomes.given_back.append((unit, f"attempt {unit.attempts + 1}: {exc}"[:2000]))
            report.retried += 1
            backoff = BACKOFF_SECONDS * 2 ** (tries[unit.key] - 1)
            pace.hold(unit, exc.retry_after if exc.retry_after is not None else backoff)
            nobody_reached = nobody_reached + 1 if exc.everyone else 0
            if nobody_reached >= UNREACHABLE_STOP:
                report.stopped = f"{exc}; stopped after {nobody_reached} tries in a row."
                break
            if tries[unit.key] < TRIES_PER_SWEEP:
                queue.append(unit)
            continue
        except UncertainDeliveryError as exc:
            outcomes.unsure.append((unit, f"attempt {unit.attempts}: {exc}"[:2000]))
            report.unconfirmed.append(unit.key)
            nobody_reached += 1
            if nobody_reached >= UNREACHABLE_STOP:
                report.stopped = f"{exc}; stopped after {nobody_reached} tries in a row."
                break
            continue
        except NotifierUnusable as exc:
            unit.attempts -= 1
            outcomes.given_back.append((unit, exc.message[:2000]))
            report.stopped = exc.message
            break
        except KamError as exc:  # the notifier's own refusal, with what to do about it
            log.warning("delivery of %s failed: %s", unit.key, exc)
            outcomes.failed.append((unit, str(exc)[:2000]))
            report.fail(unit.key, str(exc))
            continue
        except Exception as exc:
            log.exception("delivery of %s failed", unit.key)
            outcomes.failed.append((unit, f"{type(exc).__name__}: {exc}"[:2000]))
            report.fail(unit.key, f"unexpected {type(exc).__name__}; details in the log")
            continue
        nobody_reached = 0
        outcomes.sent.append((unit, delivery))
        (report.digests if is_digest(unit.key) else report.delivered).append(unit.key)
    _retrying(lambda: _write(engine, outcomes, clock()))
    if queue:  # stopped: what was claimed but not tried is free for the next sweep at once
        report.waiting = len(queue)
        _release(engine, [u.key for u in queue], clock())


def _released(now: datetime) -> datetime:
    """A lease stamp already run out: the row is free for the next sweep to take."""
    return now - LEASE - timedelta(seconds=1)


def _release(engine: Engine, keys: list[str], now: datetime) -> None:
    for start in range(0, len(keys), CLAIM_BATCH):
        _update(
            engine,
            and_(REMINDERS.c.key.in_(keys[start : start + CLAIM_BATCH]), _state_is(PENDING)),
            updated_at=_released(now),
        )


def _unstarted(unit: _Work) -> Any:
    """The row of ``unit`` as this sweeper last saw it: ``pending`` after ``attempts``."""
    return and_(
        REMINDERS.c.key == unit.key, _state_is(PENDING), REMINDERS.c.attempts == unit.attempts
    )


def _start_attempt(engine: Engine, unit: _Work, now: datetime, outcomes: _Outcomes) -> bool:
    """Write the previous sends' outcomes and win the next attempt of ``unit``, in one
    transaction; False if another sweeper has moved the key on (taken over, sent,
    put away)."""
    mine = _unstarted(unit)

    def transaction() -> bool:
        with engine.begin() as conn:
            _write_outcomes(conn, outcomes, now)
            changed = conn.execute(
                update(REMINDERS)
                .where(mine)
                .values(state=SENDING, attempts=unit.attempts + 1, updated_at=now)
            )
            return changed.rowcount == 1

    won: bool = _retrying(transaction)
    return won


_USED_UP = f"{MAX_ATTEMPTS} attempts went out without an answer that it arrived; not sent again."

_THIS_ATTEMPT = and_(
    REMINDERS.c.key == bindparam("b_key"), REMINDERS.c.attempts == bindparam("b_attempts")
)
_RECORD_SENT = (
    update(REMINDERS)
    .where(_THIS_ATTEMPT)
    .values(
        state=case((REMINDERS.c.state == SENDING, SENT), else_=REMINDERS.c.state),
        delivered_at=bindparam("b_at", type_=UTCDateTime()),
        slack_channel=bindparam("b_channel"),
        slack_ts=bindparam("b_ts"),
        last_error=None,
        updated_at=bindparam("b_at", type_=UTCDateTime()),
    )
)
_RECORD_ERROR = (
    update(REMINDERS)
    .where(_THIS_ATTEMPT, REMINDERS.c.state == SENDING)
    .values(
        state=bindparam("b_state"),
        attempts=bindparam("b_now"),
        last_error=bindparam("b_error"),
        updated_at=bindparam("b_at", type_=UTCDateTime()),
    )
)


def _write_outcomes(conn: Any, outcomes: _Outcomes, now: datetime) -> None:
    """Record sends: ``sent``; ``failed``; ``pending`` again, attempt given back and
    released; or left ``sending`` and released, to be looked up."""
    sent = [
        {
            "b_key": unit.key,
            "b_attempts": unit.attempts,
            "b_at": now,
            "b_channel": (delivery.channel or None) and delivery.channel[:32],
            "b_ts": (delivery.ts or None) and delivery.ts[:32],
        }
        for unit, delivery in outcomes.sent
    ]
    errors = [
        {
            "b_key": unit.key,
            "b_attempts": unit.attempts + (state == PENDING),
            "b_now": unit.attempts,
            "b_at": now if state == FAILED else _released(now),
            "b_state": state,
            "b_error": error,
        }
        for state, listed in (
            (FAILED, outcomes.failed),
            (PENDING, outcomes.given_back),
            (SENDING, outcomes.unsure),
        )
        for unit, error in listed
    ]
    for statement, values in ((_RECORD_SENT, sent), (_RECORD_ERROR, errors)):
        if values:
            conn.execute(statement, values)


def _write(engine: Engine, outcomes: _Outcomes, now: datetime) -> None:
    with engine.begin() as conn:
        _write_outcomes(conn, outcomes, now)


def send_digests(
    engine: Engine,
    notifier: Notifier,
    *,
    now: datetime,
    config: CheckinConfig | None = None,
) -> SweepReport | None:
    """Run a sweep only if someone's digest is waiting (cheap to call every minute).

    Returns the sweep's report, or None when no digest was due.
    """
    config = config or load_checkin_config()
    with Session(engine, expire_on_commit=False) as session:
        users = session.exec(select(User).where(col(User.active))).all()
        slots = due_digests(users, now, config.digest_grace)
        if isinstance(notifier, Reach):
            slots = [s for s in slots if notifier.reaches(s.user)]
        done = reminder_rows((s.key for s in slots), session=session)
    if all(s.key in done for s in slots):
        return None
    return sweep(engine, notifier, now=now, config=config)


__all__ = ["LEASE", "MAX_ATTEMPTS", "SweepReport", "send_digests", "sweep"]
