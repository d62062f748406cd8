"""Tiers, portfolio-matrix quadrants, and whether people can serve their key accounts."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.results import JsonResult
from core.scoring.config import TIERS, ScoringConfig
from core.scoring.criteria import FloatArray, IntArray

TIER_LEVEL = {tier: level for level, tier in enumerate(reversed(TIERS))}  # standard 0 … strategic 3


def ranks(attractiveness: FloatArray, revenue: FloatArray, ids: IntArray) -> IntArray:
    """Rank 1 = most attractive; ties go to more revenue, then to the older account."""
    order = np.lexsort((ids, -revenue, -attractiveness))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def earned_tiers(attractiveness: FloatArray, rank: IntArray, config: ScoringConfig) -> list[str]:
    """The tier each account's rank and attractiveness earn (before any manual override).

    Strategic: within the top ``strategic_share`` of the portfolio and at least
    ``strategic_min``; key and growth likewise with the cumulative shares; the
    rest standard. A small portfolio always has room for its best account.
    """
    rules = config.tiers
    n = len(rank)
    shares = (
        ("strategic", rules.strategic_share, rules.strategic_min),
        ("key", rules.strategic_share + rules.key_share, rules.key_min),
        ("growth", rules.strategic_share + rules.key_share + rules.growth_share, rules.growth_min),
    )
    tier = np.full(n, "standard", dtype=object)
    settled = np.zeros(n, dtype=bool)
    for name, share, minimum in shares:
        places = math.ceil(n * share - 1e-9)
        fits = (rank <= places) & (attractiveness >= minimum) & ~settled
        tier[fits] = name
        settled |= fits
    names: list[str] = tier.tolist()
    return names


def quadrants(
    attractiveness: FloatArray, relationship: FloatArray, config: ScoringConfig
) -> list[str]:
    """Portfolio matrix: strategic (high/high), develop (high/weak), maintain, serve efficiently."""
    high_a = attractiveness >= config.quadrant.attractiveness
    high_r = relationship >= config.quadrant.relationship
    out = np.where(
        high_a,
        np.where(high_r, "strategic", "develop"),
        np.where(high_r, "maintain", "serve_efficiently"),
    )
    names: list[str] = out.tolist()
    return names


@dataclass(frozen=True, slots=True)
class CapacityWarning(JsonResult):
    """A team or account manager holding more strategic and key accounts than it can serve."""

    scope: Literal["team", "account_manager"]
    who: str  # the team's name or the manager's e-mail
    accounts: int
    limit: int
    level: Literal["over", "critical"]
    message: str


def capacity_warnings(
    tiers: list[str],
    owner_ids: IntArray,
    users: dict[int, tuple[str, str | None]],
    config: ScoringConfig,
) -> list[CapacityWarning]:
    """Teams and account managers holding more strategic and key accounts than they can serve."""
    cap = config.capacity
    demanding = [i for i, t in enumerate(tiers) if t in ("strategic", "key")]
    per_owner = Counter(int(owner_ids[i]) for i in demanding)
    per_team: Counter[str] = Counter()
    for owner, count in per_owner.items():
        if owner >= 0:
            per_team[users.get(owner, ("", None))[1] or "(no team)"] += count
    holders: list[tuple[Literal["team", "account_manager"], str, int, int, int | None]] = [
        ("team", team, count, cap.team_max, cap.team_critical)
        for team, count in sorted(per_team.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    holders += [
        (
            "account_manager",
            users.get(owner, (f"user {owner}", None))[0],
            count,
            cap.manager_max,
            None,
        )
        for owner, count in sorted(per_owner.items(), key=lambda kv: (-kv[1], kv[0]))
        if owner >= 0
    ]
    warnings: list[CapacityWarning] = []
    for scope, who, count, limit, critical_above in holders:
        if count <= limit:
            continue
        critical = critical_above is not None and count > critical_above
        if scope == "team":
            worse = f", and more than {critical_above} is too many" if critical else ""
            message = (
                f"Team {who} holds {count} strategic and key accounts; "
                f"a team serves {cap.team_min}–{cap.team_max} well{worse}."
            )
        else:
            message = (
                f"{who} owns {count} strategic and key accounts; "
                f"the limit per account manager is {limit}."
            )
        level: Literal["over", "critical"] = "critical" if critical else "over"
        warnings.append(CapacityWarning(scope, who, count, limit, level, message))
    return warnings
