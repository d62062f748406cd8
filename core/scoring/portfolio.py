"""Portfolio figures: concentration, tiers and matrix, capacity, value, forecast, goals."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sqlmodel import Session

from core.scoring.classify import capacity_warnings
from core.scoring.config import TIERS
from core.scoring.criteria import FloatArray
from core.scoring.forecast import forecast, monthly_revenue
from core.scoring.goals import goal_progress
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


def concentration(revenue: FloatArray, names: list[str]) -> dict[str, Any]:
    """CR1/CR5/CR10 and HHI over revenue shares, with the risk flags."""
    total = float(revenue.sum())
    order = np.lexsort((np.arange(len(revenue)), -revenue))
    if total <= 0:
        return {
            "revenue_12m": 0.0,
            "cr1": None,
            "cr5": None,
            "cr10": None,
            "hhi": None,
            "hhi_band": None,
            "flags": [],
            "top": [],
        }
    shares = revenue[order] / total
    cr = {n: float(shares[:n].sum()) for n in (1, 5, 10)}
    hhi = float(((shares * 100.0) ** 2).sum())
    flags = []
    if cr[1] > 0.15:
        flags.append(
            {
                "flag": "one_customer_over_15pct",
                "message": f"{names[order[0]]} brings {cr[1]:.0%} of revenue (above 15%).",
            }
        )
    if cr[5] > 0.40:
        flags.append(
            {
                "flag": "top_five_over_40pct",
                "message": f"The five largest customers bring {cr[5]:.0%} of revenue (above 40%).",
            }
        )
    return {
        "revenue_12m": round(total, 2),
        "cr1": round(cr[1], 4),
        "cr5": round(cr[5], 4),
        "cr10": round(cr[10], 4),
        "hhi": round(hhi, 1),
        "hhi_band": hhi_band(hhi),
        "flags": flags,
        "top": [
            {
                "account": names[i],
                "revenue_12m": round(float(revenue[i]), 2),
                "share": round(float(revenue[i]) / total, 4),
            }
            for i in order[:TOP_LIST].tolist()
            if revenue[i] > 0
        ],
    }


def figures(p: ScoredPortfolio, *, session: Session) -> dict[str, Any]:
    """Every portfolio figure as JSON-safe values."""
    f, config = p.facts, p.config
    health = p.score("health")
    spend_known = ~np.isnan(p.wallet)
    wallet_total = float(p.wallet[spend_known].sum())
    over = np.flatnonzero(p.over_served)
    over = over[np.argsort(-np.nan_to_num(f.cost_to_serve[over]), kind="stable")]
    top_clv = np.lexsort((f.ids, -p.clv))[:TOP_LIST]
    history = monthly_revenue(session=session, now=f.now, months=config.forecast.history_months)
    return {
        "at": f.now.isoformat(),
        "accounts": f.size,
        "concentration": concentration(f.revenue_12m, f.names),
        "tiers": {t: Counter(p.tier)[t] for t in TIERS},
        "earned_tiers": {t: Counter(p.earned_tier)[t] for t in TIERS},
        "tier_overrides": sum(1 for o in f.tier_override if o),
        "quadrants": {q: Counter(p.quadrant)[q] for q in QUADRANTS},
        "health": {
            "average": round(float(health.mean()), 1) if f.size else None,
            "bands": {b: Counter(p.band)[b] for b in ("red", "yellow", "green")},
        },
        "capacity_warnings": capacity_warnings(p.tier, f.owner_id, f.users, config),
        "clv": {
            "formula": "m*r/(1+d-r), m = 12-month margin minus cost to serve",
            "retention": round(p.retention.rate, 4),
            "retention_observed": p.retention.observed,
            "retention_basis_accounts": p.retention.basis,
            "discount_rate": config.value.discount_rate,
            "total": round(float(p.clv.sum()), 2),
            "top": [
                {"account": f.names[i], "clv": round(float(p.clv[i]), 2)} for i in top_clv.tolist()
            ],
        },
        "share_of_wallet": {
            "accounts_with_category_spend": int(spend_known.sum()),
            "portfolio": round(float(f.revenue_12m[spend_known].sum()) / wallet_total, 4)
            if wallet_total > 0
            else None,
            "headroom": round(wallet_total - float(f.revenue_12m[spend_known].sum()), 2),
        },
        "over_served": {
            "count": len(over),
            "accounts": [
                {
                    "account": f.names[i],
                    "tier": p.tier[i],
                    "earned_tier": p.earned_tier[i],
                    "reasons": p.over_served_reasons(i),
                }
                for i in over[:OVER_SERVED_LIST].tolist()
            ],
        },
        "forecast": forecast(history, now=f.now, config=config),
        "goals": goal_progress(p, session=session),
    }
