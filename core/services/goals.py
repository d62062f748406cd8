"""Goals: the targets a team sets at team, tier or account scope, tracked against actuals.

One rule decides what a goal may say, whoever sets it (the CLI, Slack, the TUI): a
metric kam measures (:data:`core.scoring.goals.METRICS`), a finite target, a period
kam reads, and a scope that exists. Team and tier goals are the team's business, so
only managers and admins set them; an account goal is for whoever may change the
account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from core.actors import Actor, ensure_can_change
from core.clock import utcnow
from core.errors import Forbidden, KamError, NotFound
from core.models import Goal, GoalCreate, GoalScope, GoalUpdate, Role, User, target_sentence
from core.numbers import read_amount
from core.scoring.config import TIERS
from core.scoring.goals import ALL_TEAMS, METRICS, metric_key, period_window
from core.services._records import change, create_once, earlier, fetch, forget
from core.services.accounts import find_account


def read_target(text: str) -> float:
    """A target as a person types it: 4.5, 1,200,000, 95% (a share: 95)."""
    try:
        return read_amount(text.strip().removesuffix("%").strip())
    except ValueError:
        raise KamError(target_sentence(repr(text))) from None


def known_metric(name: str) -> str:
    """The canonical name of a metric kam measures, or a refusal listing them."""
    key = metric_key(name)
    if key not in METRICS:
        raise KamError(f"kam does not measure {name!r}; a metric is one of {', '.join(METRICS)}.")
    return key


def _period(period: str, now: datetime) -> str:
    if period_window(period, now) is None:
        raise KamError(
            f"kam cannot read the period {period!r}; write a year (2026), a quarter "
            "(2026-Q2), a month (2026-05) or 12m."
        )
    return period.strip()


def _scope_ref(scope: GoalScope, ref: str | None, *, session: Session, actor: Actor) -> str | None:
    """The scope's reference as stored, once it is known to exist and the actor may set it."""
    text = (ref or "").strip()
    scope = GoalScope(scope)  # as stored, it is read back as text
    if scope is GoalScope.ACCOUNT:
        if not text:
            raise KamError("An account goal names its account.")
        account = find_account(text, session=session)
        ensure_can_change(actor, account)
        return account.name
    user = actor.user
    if user is not None and user.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(f"Only managers and admins set {scope.value} goals; set an account goal.")
    if scope is GoalScope.TIER:
        if text.lower() not in TIERS:
            raise KamError(f"A tier goal names a tier: one of {', '.join(TIERS)}.")
        return text.lower()
    if text.lower() in ALL_TEAMS:
        return None
    teams = session.exec(select(col(User.team)).where(col(User.team).is_not(None))).all()
    found = next((t for t in teams if t and t.lower() == text.lower()), None)
    if found is None:
        raise KamError(f"No one is in a team called {text!r}; a team goal names a team or all.")
    return found


def _checked(data: GoalCreate, *, session: Session, actor: Actor, now: datetime) -> GoalCreate:
    return data.model_copy(
        update={
            "metric": known_metric(data.metric),
            "period": _period(data.period, now),
            "scope_ref": _scope_ref(data.scope, data.scope_ref, session=session, actor=actor),
        }
    )


def add_goal(
    goal: GoalCreate, *, session: Session, actor: Actor, now: datetime | None = None
) -> Goal:
    """Set a goal, once its metric, period and scope are known to kam; the goal an earlier
    request with the same ``idempotency_key`` set (a form sent twice) is returned instead,
    and nothing is written."""
    checked = _checked(goal, session=session, actor=actor, now=now or utcnow())
    key = goal.idempotency_key
    if key is not None and (twin := earlier(Goal, key, session=session)) is not None:
        return twin
    return create_once(Goal.model_validate(checked), session=session, actor=actor)


def get_goal(goal_id: int, *, session: Session) -> Goal:
    """The goal with this id, or NotFound."""
    return fetch(
        Goal, goal_id, f"There is no goal {goal_id}; `kam goal list` shows them.", session=session
    )


def _ensure_may_change(goal: Goal, *, session: Session, actor: Actor) -> None:
    """Refuse an actor who could not set ``goal`` (an account goal whose account is gone is
    a manager's to tidy)."""
    try:
        _scope_ref(goal.scope, goal.scope_ref, session=session, actor=actor)
    except NotFound:
        _scope_ref(GoalScope.TEAM, None, session=session, actor=actor)


def edit_goal(
    goal: Goal,
    changes: GoalUpdate,
    *,
    session: Session,
    actor: Actor,
    now: datetime | None = None,
) -> Goal:
    """Change a goal; the result is checked as a new goal would be. A change to what the
    goal already says (the same form sent twice) writes nothing."""
    _ensure_may_change(goal, session=session, actor=actor)
    given = changes.model_dump(exclude_unset=True, exclude_none=True)
    merged = GoalCreate.model_validate({**goal.model_dump(warnings=False), **given})
    checked = _checked(merged, session=session, actor=actor, now=now or utcnow())
    changed = {k: v for k, v in checked.model_dump().items() if getattr(goal, k) != v}
    return change(goal, changed, session=session, actor=actor) if changed else goal


def remove_goal(goal: Goal, *, session: Session, actor: Actor) -> None:
    """Remove a goal; the audit trail keeps what it was."""
    _ensure_may_change(goal, session=session, actor=actor)
    forget(goal, session=session, actor=actor)


def list_goals(*, session: Session) -> Sequence[Goal]:
    """Every goal, in the order they were set."""
    return session.exec(select(Goal).order_by(col(Goal.id))).all()
