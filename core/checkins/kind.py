"""What a reminder kind is: the spec every module in :mod:`core.checkins.kinds` declares.

A kind says when it is due (its query, whose rows carry each occurrence's key),
what the reminder says and how urgent it is (it builds :class:`DueItem`s from the
rows), what "done" records, which interaction its "log" button presets, and what
resolves it. The engine (derive, the due list, the sweep) and the person's actions
(done, snooze, dismiss) read only this spec, so adding a kind is one module and
one line in the registry.

The query contract, checked when the query is read (:mod:`core.checkins.triage`):
every row has ``key`` (the occurrence's key, :mod:`core.checkins.keys`) and
``user_id`` (who is told); a kind that escalates also has ``family`` (the key
without its level).

A kind builds its statements once (:mod:`core.checkins.statements`): for the shape of
the scope (:attr:`Scope.shape`), the moment and the ids bound when they run
(:meth:`Context.values`, passed to :meth:`~core.checkins.triage.Reading.rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, exists, func, literal, or_
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins.config import REVIEWED_TIERS, CheckinConfig
from core.checkins.items import DueItem
from core.checkins.keys import ReminderKey
from core.checkins.sql import among, unindexed
from core.checkins.statements import NOW, SCOPE_ACCOUNTS, SCOPE_USERS, TODAY
from core.models import (
    Account,
    AccountStatus,
    CurrentTier,
    Interaction,
    InteractionKind,
    Tier,
    User,
)

if TYPE_CHECKING:
    from core.checkins.triage import Reading

DAY = timedelta(days=1)


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
    bound: bool = False
    """A shape (:attr:`shape`): its conditions name the people and accounts as bound
    parameters, given when a statement runs (:meth:`params`), not as values."""

    @property
    def shape(self) -> Scope:
        """What a :func:`built` statement is built for: whose rows (everyone's, some
        people's, some accounts'), not which; the ids are bound when it runs."""
        return Scope(
            None if self.user_ids is None else frozenset(),
            None if self.account_ids is None else frozenset(),
            bound=True,
        )

    def params(self) -> dict[str, list[int]]:
        """The ids a statement built for :attr:`shape` is run with."""
        out = {}
        if self.user_ids is not None:
            out[SCOPE_USERS.key] = sorted(self.user_ids)
        if self.account_ids is not None:
            out[SCOPE_ACCOUNTS.key] = sorted(self.account_ids)
        return out

    def _users(self) -> Any:
        assert self.user_ids is not None
        return SCOPE_USERS if self.bound else sorted(self.user_ids)

    def _accounts(self) -> Any:
        assert self.account_ids is not None
        return SCOPE_ACCOUNTS if self.bound else sorted(self.account_ids)

    def wants(self, user_id: int | None) -> bool:
        """Whether an item for ``user_id`` belongs in the scope."""
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
            ids = self._users()
            clauses.append(owner.in_(ids))
            if assignee is not None:
                clauses.append(or_(assignee.in_(ids), *self.owned(account)))
        if self.account_ids is not None:
            clauses.append(account.in_(self._accounts()))
        return clauses

    def owned(self, account: Any) -> list[ColumnElement[bool]]:
        """SQL conditions, answered by ``account``'s index, that keep the rows of the
        accounts the scope's people own: one person's few records of a table found
        without reading the portfolio's first. A condition to add beside the exact one
        (:meth:`where` on the account's owner)."""
        if self.user_ids is None:
            return []
        owned = select(col(Account.id)).where(col(Account.owner_id).in_(self._users()))
        return [among(account, owned.scalar_subquery())]

    def reporting(self, assignee: Any, account: Any) -> list[ColumnElement[bool]]:
        """SQL conditions, each answered by an index, that keep the rows whose person
        (the record's ``assignee``, else its account's owner) reports to one of the
        scope's people: what a manager's escalations are read from, found without
        reading every record of the portfolio first. A condition to add beside the
        exact one (the person's manager is in the scope)."""
        if self.user_ids is None:
            return []
        team = select(col(User.id)).where(col(User.manager_id).in_(self._users()))
        owned = select(col(Account.id)).where(col(Account.owner_id).in_(team))
        return [or_(assignee.in_(team), among(account, owned.scalar_subquery()))]


@dataclass(frozen=True)
class Context:
    """What every kind reads its occurrences for: the moment, the settings, the scope."""

    now: datetime
    config: CheckinConfig
    scope: Scope

    def values(self, **more: Any) -> dict[str, Any]:
        """What a :func:`built` statement of a kind is run with: the moment
        (:data:`NOW`, :data:`TODAY`), the scope's ids, and the kind's ``more``."""
        return {NOW.key: self.now, TODAY.key: self.now.date(), **self.scope.params(), **more}


# what "done" records ---------------------------------------------------------------


@dataclass(frozen=True)
class LogInteraction:
    """Done logs an interaction of ``kind`` on the account (which resets the cadence)."""

    kind: InteractionKind
    summary: str


@dataclass(frozen=True)
class CompleteCommitment:
    """Done marks the promise the reminder is about as kept."""


@dataclass(frozen=True)
class MarkNoticeTold:
    """Done marks the bad news the reminder is about as told."""


Done = LogInteraction | CompleteCommitment | MarkNoticeTold | None
"""What done records where the data has a place for it (None: only the reminder closes)."""

KindReader = Callable[[Context, "Reading"], list[Derived]]
"""A kind's due occurrences at ``context.now``, read through a :class:`Reading`."""

InteractionHook = Callable[[int, Session, datetime], int]
"""What an interaction logged on an account closes of a kind's stored reminders."""


@dataclass(frozen=True)
class Kind:
    """One reminder kind, as the engine and the front ends know it."""

    name: str
    """Stored with each reminder and the first part of its key (``check_in_due``)."""
    label: str
    """How the front ends tag its items ("Check-in", "Promise due")."""
    read: KindReader
    resolved_by: str
    """What makes it go away, in words (shown in help and the README's table)."""
    done: Done = None
    on_interaction: InteractionHook | None = None
    """Closes the kind's stored reminders of an account when an interaction is logged."""

    @property
    def logs_as(self) -> InteractionKind:
        """The interaction its "log" button presets: the one done logs (a thank-you logs a
        thank-you), else a call."""
        return self.done.kind if isinstance(self.done, LogInteraction) else InteractionKind.CALL


# pieces several kinds' queries share ------------------------------------------------


def day_of(value: date | str) -> date:
    """A calendar day as the driver gave it (a date, or ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def current_tier(*, joined: bool = False) -> Any:
    """SQL: the account's current tier: the override; else its newest snapshot's tier;
    else "standard".

    The newest snapshot's tier is the one scoring keeps in ``current_tiers``
    (:mod:`core.tier_runs`): one look-up by key per account, which costs the same after
    thirty nightly scorings as after one, where even the snapshots' index grows with
    each (a steady sweep took half as long again after thirty). ``joined``: read from
    ``current_tiers`` as the query already joins it (:func:`with_current_tier`, or a
    query that starts from it), instead of a look-up of its own.
    """
    kept_tier = col(CurrentTier.tier) if joined else kept("tier")
    return func.coalesce(col(Account.tier_override), kept_tier, literal(Tier.STANDARD.value))


def with_current_tier(query: Any) -> Any:
    """``query`` over accounts, joined to what scoring keeps of each (at most one row an
    account, so no account is repeated), for :func:`current_tier` with ``joined``.

    Over most of the portfolio PostgreSQL joins the whole table at once where a look-up
    per account ran a subplan a row: the sweep's check-in query spent 450 of its 950 ms
    in 90,000 such look-ups at 100,000 accounts. SQLite joins by key either way.
    """
    return query.outerjoin(CurrentTier, col(CurrentTier.account_id) == col(Account.id))


def kept(column: str) -> Any:
    """SQL: one column of what scoring keeps of the account's newest snapshot in
    ``current_tiers`` (its tier, moment, health, tier entry; None before its first
    scoring), looked up by key."""
    return (
        select(getattr(CurrentTier, column))
        .where(col(CurrentTier.account_id) == col(Account.id))
        .correlate(Account)
        .scalar_subquery()
    )


def logged_since(kinds: Iterable[str], account: Any, since: Any) -> ColumnElement[bool]:
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


def key_accounts(scope: Scope, *columns: Any) -> Any:
    """Active strategic and key accounts of the scope, as rows naming their account and
    owner (:func:`about`) and their ``tier``, and any more ``columns``."""
    tier = current_tier()
    return wide_select(*about(col(Account.id)), tier.label("tier"), *columns).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        tier.in_(sorted(REVIEWED_TIERS)),
        *scope.where(col(Account.owner_id), col(Account.id)),
        *_reviewed_by_index(scope),
    )


def _reviewed_by_index(scope: Scope) -> list[ColumnElement[bool]]:
    """For everyone's strategic and key accounts, a condition beside the exact one that
    the tier indexes answer: kept in one of those tiers by scoring, or put there by hand.
    A few thousand accounts of a portfolio, where the exact condition alone read every
    account (account reviews: 173 ms of a sweep at 100,000 accounts). Some people's or
    some accounts' are found through their own index instead."""
    if scope.user_ids is not None or scope.account_ids is not None:
        return []
    tiers = sorted(REVIEWED_TIERS)
    kept_there = select(col(CurrentTier.account_id)).where(col(CurrentTier.tier).in_(tiers))
    return [
        or_(
            among(col(Account.id), kept_there.scalar_subquery()),
            col(Account.tier_override).in_(tiers),
        )
    ]


def about(account_id: Any, user_id: Any = None) -> tuple[Any, Any, Any]:
    """The columns a kind's row names its account and person by: ``account_id``,
    ``name`` and ``user_id`` (the account's owner unless the kind says who)."""
    who = col(Account.owner_id) if user_id is None else user_id
    return account_id.label("account_id"), col(Account.name).label("name"), who.label("user_id")


def about_account(row: Any, kind: str, part: str, **what: Any) -> DueItem:
    """A kind's item about one account row whose first columns are the account's id,
    name and owner, told to the owner, its key ending
    in ``part`` (the quarter under review, the tier being onboarded, the day of a drop)."""
    account_id, name, owner_id = row[:3]
    return DueItem(
        key=str(ReminderKey(kind, account_id, part)),
        kind=kind,
        account_id=account_id,
        account_name=name,
        user_id=owner_id,
        **what,
    )


def due(row: Any, kind: str, **what: Any) -> Derived:
    """A kind's item for one row of its query (see :func:`about`): the kind says
    when, how urgent and in what words in ``what``."""
    item = DueItem(
        key=row.key,
        kind=kind,
        account_id=row.account_id,
        account_name=row.name,
        user_id=row.user_id,
        **what,
    )
    return Derived(item)


def due_by_tier(
    row: Any, kind: str, config: CheckinConfig, *, priority: float, **what: Any
) -> Derived:
    """A kind's item about one of the strategic and key accounts (see :func:`due`), which
    names the account's ``tier`` and weighs ``priority`` by it against strategic: a key
    account's review, onboarding or health drop counts less than a strategic one's."""
    weight = config.weight(row.tier) / config.weight(Tier.STRATEGIC)
    return due(row, kind, priority=priority * weight, tier=row.tier, **what)
