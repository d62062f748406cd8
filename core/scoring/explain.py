"""Why an account's stored scores are what they are, so a screen's headline and its
explanation never disagree.

Every screen shows the newest stored scores (the portfolio table, the overview's
counts, an account's header). Scores are relative to the portfolio and depend on
the moment, so an explanation computed *now* can name another tier than the
stored one: the portfolio changed since the run, or the account was never
scored. The explanation is therefore computed as of the run it explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.clock import as_utc
from core.models import ScoreSnapshot
from core.scoring.account_results import Breakdown
from core.scoring.config import ScoringConfig, load_config
from core.scoring.facts import load_facts
from core.scoring.scored import score_portfolio


@dataclass(frozen=True)
class StoredExplanation:
    """The breakdown of an account's newest stored scores.

    ``scored_at`` is the scoring run explained; None when the account was never
    scored, and then ``breakdown`` says what a run now would give.
    """

    scored_at: datetime | None
    breakdown: Breakdown


def explain_stored(
    account_id: int, *, session: Session, now: datetime, config: ScoringConfig | None = None
) -> StoredExplanation | None:
    """The account's stored scores explained criterion by criterion (None: no such account).

    The whole portfolio is scored as of the newest run that covered the account, which
    gives back the stored numbers for as long as nothing was recorded since with an
    earlier date.
    """
    config = config or load_config()
    at = session.execute(
        select(func.max(col(ScoreSnapshot.at))).where(col(ScoreSnapshot.account_id) == account_id)
    ).scalar()
    moment = as_utc(at) if at is not None else as_utc(now)
    scored = score_portfolio(load_facts(session=session, now=moment, config=config), config)
    position = scored.index_of(account_id)
    if position is None:
        return None
    (result,) = scored.accounts([position])
    return StoredExplanation(
        scored_at=moment if at is not None else None, breakdown=result.breakdown
    )
