"""Onboarding (habit 7): an account newly classified strategic or key gets a checklist:
owner confirmed, a decision maker among the contacts, a plan with an objective.

Due for ``onboarding_window`` (90 days) from the day its current run of strategic
or key snapshots began (or, in the tier by override only, from when the account
last changed), until the checklist is complete. Only an account that *became*
strategic or key: its run began after the portfolio's first scoring (it was scored
lower before, or it is new since), so the first scoring of a portfolio, which
classifies every account at once, onboards nobody.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_
from sqlalchemy import select as wide_select
from sqlmodel import Session, col, select

from core.checkins.config import REVIEWED_TIERS
from core.checkins.kind import (
    Context,
    Derived,
    Kind,
    about_account,
    key_accounts,
    scorings,
)
from core.checkins.sql import chunked, moment, rows
from core.models import Account, AccountStatus, Contact, PlanObjective, ScoreSnapshot, Tier

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "onboarding"


def read(context: Context, reading: Reading) -> list[Derived]:
    """Accounts in a reviewed tier for less than the window whose checklist is not done."""
    now, config, session = context.now, context.config, reading.session
    first_scoring, last_scoring = scorings(session)
    if first_scoring == last_scoring:  # one scoring (or none): only an override is news
        accounts = rows(session, overridden_accounts(context))
    else:
        accounts = rows(session, key_accounts(context))
    if not accounts:
        return []
    ids = {row[0] for row in accounts}
    entered = tier_entry(session, ids)
    deciders = _accounts_among(
        session,
        ids,
        col(Contact.account_id),
        col(Contact.decision_maker),
        col(Contact.retired_at).is_(None),
    )
    planned = _accounts_among(session, ids, col(PlanObjective.account_id))
    found = []
    for row in accounts:
        account_id, name, owner_id, tier_name, updated = row
        since = entered.get(account_id)
        if since is not None and first_scoring is not None and since <= first_scoring:
            continue  # classified by the first scoring: it did not become key, it was
        if since is None:  # in the tier by override only: since the account last changed
            since = moment(updated)
        if since is None or now - since > config.onboarding_window:
            continue
        checklist = {
            "owner confirmed": owner_id is not None,
            "decision maker among contacts": account_id in deciders,
            "plan with an objective": account_id in planned,
        }
        if all(checklist.values()):
            continue
        weight = config.weight(tier_name) / config.weight(Tier.STRATEGIC)
        found.append(
            about_account(
                row,
                NAME,
                tier_name,
                due_at=since,
                priority=0.6 * weight,
                severity="info",
                title=f"Onboard {name} as a {tier_name} account",
                detail="Checklist: "
                + "; ".join(f"[{'x' if ok else ' '}] {step}" for step, ok in checklist.items()),
                tier=tier_name,
                reason=f"newly {tier_name} since {since:%d %b}: "
                f"{sum(checklist.values())} of {len(checklist)} onboarding steps done",
            )
        )
    kept = reading.keep(found, lambda i: i.key, lambda i: i.user_id)
    return [Derived(i) for i in kept]


def _accounts_among(session: Session, ids: Collection[int], account: Any, *where: Any) -> set[int]:
    """The accounts of ``ids`` with a row whose ``account`` column names them (and ``where``)."""
    found: set[int] = set()
    for part in chunked(sorted(ids)):
        found.update(session.exec(select(account).where(*where, account.in_(part)).distinct()))
    return found


def overridden_accounts(context: Context) -> Any:
    """Active accounts put in a reviewed tier by override, in the columns of
    :func:`key_accounts` (the override wins, so no snapshot is read)."""
    return wide_select(
        col(Account.id),
        col(Account.name),
        col(Account.owner_id),
        col(Account.tier_override).label("tier"),
        col(Account.updated_at),
    ).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        col(Account.tier_override).in_(sorted(REVIEWED_TIERS)),
        *context.scope.where(col(Account.owner_id), col(Account.id)),
    )


def tier_entry(session: Session, account_ids: Collection[int]) -> dict[int, datetime]:
    """When each account's current run of strategic or key snapshots began."""
    out: dict[int, datetime] = {}
    for part in chunked(sorted(account_ids)):
        out.update(_tier_entry_of(session, list(part)))
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


KIND = Kind(NAME, "Onboarding", read, resolved_by="the checklist is complete")
