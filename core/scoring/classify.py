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
    # one shared str per quadrant, not one per account (a million accounts: 60 MB)
    code = high_a.astype(np.int8) * 2 + high_r
    names = ("serve_efficiently", "maintain", "develop", "strategic")
    return list(map(names.__getitem__, code.tolist()))


Scope = Literal["team", "account_manager"]
DEMANDING = ("strategic", "key")
"""The tiers that take a person's time, and so are held to capacity."""


@dataclass(frozen=True, slots=True)
class OverCapacity(JsonResult):
    """Why an account whose scores earn strategic or key is served a tier lower: its
    account manager or team already holds as many such accounts as it can serve."""

    would_be: str  # strategic or key: what the scores earn
    scope: Scope
    who: str  # the manager's e-mail or the team's name
    limit: int
    message: str  # "would be key; over capacity (…)"


@dataclass(frozen=True)
class Served:
    """Tiers filled by rank within capacity: each account's tier (before any manual
    override) and, for the accounts held back, why."""

    tiers: list[str]
    over_capacity: list[OverCapacity | None]


@dataclass(frozen=True)
class Staff:
    """Who owns what, and their teams: what capacity is counted against."""

    users: dict[int, tuple[str, str | None]]  # id: (email, team name)
    leads: dict[int, int]  # id: the lead of their team (core.teams)

    def email(self, person: int) -> str:
        """The person's e-mail (``user N`` if unknown)."""
        return self.users.get(person, (f"user {person}", None))[0]

    def team(self, person: int) -> int:
        """The lead of the person's team, which names the team."""
        return self.leads.get(person, person)

    def team_name(self, lead: int) -> str:
        """The team's name as its lead has it, else "LEAD's team"."""
        return self.users.get(lead, ("", None))[1] or f"{self.email(lead)}'s team"


def _what(tiers: str) -> str:
    return "strategic" if tiers == "strategic" else "strategic and key"


def serve_within_capacity(
    ranked: list[str],
    rank: IntArray,
    owner_ids: IntArray,
    overrides: list[str | None],
    staff: Staff,
    config: ScoringConfig,
) -> Served:
    """Fill the strategic and key tiers by rank within each owner's and team's capacity.

    Hand-set strategic and key accounts are counted first (a person serves them
    whatever the scores say). Then, best rank first, an account whose scores earn
    strategic takes a strategic place if its owner and team have one left, else a
    key place; one that earns key takes a key place; with no place left it stays
    growth, with the reason. An account with no owner is held to no one's capacity.
    An overridden account's own tier is worked out without taking a place.
    """
    cap = config.capacity
    n = len(ranked)
    tiers = list(ranked)
    held: list[OverCapacity | None] = [None] * n
    owners = owner_ids.tolist()
    # places taken: (scope, person or lead, "strategic" or "all")
    count: Counter[tuple[Scope, int, str]] = Counter()
    reasons: dict[tuple[Scope, int, str, str], OverCapacity] = {}  # full stays full

    def take(owner: int, tier: str) -> None:
        team = staff.team(owner)
        count["account_manager", owner, "all"] += 1
        count["team", team, "all"] += 1
        if tier == "strategic":
            count["account_manager", owner, "strategic"] += 1
            count["team", team, "strategic"] += 1

    def reason(scope: Scope, who: int, counted: str, limit: int, tier: str) -> OverCapacity:
        known = reasons.get((scope, who, counted, tier))
        if known is not None:
            return known
        accounts = f"{limit} {_what(counted)} account{'' if limit == 1 else 's'}"
        if scope == "team":
            name = staff.team_name(who)
            full_up = f"team {name} is at its limit of {accounts}"
        else:
            name = staff.email(who)
            full_up = f"{name} is at the limit of {accounts} per account manager"
        message = f"would be {tier}; over capacity ({full_up})"
        made = reasons[scope, who, counted, tier] = OverCapacity(tier, scope, name, limit, message)
        return made

    def full(owner: int, tier: str) -> OverCapacity | None:
        team = staff.team(owner)
        if tier == "strategic":
            if count["account_manager", owner, "strategic"] >= cap.manager_strategic_max:
                return reason(
                    "account_manager", owner, "strategic", cap.manager_strategic_max, tier
                )
            if count["team", team, "strategic"] >= cap.team_strategic_max:
                return reason("team", team, "strategic", cap.team_strategic_max, tier)
        if count["account_manager", owner, "all"] >= cap.manager_max:
            return reason("account_manager", owner, "all", cap.manager_max, tier)
        if count["team", team, "all"] >= cap.team_max:
            return reason("team", team, "all", cap.team_max, tier)
        return None

    for i, override in enumerate(overrides):
        if override in DEMANDING and owners[i] >= 0:
            take(owners[i], override)
    demanding = np.fromiter((t in DEMANDING for t in ranked), dtype=bool, count=n)
    order = np.argsort(rank, kind="stable")
    for i in order[demanding[order]].tolist():
        owner = owners[i]
        if owner < 0:
            continue
        wanted = ranked[i]
        why = full(owner, wanted)
        tier = wanted
        if why is not None:
            tier = "key" if wanted == "strategic" and full(owner, "key") is None else "growth"
        tiers[i] = tier
        if overrides[i] is None:
            held[i] = why
            if tier in DEMANDING:
                take(owner, tier)
    return Served(tiers, held)


@dataclass(frozen=True, slots=True)
class CapacityWarning(JsonResult):
    """A team or account manager holding more strategic and key accounts than it can serve."""

    scope: Scope
    who: str  # the team's name or the manager's e-mail
    accounts: int
    limit: int
    level: Literal["over", "critical"]
    message: str


def capacity_warnings(
    tiers: list[str], owner_ids: IntArray, staff: Staff, config: ScoringConfig
) -> list[CapacityWarning]:
    """Teams and account managers holding more strategic and key accounts than they can
    serve: only hand-set tiers can take them there, since scoring fills within capacity."""
    cap = config.capacity
    demanding = [i for i, t in enumerate(tiers) if t in DEMANDING]
    per_owner = Counter(int(owner_ids[i]) for i in demanding)
    per_lead: Counter[int] = Counter()
    for owner, count in per_owner.items():
        if owner >= 0:
            per_lead[staff.team(owner)] += count
    per_team = [(staff.team_name(lead), count) for lead, count in per_lead.items()]
    holders: list[tuple[Scope, str, int, int, int | None]] = [
        ("team", team, count, cap.team_max, cap.team_critical)
        for team, count in sorted(per_team, key=lambda kv: (-kv[1], kv[0]))
    ]
    holders += [
        ("account_manager", staff.email(owner), count, cap.manager_max, None)
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
