"""The weekly team summary: concentration, accounts slipping to red, promises kept.

What a sales team reads on Monday morning about the week to ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.models import Account, Commitment, ScoreSnapshot, User
from core.scoring import PortfolioFigures, load_config, portfolio_figures
from core.scoring.config import ScoringConfig

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class SlippingAccount:
    """An account whose health fell into the red band this week."""

    name: str
    health: float
    previous: float
    """The health of its newest snapshot from before the week."""
    owner: str | None
    """The owner's name."""


@dataclass(frozen=True)
class TeamSummary:
    """The week to ``week_to``: the portfolio's figures, who slipped, promises kept."""

    week_to: datetime
    figures: PortfolioFigures
    """:func:`core.scoring.portfolio_figures` as of ``week_to``."""
    slipping: list[SlippingAccount]
    """Weakest first."""
    kept: int
    """Promises marked done this week."""
    kept_on_time: int
    """Of those, the ones done by their day."""
    still_overdue: int
    """Promises open past their day."""


def slipping_to_red(
    *, session: Session, now: datetime, config: ScoringConfig | None = None
) -> list[SlippingAccount]:
    """Accounts whose newest snapshot is red while the one before the week was not."""
    config = config or load_config()
    since = now - WEEK
    recent = session.exec(
        select(ScoreSnapshot.account_id, ScoreSnapshot.health, ScoreSnapshot.at)
        .where(col(ScoreSnapshot.at) > since, col(ScoreSnapshot.at) <= now)
        .order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at).desc())
    ).all()
    newest: dict[int, float] = {}
    for account_id, health, _at in recent:
        newest.setdefault(account_id, health)
    red = {a: h for a, h in newest.items() if config.band(h) == "red"}
    if not red:
        return []
    before: dict[int, float] = {}
    for account_id, health in session.exec(
        select(ScoreSnapshot.account_id, ScoreSnapshot.health)
        .where(col(ScoreSnapshot.account_id).in_(list(red)), col(ScoreSnapshot.at) <= since)
        .order_by(col(ScoreSnapshot.account_id), col(ScoreSnapshot.at).desc())
    ).all():
        before.setdefault(account_id, health)
    slipped = [a for a in red if a in before and config.band(before[a]) != "red"]
    names = {
        a.id: (a.name, a.owner_id)
        for a in session.exec(select(Account).where(col(Account.id).in_(slipped))).all()
    }
    owners = {u.id: u.name for u in session.exec(select(User)).all()}
    out = [
        SlippingAccount(
            name=names[a][0],
            health=red[a],
            previous=before[a],
            owner=owners.get(names[a][1]),
        )
        for a in slipped
        if a in names
    ]
    return sorted(out, key=lambda r: r.health)


def weekly_team_summary(*, session: Session, now: datetime) -> TeamSummary:
    """The week to ``now``: figures, accounts slipping to red, promises kept and overdue."""
    since = now - WEEK
    kept = session.exec(
        select(col(Commitment.due_on), col(Commitment.done_at)).where(
            col(Commitment.done_at) > since, col(Commitment.done_at) <= now
        )
    ).all()
    on_time = sum(1 for due_on, done_at in kept if done_at is not None and done_at.date() <= due_on)
    overdue = len(
        session.exec(
            select(Commitment.id).where(
                col(Commitment.done_at).is_(None), col(Commitment.due_on) < now.date()
            )
        ).all()
    )
    return TeamSummary(
        week_to=now,
        figures=portfolio_figures(session=session, now=now),
        slipping=slipping_to_red(session=session, now=now),
        kept=len(kept),
        kept_on_time=on_time,
        still_overdue=overdue,
    )
