"""Scoring and portfolio analytics: which customers matter, why, and how they are doing.

The public interface used across kam:

- :func:`score_accounts` computes every account's scores without writing;
- :func:`rescore_portfolio` computes them and stores one :class:`~core.models.ScoreSnapshot`
  per account, returning the arrays (``kam score``, ``kam demo``, the nightly job and
  the TUI's rescore call it); :func:`rescore` returns a result per account instead;
- :func:`portfolio_figures` gives concentration, tiers, matrix, capacity, CLV,
  share of wallet, over-served accounts and a revenue forecast;
- :func:`load_config` reads the team's rules from ``kam.toml``.

Everything is computed for the whole portfolio at once from a handful of
set-based queries, because percentiles and tiers are relative to the portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from core.clock import as_utc
from core.lazy import importer
from core.progress import Progress, Steps

if TYPE_CHECKING:
    from sqlmodel import Session

    from core.actors import Actor
    from core.scoring.account_results import Breakdown, ScoreSummary
    from core.scoring.config import ScoringConfig, config_from, load_config
    from core.scoring.portfolio_results import PortfolioFigures
    from core.scoring.scored import AccountScore, ScoredPortfolio

# The arrays and the SQL behind the scores are imported by the functions that use them
# and the names below when first asked for: a command that reads one account's stored
# scores (``kam show``) needs neither.
_MODULE_OF = {
    "AccountScore": "core.scoring.scored",
    "Breakdown": "core.scoring.account_results",
    "PortfolioFigures": "core.scoring.portfolio_results",
    "ScoreSummary": "core.scoring.account_results",
    "ScoredPortfolio": "core.scoring.scored",
    "ScoringConfig": "core.scoring.config",
    "config_from": "core.scoring.config",
    "load_config": "core.scoring.config",
}

__all__ = [
    "AccountScore",
    "Breakdown",
    "PortfolioFigures",
    "ScoreSummary",
    "ScoredPortfolio",
    "ScoringConfig",
    "config_from",
    "load_config",
    "portfolio_figures",
    "rescore",
    "rescore_portfolio",
    "score_accounts",
    "scored_portfolio",
]


def scored_portfolio(
    *, session: Session, now: datetime, config: ScoringConfig | None = None
) -> ScoredPortfolio:
    """The whole portfolio scored as of ``now`` (the arrays behind every other function here)."""
    from core.scoring.config import load_config
    from core.scoring.facts import load_facts
    from core.scoring.scored import score_portfolio

    config = config or load_config()
    return score_portfolio(load_facts(session=session, now=now, config=config), config)


def score_accounts(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig | None = None,
    account_ids: Iterable[int] | None = None,
) -> list[AccountScore]:
    """Every account's scores as of ``now`` (or only ``account_ids``'), without writing.

    The whole portfolio is always scored, since percentiles and tiers are relative
    to it; ``account_ids`` only picks what is returned. Unknown ids are skipped.
    """
    scored = scored_portfolio(session=session, now=now, config=config)
    if account_ids is None:
        return scored.accounts()
    positions = [i for a in account_ids if (i := scored.index_of(a)) is not None]
    return scored.accounts(positions)


def rescore(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig | None = None,
    actor: Actor | None = None,
    progress: Progress | None = None,
) -> list[AccountScore]:
    """Score every account and store one snapshot per account at ``now``.

    Running it twice at the same ``now`` replaces that moment's snapshots. One
    audit event records the run; the caller owns the transaction. ``progress`` hears
    each step (read, score, store), so a front end can show a large portfolio's
    rescore moving. Every front end calls :func:`rescore_portfolio` instead, which
    makes no object per account; this one makes one for each.
    """
    return rescore_portfolio(
        session=session, now=now, config=config, actor=actor, progress=progress
    ).accounts()


def rescore_portfolio(
    *,
    session: Session,
    now: datetime,
    config: ScoringConfig | None = None,
    actor: Actor | None = None,
    progress: Progress | None = None,
) -> ScoredPortfolio:
    """:func:`rescore`, returning the scored arrays rather than a result per account.

    At a million accounts the result objects are a sixth of a rescore's memory;
    a caller that shows a few accounts asks :meth:`ScoredPortfolio.ranked` for them,
    one that counts asks :attr:`ScoredPortfolio.size` and
    :meth:`ScoredPortfolio.tier_counts`.
    """
    from core import audit
    from core.actors import Actor
    from core.scoring.config import load_config
    from core.scoring.facts import load_facts
    from core.scoring.scored import score_portfolio
    from core.scoring.snapshots import store_snapshots

    now = as_utc(now)
    config = config or load_config()
    steps = Steps(progress, total=3)
    steps.start("Reading the portfolio")
    facts = load_facts(session=session, now=now, config=config)
    steps.start(f"Scoring {facts.size:,} accounts")
    scored = score_portfolio(facts, config)
    steps.start(f"Storing {facts.size:,} snapshots")
    written = store_snapshots(scored, session=session, at=now)
    audit.record(
        "rescore",
        "score_snapshots",
        None,
        session=session,
        actor=actor or Actor.system("scoring"),
        after={"accounts": written, "at": now.isoformat()},
    )
    steps.finish(f"Scored {written:,} accounts")
    return scored


def portfolio_figures(
    *, session: Session, now: datetime, config: ScoringConfig | None = None
) -> PortfolioFigures:
    """The portfolio's figures as of ``now`` (``as_json()``: the keys the README documents)."""
    from core.scoring.portfolio import figures

    now = as_utc(now)
    scored = scored_portfolio(session=session, now=now, config=config)
    return figures(scored, session=session)


__getattr__ = importer(globals(), _MODULE_OF)
