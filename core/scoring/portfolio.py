"""Portfolio figures: concentration, tiers and matrix, capacity, value, forecast, goals."""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlmodel import Session

from core.scoring.classify import capacity_warnings
from core.scoring.config import TIERS
from core.scoring.criteria import FloatArray
from core.scoring.forecast import forecast, monthly_revenue
from core.scoring.goals import goal_progress
from core.scoring.portfolio_results import (
    AccountClv,
    ClvFigures,
    Concentration,
    ConcentrationFlag,
    HealthFigures,
    HeldBack,
    OverServed,
    OverServedAccount,
    PortfolioFigures,
    RevenueShare,
    WalletFigures,
)
from core.scoring.scored import ScoredPortfolio

QUADRANTS = ("strategic", "develop", "maintain", "serve_efficiently")
TOP_LIST = 10
OVER_SERVED_LIST = 20


def hhi_band(hhi: float) -> str:
    """diversified < 1,000 ≤ moderate < 1,800 ≤ high ≤ 2,500 < critical."""
    if hhi < 1000:
        return "diversified"
    if hhi < 1800:
        return "moderate"
    if hhi <= 2500:
        return "high"
    return "critical"


def concentration(revenue: FloatArray, names: list[str]) -> Concentration:
    """CR1/CR5/CR10 and HHI over revenue shares, with the risk flags."""
    total = float(revenue.sum())
    order = np.lexsort((np.arange(len(revenue)), -revenue))
    if total <= 0:
        return Concentration(0.0, None, None, None, None, None, flags=(), top=())
    shares = revenue[order] / total
    cr = {n: float(shares[:n].sum()) for n in (1, 5, 10)}
    hhi = float(((shares * 100.0) ** 2).sum())
    flags = []
    if cr[1] > 0.15:
        flags.append(
            ConcentrationFlag(
                "one_customer_over_15pct",
                f"{names[order[0]]} brings {cr[1]:.0%} of revenue (above 15%).",
            )
        )
    if cr[5] > 0.40:
        flags.append(
            ConcentrationFlag(
                "top_five_over_40pct",
                f"The five largest customers bring {cr[5]:.0%} of revenue (above 40%).",
            )
        )
    return Concentration(
        revenue_12m=round(total, 2),
        cr1=round(cr[1], 4),
        cr5=round(cr[5], 4),
        cr10=round(cr[10], 4),
        hhi=round(hhi, 1),
        hhi_band=hhi_band(hhi),
        flags=tuple(flags),
        top=tuple(
            RevenueShare(names[i], round(float(revenue[i]), 2), round(float(revenue[i]) / total, 4))
            for i in order[:TOP_LIST].tolist()
            if revenue[i] > 0
        ),
    )


def held_back(p: ScoredPortfolio) -> HeldBack:
    """How many accounts capacity holds below the tier their scores earn, and why."""
    held = [h for h in p.over_capacity if h is not None]
    would_be = Counter(h.would_be for h in held)
    scopes: Counter[str] = Counter(h.scope for h in held)
    return HeldBack(
        accounts=len(held),
        would_be={t: would_be[t] for t in ("strategic", "key")},
        by_scope={s: scopes[s] for s in ("account_manager", "team")},
    )


def figures(p: ScoredPortfolio, *, session: Session) -> PortfolioFigures:
    """Every portfolio figure."""
    f, config = p.facts, p.config
    health = p.score("health")
    spend_known = ~np.isnan(p.wallet)
    wallet_total = float(p.wallet[spend_known].sum())
    over = np.flatnonzero(p.over_served)
    over = over[np.argsort(-np.nan_to_num(f.cost_to_serve[over]), kind="stable")]
    top_clv = np.lexsort((f.ids, -p.clv))[:TOP_LIST]
    history = monthly_revenue(session=session, now=f.now, months=config.forecast.history_months)
    tiers, earned, quadrants, bands = (
        Counter(p.tier),
        Counter(p.earned_tier),
        Counter(p.quadrant),
        Counter(p.band),
    )
    return PortfolioFigures(
        at=f.now,
        accounts=f.size,
        concentration=concentration(f.revenue_12m, f.names),
        tiers={t: tiers[t] for t in TIERS},
        earned_tiers={t: earned[t] for t in TIERS},
        tier_overrides=sum(1 for o in f.tier_override if o),
        quadrants={q: quadrants[q] for q in QUADRANTS},
        health=HealthFigures(
            average=round(float(health.mean()), 1) if f.size else None,
            bands={b: bands[b] for b in ("red", "yellow", "green")},
        ),
        capacity_warnings=tuple(capacity_warnings(p.tier, f.owner_id, p.staff, config)),
        over_capacity=held_back(p),
        clv=ClvFigures(
            formula="m*r/(1+d-r), m = 12-month margin minus cost to serve",
            retention=round(p.retention.rate, 4),
            retention_observed=p.retention.observed,
            retention_basis_accounts=p.retention.basis,
            discount_rate=config.value.discount_rate,
            total=round(float(p.clv.sum()), 2),
            top=tuple(AccountClv(f.names[i], round(float(p.clv[i]), 2)) for i in top_clv.tolist()),
        ),
        share_of_wallet=WalletFigures(
            accounts_with_category_spend=int(spend_known.sum()),
            portfolio=round(float(f.revenue_12m[spend_known].sum()) / wallet_total, 4)
            if wallet_total > 0
            else None,
            headroom=round(wallet_total - float(f.revenue_12m[spend_known].sum()), 2),
        ),
        over_served=OverServed(
            count=len(over),
            accounts=tuple(
                OverServedAccount(
                    account=f.names[i],
                    tier=p.tier[i],
                    earned_tier=p.earned_tier[i],
                    reasons=tuple(p.over_served_reasons(i)),
                )
                for i in over[:OVER_SERVED_LIST].tolist()
            ),
        ),
        forecast=forecast(history, now=f.now, config=config),
        goals=tuple(goal_progress(p, session=session)),
    )
