"""An account's plan as the front ends show it, with its scorecard.

One read for ``kam plan show``, ``/kam plan`` and the TUI's plan screen: the plan's
objectives (each with its actual, measured as a goal on the account would be), its
actions, the buying centre drawn from the account's contacts, its risks, the last
review, and the scorecard of the management indicators beyond sales (contact
coverage, cadence kept, commitments kept, satisfaction, growth) against the plan's
targets. The actuals are the account's own facts, measured as ``kam score`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from sqlmodel import Session, col, select

from core.clock import utcnow
from core.models import Account, Contact, PlanAction, PlanObjective, PlanRisk, User
from core.results import JsonResult, result_from
from core.scoring.config import load_config
from core.scoring.facts import load_facts
from core.scoring.goals import METRICS, Goals, GoalStatus, evaluate
from core.scoring.scored import score_portfolio
from core.services.contacts import contacts_of
from core.services.plans import tier_now
from core.services.reviews import reviews_of

SCORECARD = ("contact_coverage", "cadence_kept", "commitments_kept", "csat", "revenue_growth")
"""The management indicators beyond sales a strategic account is judged on, in order."""
PERIOD = "12m"
"""What an objective's or indicator's actual is measured over."""


@dataclass(frozen=True)
class Measure(JsonResult):
    """A metric's actual on the account against a target (None: the plan sets none)."""

    metric: str
    label: str
    unit: str
    actual: float | None
    target: float | None
    status: GoalStatus | None
    """met, behind, missed (its day has passed), no_data; None without a target."""


@dataclass(frozen=True)
class ObjectiveLine(JsonResult):
    """An objective of the plan, with how far the account has got."""

    id: int | None
    due_on: date
    measure: Measure


@dataclass(frozen=True)
class ActionLine(JsonResult):
    """An action of the plan."""

    id: int | None
    what: str
    owner: str | None
    due_on: date
    done_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class RiskLine(JsonResult):
    """A risk of the plan and its mitigation."""

    id: int | None
    what: str
    mitigation: str | None


@dataclass(frozen=True)
class BuyingCentreEntry(JsonResult):
    """A contact in the buying centre: their role in the decision, else their title."""

    name: str
    role: str | None
    title: str | None
    email: str | None


@dataclass(frozen=True)
class ReviewLine(JsonResult):
    """A review held on the plan."""

    id: int | None
    held_on: date
    participants: str
    progress: str | None
    notes: str | None
    next_actions: str | None


@dataclass(frozen=True)
class AccountPlan(JsonResult):
    """An account's plan, buying centre, last review and scorecard."""

    account: str
    tier: str
    objectives: list[ObjectiveLine]
    actions: list[ActionLine]
    buying_centre: list[BuyingCentreEntry]
    risks: list[RiskLine]
    last_review: ReviewLine | None
    scorecard: list[Measure]

    @property
    def has_plan(self) -> bool:
        """Whether anything of the plan is written yet."""
        return bool(self.objectives or self.actions or self.risks)


def _status(
    actual: float | None, target: float | None, due: date | None, today: date
) -> GoalStatus | None:
    if target is None:
        return None
    if actual is None:
        return "no_data"
    if actual >= target:
        return "met"
    return "missed" if due is not None and due < today else "behind"


def buying_role(contact: Contact) -> str | None:
    """The contact's role in the buying centre, as far as kam knows it."""
    role = getattr(contact, "buying_role", None) or getattr(contact, "role", None)
    if role:
        return str(role).replace("_", " ")
    return "decision maker" if contact.decision_maker else None


def account_plan(account: Account, *, session: Session, now: datetime | None = None) -> AccountPlan:
    """The account's plan with every actual measured as of ``now``."""
    now = now or utcnow()
    today = now.date()
    objectives = session.exec(
        select(PlanObjective)
        .where(col(PlanObjective.account_id) == account.id)
        .order_by(col(PlanObjective.due_on), col(PlanObjective.id))
    ).all()
    tier = tier_now(account, session=session)
    evaluator = _one_account(account, tier, session=session, now=now)

    def measure(metric: str, target: float | None, due: date | None) -> Measure:
        goal = SimpleNamespace(
            id=None,
            metric=metric,
            target=0.0 if target is None else target,
            scope="account",
            scope_ref=str(account.id),
            period=PERIOD,
        )
        got = evaluate(evaluator, goal)
        shown = got.target if target is not None else None  # a share given as 95 reads 0.95
        known = METRICS[metric][0]
        return Measure(
            metric=metric,
            label=known.label,
            unit=known.unit,
            actual=got.actual,
            target=shown,
            status=_status(got.actual, shown, due, today),
        )

    targets = {o.metric: o for o in objectives}
    actions = session.exec(
        select(PlanAction, col(User.email))
        .outerjoin(User, col(User.id) == col(PlanAction.owner_id))
        .where(col(PlanAction.account_id) == account.id)
        .order_by(col(PlanAction.done_at).is_not(None), col(PlanAction.due_on), col(PlanAction.id))
    ).all()
    risks = session.exec(
        select(PlanRisk).where(col(PlanRisk.account_id) == account.id).order_by(col(PlanRisk.id))
    ).all()
    last = reviews_of(account, session=session, limit=1)
    return AccountPlan(
        account=account.name,
        tier=tier,
        objectives=[
            ObjectiveLine(id=o.id, due_on=o.due_on, measure=measure(o.metric, o.target, o.due_on))
            for o in objectives
        ],
        actions=[
            result_from(ActionLine, a, owner=email, overdue=a.done_at is None and a.due_on < today)
            for a, email in actions
        ],
        buying_centre=[
            result_from(BuyingCentreEntry, c, role=buying_role(c))
            for c in contacts_of(account, session=session)
        ],
        risks=[result_from(RiskLine, r) for r in risks],
        last_review=result_from(ReviewLine, last[0]) if last else None,
        scorecard=[
            measure(m, targets[m].target if m in targets else None, _due(targets, m))
            for m in SCORECARD
        ],
    )


def _one_account(account: Account, tier: str, *, session: Session, now: datetime) -> Goals:
    """The goals evaluator over the facts of this one account, in the tier it holds.

    Its actuals are its own facts (contacts, deals, check-ins, promises, feedback),
    measured as a goal on the account would be; only its tier, which sets its check-in
    cadence, depends on the rest of the portfolio, and is the one the plan shows
    (the override, else the latest scoring's). So the plan reads one account's rows,
    where scoring the whole portfolio for it took seconds at 100,000 accounts.
    """
    config = load_config()
    ids = [account.id] if account.id is not None else []
    facts = load_facts(session=session, now=now, config=config, account_ids=ids)
    facts.tier_override = [tier] * facts.size
    return Goals(score_portfolio(facts, config), session=session, account_ids=ids)


def _due(targets: dict[str, PlanObjective], metric: str) -> date | None:
    objective = targets.get(metric)
    return objective.due_on if objective else None
