"""Account plans: one per strategic or key account, with objectives, actions and risks.

A plan is what its three parts say: objectives (a metric kam measures, a target, a
due day), actions (what, who, by when, done) and risks with their mitigation. Only a
strategic or key account has one (its tier now: the override, else its latest
scoring), and its reviews (:mod:`core.services.reviews`) follow the same rule. A part
given with an ``idempotency_key`` already stored (a form sent twice) is the part that
key added: nothing is written again.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlmodel import Session, col, select

from core.actors import Actor, ensure_can_change
from core.checkins.config import REVIEWED_TIERS
from core.checkins.kind import current_tier
from core.clock import utcnow
from core.errors import KamError, NotFound
from core.models import (
    Account,
    PlanAction,
    PlanActionCreate,
    PlanObjective,
    PlanObjectiveCreate,
    PlanRisk,
    PlanRiskCreate,
)
from core.services._records import ensure_can_change_record, forget, insert, stamp_once
from core.services.goals import known_metric
from core.services.users import get_user_by_email

PlanPart = PlanObjective | PlanAction | PlanRisk
PARTS: dict[str, type[PlanPart]] = {
    "objective": PlanObjective,
    "action": PlanAction,
    "risk": PlanRisk,
}


def tier_now(account: Account, *, session: Session) -> str:
    """The account's tier now: its override, else its latest scoring's, else standard."""
    tier = session.exec(select(current_tier()).where(col(Account.id) == account.id)).one()
    return str(tier)


def ensure_planned_tier(account: Account, *, session: Session, actor: Actor | None = None) -> str:
    """Refuse a plan or review for an account that is not strategic or key (and, given the
    ``actor``, first one who may not change the account)."""
    if actor is not None:
        ensure_can_change(actor, account)
    tier = tier_now(account, session=session)
    if tier not in REVIEWED_TIERS:
        raise KamError(
            f"Account plans and reviews are for strategic and key accounts; {account.name} is "
            f"{tier}. Score the portfolio, or set a tier override with its reason."
        )
    return tier


def add_objective(
    account: Account, objective: PlanObjectiveCreate, *, session: Session, actor: Actor
) -> PlanObjective:
    """Add an objective (a metric kam measures, its target, its due day) to the plan."""
    ensure_planned_tier(account, session=session, actor=actor)
    checked = objective.model_copy(update={"metric": known_metric(objective.metric)})
    return insert(PlanObjective, checked, account=account, session=session, actor=actor)


def add_action(
    account: Account,
    action: PlanActionCreate,
    *,
    session: Session,
    actor: Actor,
    owner_email: str | None = None,
) -> PlanAction:
    """Add an action to the plan; its owner is the one named, else whoever adds it, else the
    account's owner."""
    ensure_planned_tier(account, session=session, actor=actor)
    owner_id = (
        get_user_by_email(owner_email, session=session).id
        if owner_email
        else action.owner_id or actor.user_id or account.owner_id
    )
    return insert(
        PlanAction, action, account=account, session=session, actor=actor, owner_id=owner_id
    )


def add_risk(account: Account, risk: PlanRiskCreate, *, session: Session, actor: Actor) -> PlanRisk:
    """Add a risk, and what is done about it, to the plan."""
    ensure_planned_tier(account, session=session, actor=actor)
    return insert(PlanRisk, risk, account=account, session=session, actor=actor)


def get_part(part: str, part_id: int, *, account: Account, session: Session) -> PlanPart:
    """One objective, action or risk of ``account``'s plan, or NotFound."""
    model = PARTS.get(part)
    if model is None:
        raise KamError(f"A plan has objectives, actions and risks, not {part!r}.")
    row = session.get(model, part_id)
    if row is None or row.account_id != account.id:
        raise NotFound(
            f"{account.name}'s plan has no {part} {part_id}; `kam plan show` lists them."
        )
    return cast(PlanPart, row)


def complete_action(
    action: PlanAction, *, session: Session, actor: Actor, now: datetime | None = None
) -> PlanAction:
    """Mark an action done (a second time keeps the first moment)."""
    return stamp_once(action, "done_at", now or utcnow(), session=session, actor=actor)


def remove_part(row: PlanPart, *, session: Session, actor: Actor) -> None:
    """Take an objective, action or risk out of the plan; the audit trail keeps it."""
    ensure_can_change_record(row, session=session, actor=actor)
    forget(row, session=session, actor=actor)


__all__ = [
    "PARTS",
    "add_action",
    "add_objective",
    "add_risk",
    "complete_action",
    "ensure_planned_tier",
    "get_part",
    "remove_part",
    "tier_now",
]
