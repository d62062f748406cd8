"""A generated portfolio of any size, the same for the same seed and the same "now".

The shapes follow what key account teams see: revenue is Pareto-distributed
(a few huge customers, a long tail), bigger accounts get more contacts, more
deals and more frequent touches, a few percent of accounts belong to groups,
and the history is uneven: some accounts are overdue for a check-in, some
promises are late, some bad news has not been told yet. Every date is
relative to ``now``.

Each table draws from its own ``random.Random`` stream, seeded from the seed
and the table's name, so the data are reproducible and one table's rules can
change without reshuffling the others. Rows are produced by generators and
written with :func:`core.bulk.insert_rows`, so 100,000 accounts (a few million
rows) load in about a minute.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from random import Random
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session, col

from core import audit, bulk
from core.actors import Actor
from core.clock import as_utc, utcnow
from core.demo import MAX_ACCOUNTS
from core.demo import vocabulary as words
from core.demo.maven import DEMO_MARKER, EMAIL_DOMAIN
from core.errors import KamError
from core.models import (
    Account,
    Commitment,
    Contact,
    CustomerRequest,
    Deal,
    Feedback,
    Goal,
    Interaction,
    Notice,
    Order,
    User,
    name_key,
)
from core.progress import Progress, Steps

PARETO_ALPHA = 1.16
"""Shape of our revenue per account: 1.16 is the classic 80/20 split."""
SMALLEST_ACCOUNT = 4_000.0
"""Annual revenue from the smallest customers; the Pareto scale."""
HISTORY_DAYS = 3 * 365
"""How far back deals, promises and requests go."""
INTERACTION_DAYS = 2 * 365
"""How far back logged interactions go (a CRM's activity log is younger than its deals)."""
ACCOUNTS_PER_AM = (150, 300)
AMS_PER_MANAGER = (6, 10)
DIGEST_TIMES = (time(7, 30), time(8, 0), time(8, 30), time(9, 0))
SQLITE_LOAD_CACHE_KIB = 262_144
"""Page cache while loading: random-order index inserts thrash SQLite's small default."""

T = TypeVar("T")


@dataclass(frozen=True)
class SyntheticSummary:
    """What a synthetic load wrote."""

    users: int
    accounts: int
    contacts: int
    interactions: int
    deals: int
    orders: int
    commitments: int
    notices: int
    requests: int
    feedback: int
    goals: int


@dataclass
class _Person:
    email: str
    region: words.Region
    diligence: float
    id: int = 0


@dataclass(slots=True)
class _Plan:
    """One account as the generator sees it; the rows for every table derive from it."""

    name: str
    stem: str
    region: words.Region
    country: words.Country
    sector: int
    owner: _Person
    revenue: float
    potential: float
    quality: float
    status: str
    since: date | None
    gross_margin: float
    parent: _Plan | None = None
    percentile: float = 1.0
    cadence: float = 90.0
    contacts: list[str] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    id: int = 0


def _pick(rng: Random, items: Sequence[T]) -> T:
    """A uniform choice, cheaper than ``Random.choice`` in the hot loops."""
    return items[int(rng.random() * len(items))]


def _lottery(items: Sequence[T], weights: Sequence[float], tickets: int = 1000) -> list[T]:
    """Items repeated in proportion to their weights: a weighted draw is then ``_pick``."""
    total = sum(weights)
    drawn: list[T] = []
    for item, edge in zip(items, accumulate(weights), strict=True):
        drawn.extend([item] * (round(edge / total * tickets) - len(drawn)))
    return drawn


def _geometric(rng: Random, mean: float) -> int:
    """How many of something, with the given mean and a long tail."""
    p = mean / (1.0 + mean)
    count = 0
    while rng.random() < p:
        count += 1
    return count


def _managers_for(account_managers: int) -> int:
    """How many managers lead this many account managers: 6–10 each where that is possible."""
    low, high = AMS_PER_MANAGER
    fits = range(math.ceil(account_managers / high), account_managers // low + 1)
    if not fits:
        return max(1, round(account_managers / ((low + high) / 2)))
    return min(fits, key=lambda m: abs(account_managers / m - (low + high) / 2))


def _slug(text: str, sep: str = ".") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", sep, ascii_text.lower()).strip(sep)


class _Generator:
    """Holds the portfolio plan while its tables are written, one stream per table."""

    def __init__(self, *, session: Session, accounts: int, seed: int, now: datetime) -> None:
        self.session = session
        self.n = accounts
        self.seed = seed
        self.now = now
        self.today = now.date()
        self.midnight = datetime.combine(self.today, time(0), tzinfo=UTC)
        self.plans: list[_Plan] = []
        self.people: list[_Person] = []

    def rng(self, table: str) -> Random:
        """The random stream of one table (a str seed is hashed stably, not by PYTHONHASHSEED)."""
        return Random(f"kam-synthetic:{self.seed}:{table}")

    def at(self, days_ago: int, rng: Random) -> datetime:
        """A moment in office hours ``days_ago`` days before today (so never after now)."""
        seconds = days_ago * 86_400 - 25_200 - int(rng.random() * 36_000)
        return self.midnight - timedelta(seconds=seconds)

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    # -- the team -------------------------------------------------------------

    def team(self) -> int:
        """Managers, account managers and an admin, spread over the regions."""
        rng = self.rng("users")
        n_am = max(1, round(self.n / rng.uniform(*ACCOUNTS_PER_AM)))
        n_managers = _managers_for(n_am)
        edges = list(accumulate(r.weight for r in words.REGIONS))
        used: set[str] = set()

        def person(region: words.Region) -> tuple[str, str]:
            name = f"{_pick(rng, region.first_names)} {_pick(rng, region.last_names)}"
            local = _slug(name)
            email, k = f"{local}@{EMAIL_DOMAIN}", 1
            while email in used:
                k += 1
                email = f"{local}{k}@{EMAIL_DOMAIN}"
            used.add(email)
            return name, email

        managers: list[tuple[dict[str, Any], words.Region, str]] = []
        seen: dict[str, int] = {}
        for k in range(n_managers):
            position = (k + 0.5) / n_managers * edges[-1]
            region = next(r for r, e in zip(words.REGIONS, edges, strict=True) if position < e)
            nth = seen.get(region.name, 0)
            seen[region.name] = nth + 1
            team = f"{region.name} {region.teams[nth % len(region.teams)]}"
            if nth >= len(region.teams):
                team += f" {nth // len(region.teams) + 1}"
            name, email = person(region)
            row = self._user(name, email, "manager", team, _pick(rng, region.zones), rng)
            managers.append((row, region, team))
        admin_region = words.REGIONS[0]
        name, email = person(admin_region)
        admin = self._user(name, email, "admin", "Sales operations", admin_region.zones[0], rng)
        bulk.insert_rows(User, [row for row, _, _ in managers] + [admin], session=self.session)
        ids = bulk.ids_by(User, "email", session=self.session)

        ams: list[dict[str, Any]] = []
        for j in range(n_am):
            boss, region, team = managers[j % n_managers]
            name, email = person(region)
            row = self._user(name, email, "am", team, _pick(rng, region.zones), rng)
            row["manager_id"] = ids[boss["email"]]
            ams.append(row)
            self.people.append(_Person(email, region, rng.uniform(0.7, 1.3)))
        bulk.insert_rows(User, ams, session=self.session)
        ids = bulk.ids_by(User, "email", session=self.session)
        for am in self.people:
            am.id = ids[am.email]
        return len(managers) + 1 + len(ams)

    def _user(
        self, name: str, email: str, role: str, team: str, timezone: str, rng: Random
    ) -> dict[str, Any]:
        return {
            "name": name,
            "email": email,
            "role": role,
            "manager_id": None,
            "team": team,
            "timezone": timezone,
            "digest_time": _pick(rng, DIGEST_TIMES),
            "active": True,
            "created_at": self.now,
        }

    # -- accounts -------------------------------------------------------------

    def plan_accounts(self) -> None:
        """Decide every account's name, owner, size and history before writing any row."""
        rng = self.rng("accounts")
        sectors = _lottery(range(len(words.SECTORS)), [s[1] for s in words.SECTORS])
        countries = {
            r.name: _lottery(r.countries, [c.weight for c in r.countries]) for r in words.REGIONS
        }
        used: set[str] = set()
        group: _Plan | None = None  # the group whose subsidiaries come next
        subsidiaries_left = 0
        while len(self.plans) < self.n:
            parent = group if subsidiaries_left > 0 else None
            subsidiaries_left -= 1
            owner = (
                parent.owner
                if parent is not None and rng.random() < 0.7
                else _pick(rng, self.people)
            )
            region = owner.region
            country = _pick(rng, countries[region.name])
            sector = parent.sector if parent is not None else _pick(rng, sectors)
            name, stem = self._name(rng, used, country, sector, parent)
            status = "active"
            r = rng.random()
            if parent is None and r < 0.04:
                status = "prospect"
            elif r < 0.08:
                status = "dormant"
            elif r < 0.10:
                status = "churned"
            age_days = 60 + int(min(20.0, rng.expovariate(1 / 3.5)) * 365)
            potential = round(SMALLEST_ACCOUNT * rng.paretovariate(PARETO_ALPHA), -1)
            plan = _Plan(
                name=name,
                stem=stem,
                region=region,
                country=country,
                sector=sector,
                owner=owner,
                revenue=0.0 if status == "prospect" else potential,
                potential=potential,
                quality=rng.random() ** 0.7,
                status=status,
                since=None if status == "prospect" else self.day(age_days),
                gross_margin=round(rng.uniform(0.18, 0.55), 3),
                parent=parent,
            )
            self.plans.append(plan)
            if parent is None and status != "prospect" and rng.random() < 0.012:
                group, subsidiaries_left = plan, 1 + int(rng.random() * 4)
        by_size = sorted(range(self.n), key=lambda i: -self.plans[i].revenue)
        for rank, i in enumerate(by_size):
            plan = self.plans[i]
            plan.percentile = rank / self.n
            base = 12 if rank < self.n * 0.01 else 25 if rank < self.n * 0.05 else 50
            if rank >= self.n * 0.25:
                base = 80
            plan.cadence = base * plan.owner.diligence * rng.uniform(0.8, 1.25)

    def _name(
        self,
        rng: Random,
        used: set[str],
        country: words.Country,
        sector: int,
        parent: _Plan | None,
    ) -> tuple[str, str]:
        """A company-like name unique under :func:`name_key`; a numeral only when needed."""
        suffix = _pick(rng, country.suffixes)
        sector_words = words.SECTORS[sector][2]
        for _ in range(4):
            if parent is not None:
                stem = parent.stem
                middle = country.name if rng.random() < 0.5 else _pick(rng, sector_words)
                core = f"{stem} {middle}"
            else:
                stem = _pick(rng, words.NAME_STARTS)
                if rng.random() < 0.35:
                    stem += _pick(rng, words.NAME_MIDDLES)
                stem += _pick(rng, words.NAME_ENDS)
                r = rng.random()
                if r < 0.45:
                    core = f"{stem} {_pick(rng, sector_words)}"
                elif r < 0.75:
                    core = stem
                elif r < 0.88:
                    core = f"{stem} & {_pick(rng, _pick(rng, words.REGIONS).last_names)}"
                else:
                    core = f"{stem} {_pick(rng, ('Group', 'Holding', 'International', 'Partners'))}"
            name = f"{core} {suffix}" if rng.random() < 0.8 else core
            if name_key(name) not in used:
                used.add(name_key(name))
                return name, stem
        k = 2
        while name_key(f"{core} {k} {suffix}") in used:
            k += 1
        name = f"{core} {k} {suffix}"
        used.add(name_key(name))
        return name, stem

    def accounts(self) -> int:
        """Write the accounts, then point subsidiaries at their parents."""
        rng = self.rng("account-facts")
        n_overrides = max(2, self.n // 400)
        overrides = dict.fromkeys(rng.sample(range(self.n), min(n_overrides, self.n)), 0)
        for k, i in enumerate(sorted(overrides)):
            overrides[i] = k
        cadence_overrides = set(rng.sample(range(self.n), min(self.n, max(1, self.n // 200))))
        health = _lottery((1, 2, 3, 4, 5), (0.05, 0.10, 0.30, 0.35, 0.20))

        def rows() -> Iterator[dict[str, Any]]:
            for i, p in enumerate(self.plans):
                potential = p.potential
                share = rng.uniform(0.12, 0.9)
                category_spend = round(potential / share, -2)
                their_revenue = round(category_spend / rng.uniform(0.005, 0.06), -3)
                employees = max(3, int(their_revenue / rng.uniform(120_000, 400_000)))
                age = 3 + int(rng.expovariate(1 / 22) * (1 + math.log10(employees) / 3))
                founded = self.today.year - min(age, 160)
                if p.since is not None:
                    founded = min(founded, p.since.year)
                years_with_us = 0.0 if p.since is None else (self.today - p.since).days / 365
                depth = p.quality * 3 + min(years_with_us / 3, 1.5) + (p.percentile < 0.05) * 0.5
                stage = 1 + int(depth)
                if p.status == "prospect":
                    stage = 1
                size = (math.log10(their_revenue) - 5) * 0.8
                influence = min(5, max(1, 1 + int(size + rng.random() * 1.5)))
                tier = reason = None
                if i in overrides:
                    tier, reason = _TIER_OVERRIDES[overrides[i] % len(_TIER_OVERRIDES)]
                    if p.parent is None and "Parent group" in reason:
                        tier, reason = _TIER_OVERRIDES[0]
                plans_text = None
                if rng.random() < (0.3 if p.percentile < 0.1 else 0.03):
                    plans_text = _pick(rng, words.STRATEGIC_PLANS)
                yield {
                    "name": p.name,
                    "name_key": name_key(p.name),
                    "sector": words.SECTORS[p.sector][0],
                    "country": p.country.name,
                    "owner_id": p.owner.id,
                    "status": p.status,
                    "customer_since": p.since,
                    "annual_revenue": their_revenue,
                    "employees": employees,
                    "founded_year": founded,
                    "relationship_stage": min(5, stage),
                    "financial_health": _pick(rng, health),
                    "industry_influence": influence,
                    "category_spend": category_spend,
                    "cost_to_serve": round(
                        p.revenue * rng.uniform(0.03, 0.18) + rng.uniform(300, 2800), -1
                    ),
                    "gross_margin": p.gross_margin,
                    "strategic_plans": plans_text,
                    "checkin_cadence_days": _pick(rng, (7, 21, 45, 120))
                    if i in cadence_overrides
                    else None,
                    "tier_override": tier,
                    "tier_override_reason": reason,
                    "created_at": self.now,
                    "updated_at": self.now,
                }

        written = bulk.insert_rows(Account, rows(), session=self.session)
        ids = bulk.ids_by(Account, "name_key", session=self.session)
        for p in self.plans:
            p.id = ids[name_key(p.name)]
        table = Account.__table__  # type: ignore[attr-defined]
        links = [{"b_id": p.id, "b_parent": p.parent.id} for p in self.plans if p.parent]
        if links:
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(parent_id=bindparam("b_parent")),
                links,
            )
        return written

    # -- people at the customer -------------------------------------------------

    def contacts(self) -> int:
        """1–8 people per account, more at bigger ones; personal facts are sparse."""
        rng = self.rng("contacts")

        def rows() -> Iterator[dict[str, Any]]:
            for p in self.plans:
                low, high = (
                    (5, 8)
                    if p.percentile < 0.01
                    else (4, 7)
                    if p.percentile < 0.05
                    else (2, 5)
                    if p.percentile < 0.25
                    else (1, 3)
                )
                count = low + int(rng.random() * (high - low + 1))
                domain = _slug(p.stem, "") + ".example"
                region = p.region
                for k in range(count):
                    first = _pick(rng, region.first_names)
                    last = _pick(rng, region.last_names)
                    name = f"{first} {last}"
                    p.contacts.append(name)
                    senior = k == 0 or rng.random() < 0.15
                    title = _pick(
                        rng, words.PERSON_TITLES_SENIOR if senior else words.PERSON_TITLES
                    )
                    decides = k == 0 or (senior and rng.random() < 0.6) or rng.random() < 0.05
                    phone = None
                    if rng.random() < 0.6:
                        number = int(rng.random() * 1e9)
                        phone = f"+{p.country.dialling_code} {number:09d}"
                    yield {
                        "account_id": p.id,
                        "name": name,
                        "title": title if rng.random() < 0.92 else None,
                        "email": f"{_slug(name)}@{domain}" if rng.random() < 0.85 else None,
                        "phone": phone,
                        "decision_maker": decides,
                        "hometown": _pick(rng, region.cities) if rng.random() < 0.3 else None,
                        "interests": ", ".join(
                            sorted({_pick(rng, words.INTERESTS) for _ in range(1 + (k % 2))})
                        )
                        if rng.random() < 0.35
                        else None,
                        "favourite_team": _pick(rng, words.TEAMS) if rng.random() < 0.2 else None,
                        "family": _pick(rng, words.FAMILY) if rng.random() < 0.2 else None,
                        "birthday": date(
                            1955 + int(rng.random() * 44),
                            1 + int(rng.random() * 12),
                            1 + int(rng.random() * 28),
                        )
                        if rng.random() < 0.3
                        else None,
                        "notes": _pick(rng, words.CONTACT_NOTES) if rng.random() < 0.15 else None,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }

        written = bulk.insert_rows(Contact, rows(), session=self.session)
        by_account: dict[int, list[int]] = {}
        pairs = self.session.execute(
            select(col(Contact.account_id), col(Contact.id)).order_by(col(Contact.id))
        )
        for account_id, contact_id in cast("Iterable[tuple[int, int]]", pairs):
            by_account.setdefault(account_id, []).append(contact_id)
        for p in self.plans:
            p.contact_ids = by_account[p.id]
        return written

    # -- history ----------------------------------------------------------------

    def _window(self, p: _Plan, horizon: int = HISTORY_DAYS) -> tuple[int, int]:
        """Days ago the account's history starts and stops (start > stop ≥ 1)."""
        start = horizon if p.since is None else min(horizon, (self.today - p.since).days)
        stop = 1
        if p.status == "prospect":
            start = 30 + int(p.quality * 150)
        elif p.status == "churned":
            stop = min(start - 1, 200 + int(p.quality * 400))
        return max(start, 2), max(stop, 1)

    def deals(self) -> int:
        """Won deals realise each account's revenue year by year; lost and open ones besides."""
        rng = self.rng("deals")
        rows = (row for p in self.plans for row in self._deals_of(p, rng))
        return bulk.insert_rows(Deal, rows, session=self.session)

    def _deals_of(self, p: _Plan, rng: Random) -> Iterator[dict[str, Any]]:
        random, products, day, now = rng.random, words.PRODUCTS, self.day, self.now
        start, stop = self._window(p)
        per_year = min(30, 1 + int(math.sqrt(p.revenue / 8_000)))
        growth = rng.uniform(-0.15, 0.3)
        typical = p.revenue / per_year if p.revenue else 5_000 * (1 + p.quality)
        cost_share = 1 - p.gross_margin

        def deal(stage: str, amount: float | None, closed_ago: int | None) -> dict[str, Any]:
            product, price = products[int(random() * len(products))]
            if amount is None:  # not won: sized like the account's deals and the product
                amount = max(50.0, round(typical * price * (0.6 + random() * 0.8), -1))
            return {
                "account_id": p.id,
                "owner_id": p.owner.id,
                "product": product,
                "stage": stage,
                "amount": amount,
                "cost": round(amount * min(0.95, cost_share * (0.9 + random() * 0.2)), 2),
                "engaged_on": day((closed_ago or 0) + 14 + int(random() * 120)),
                "closed_on": None if closed_ago is None else day(closed_ago),
                "created_at": now,
            }

        if p.status != "prospect":
            first_year = 1 if p.status == "dormant" else 0
            for year in range(first_year, 3):
                lo, hi = max(stop, year * 365 + 1), min(start, (year + 1) * 365)
                if hi <= lo:
                    continue
                fraction = (hi - lo) / 365
                target = p.revenue * (1 + growth) ** -year * fraction
                count = max(1, round(per_year * fraction * rng.uniform(0.7, 1.3)))
                shares = [0.3 + random() for _ in range(count)]
                total = sum(shares)
                for share in shares:
                    amount = max(50.0, round(target * share / total, -1))
                    yield deal("won", amount, lo + int(random() * (hi - lo)))
                    if random() < 0.45:
                        yield deal("lost", None, lo + int(random() * (hi - lo)))
        if p.status in ("active", "prospect"):
            for _ in range(_geometric(rng, 0.6 + per_year / 8)):
                yield deal("open", None, None)

    def orders(self) -> int:
        """An order for each deal won in the last half year; a few went wrong."""
        rng = self.rng("orders")
        won = self.session.execute(
            select(
                col(Deal.id),
                col(Deal.account_id),
                col(Deal.owner_id),
                col(Deal.product),
                col(Deal.amount),
                col(Deal.closed_on),
            )
            .where(col(Deal.stage) == "won", col(Deal.closed_on) >= self.day(180))
            .order_by(col(Deal.id))
        )
        problems = (
            "Partial delivery; the rest is back-ordered.",
            "Goods damaged in transit.",
            "Wrong variant shipped.",
            "Invoice did not match the quote.",
        )

        def rows() -> Iterator[dict[str, Any]]:
            for deal_id, account_id, owner_id, product, amount, closed_on in cast(
                "Iterable[tuple[int, int, int, str, float, date]]", won
            ):
                placed_ago = max(1, (self.today - closed_on).days - int(rng.random() * 4))
                status, problem = "completed", None
                r = rng.random()
                if placed_ago < 14 and r < 0.7:
                    status = "placed"
                elif r < 0.06:
                    status, problem = "problem", _pick(rng, problems)
                placed = self.at(placed_ago, rng)
                settled = placed_ago - min(placed_ago - 1, 2 + int(rng.random() * 20))
                yield {
                    "account_id": account_id,
                    "deal_id": deal_id,
                    "user_id": owner_id,
                    "what": product,
                    "amount": amount,
                    "status": status,
                    "problem": problem,
                    "placed_at": placed,
                    "updated_at": placed
                    if status == "placed"
                    else max(placed, self.at(settled, rng)),
                }

        return bulk.insert_rows(Order, rows(), session=self.session)

    def interactions(self) -> int:
        """Touches at each account's own rhythm; some accounts were left alone too long."""
        rng = self.rng("interactions")
        kinds = _lottery(
            [k for k, _ in words.INTERACTION_KINDS], [w for _, w in words.INTERACTION_KINDS]
        )
        verbs = words.INTERACTION_VERBS
        topics = words.TOPICS
        random, now, midnight = rng.random, self.now, self.midnight

        def rows() -> Iterator[dict[str, Any]]:
            # The hottest loop of the load (about 7 rows per account): plain arithmetic.
            for p in self.plans:
                start, stop = self._window(p, INTERACTION_DAYS)
                cadence = p.cadence * (2.5 if p.status == "dormant" else 1.0)
                if p.status == "prospect":
                    cadence = 30.0
                if random() < 0.1:  # neglected: the last touch is long overdue
                    stop = max(stop, min(start - 1, int(cadence * rng.uniform(1.3, 3.5))))
                said = 0.35  # below: no sentiment recorded
                positive = said + 0.65 * (0.15 + 0.35 * p.quality)
                negative = positive + 0.65 * (0.02 + 0.12 * (1 - p.quality))
                contacts, contact_ids, n_contacts = p.contacts, p.contact_ids, len(p.contacts)
                account_id, user_id = p.id, p.owner.id
                ago = start - random() * min(cadence, start - stop)
                while ago >= stop:
                    kind = kinds[int(random() * len(kinds))]
                    k = int(random() * n_contacts)
                    named = random() < 0.8
                    r = random()
                    seconds = int(ago) * 86_400 - 25_200 - int(random() * 36_000)
                    yield {
                        "account_id": account_id,
                        "contact_id": contact_ids[k] if named else None,
                        "user_id": user_id,
                        "kind": kind,
                        "occurred_at": midnight - timedelta(seconds=seconds),
                        "summary": verbs[kind].format(
                            who=contacts[k] if named else "the team",
                            topic=topics[int(random() * len(topics))],
                        ),
                        "sentiment": None
                        if r < said
                        else "positive"
                        if r < positive
                        else "negative"
                        if r < negative
                        else "neutral",
                        "source": "demo",
                        "created_at": now,
                    }
                    ago -= cadence * (0.4 + random() * 1.2)

        return bulk.insert_rows(Interaction, rows(), session=self.session)

    def commitments(self) -> int:
        """Promises: most kept, some late, some still ahead."""
        rng = self.rng("commitments")

        def rows() -> Iterator[dict[str, Any]]:
            for p in self.plans:
                start, stop = self._window(p)
                mean = 3.0 if p.percentile < 0.01 else 1.2 if p.percentile < 0.05 else 0.35
                for _ in range(_geometric(rng, mean)):
                    made = stop + int(rng.random() * min(start - stop, 400))
                    due = made - 3 - int(rng.random() * 42)  # days ago; negative is ahead
                    done_at = None
                    if due > 0 and (rng.random() < 0.8 or p.status == "churned"):
                        done_at = self.at(max(1, min(made, due + int(rng.random() * 7) - 3)), rng)
                    elif due <= 0 and rng.random() < 0.15:
                        done_at = self.at(max(1, int(rng.random() * made)), rng)
                    what = _pick(rng, words.COMMITMENTS).format(
                        product=_pick(rng, words.PRODUCTS)[0].lower(),
                        sector=words.SECTORS[p.sector][0],
                    )
                    yield {
                        "account_id": p.id,
                        "owner_id": p.owner.id,
                        "what": what,
                        "to_whom": _pick(rng, p.contacts),
                        "due_on": self.day(due),
                        "done_at": done_at,
                        "created_at": self.at(made, rng),
                    }

        return bulk.insert_rows(Commitment, rows(), session=self.session)

    def notices(self) -> int:
        """Bad news to tell: mostly told in time, some late, some not yet."""
        rng = self.rng("notices")
        kinds = _lottery(words.NOTICES, [w for _, w, _ in words.NOTICES])

        def rows() -> Iterator[dict[str, Any]]:
            for p in self.plans:
                if p.status == "churned":
                    continue
                if rng.random() >= (0.5 if p.percentile < 0.05 else 0.08):
                    continue
                kind, _, texts = _pick(rng, kinds)
                tell_by = 60 - int(rng.random() * 105)  # days ago; negative is ahead
                made = max(tell_by, 0) + 10 + int(rng.random() * 30)
                told = None
                r = rng.random()
                if tell_by > 0 and r < 0.75:
                    told = self.at(max(1, tell_by + int(rng.random() * 10)), rng)
                elif tell_by > 0 and r < 0.85:  # told, but late
                    told = self.at(max(1, tell_by - 1 - int(rng.random() * 7)), rng)
                elif tell_by <= 0 and r < 0.4:
                    told = self.at(1 + int(rng.random() * (made - 1)), rng)
                yield {
                    "account_id": p.id,
                    "owner_id": p.owner.id,
                    "kind": kind,
                    "what": _pick(rng, texts).format(product=_pick(rng, words.PRODUCTS)[0]),
                    "must_tell_by": self.day(tell_by),
                    "communicated_at": told,
                    "alternatives": _pick(rng, words.NOTICE_ALTERNATIVES)
                    if rng.random() < 0.5
                    else None,
                    "created_at": self.at(made, rng),
                }

        return bulk.insert_rows(Notice, rows(), session=self.session)

    def requests(self) -> int:
        """What customers asked for that we do not offer, and what we offered instead."""
        rng = self.rng("requests")

        def rows() -> Iterator[dict[str, Any]]:
            for p in self.plans:
                if rng.random() >= (0.4 if p.percentile < 0.05 else 0.1):
                    continue
                start, stop = self._window(p)
                what, alternative = _pick(rng, words.REQUESTS)
                product = _pick(rng, words.PRODUCTS)[0].lower()
                yield {
                    "account_id": p.id,
                    "user_id": p.owner.id,
                    "what": what.format(product=product),
                    "alternatives": alternative,
                    "created_at": self.at(stop + int(rng.random() * (start - stop)), rng),
                }

        return bulk.insert_rows(CustomerRequest, rows(), session=self.session)

    def feedback(self) -> int:
        """Survey answers that follow how well the relationship is going."""
        rng = self.rng("feedback")
        comments = words.FEEDBACK_COMMENTS

        def rows() -> Iterator[dict[str, Any]]:
            for p in self.plans:
                if p.status == "prospect":
                    continue
                start, stop = self._window(p)
                start = min(start, 730)
                mean = 5.0 if p.percentile < 0.01 else 2.0 if p.percentile < 0.05 else 0.7
                for _ in range(_geometric(rng, mean)):
                    mood = min(1.0, max(0.0, p.quality + rng.gauss(0, 0.2)))
                    csat = nps = expectation = None
                    r = rng.random()
                    if r < 0.5:
                        csat = min(5, max(1, round(1 + 4 * mood)))
                    elif r < 0.8:
                        nps = min(10, max(0, round(10 * mood + rng.gauss(0, 1))))
                    if r >= 0.8 or rng.random() < 0.3:
                        expectation = "exceeded" if mood > 0.8 else "met" if mood > 0.4 else "below"
                    comment = None
                    if rng.random() < 0.3:
                        band = "high" if mood > 0.7 else "mid" if mood > 0.4 else "low"
                        comment = _pick(rng, comments[band])
                    named = rng.random() < 0.6
                    yield {
                        "account_id": p.id,
                        "contact_id": _pick(rng, p.contact_ids) if named else None,
                        "csat": csat,
                        "nps": nps,
                        "expectation": expectation,
                        "comment": comment,
                        "at": self.at(stop + int(rng.random() * max(1, start - stop)), rng),
                    }

        return bulk.insert_rows(Feedback, rows(), session=self.session)

    def goals(self) -> int:
        """A handful of team, tier and account targets for this year."""
        year = str(self.today.year)
        quarter = f"{year}-Q{(self.today.month - 1) // 3 + 1}"
        biggest = min(self.plans, key=lambda p: (-p.revenue, p.name))
        rows = [
            ("nps", 40.0, "team", None, year),
            ("csat", 4.3, "team", None, year),
            ("commitments_kept", 0.95, "team", None, quarter),
            ("cadence_kept", 0.9, "tier", "strategic", quarter),
            ("cadence_kept", 0.8, "tier", "key", quarter),
            ("contact_coverage", 3.0, "tier", "strategic", year),
            ("revenue_growth", 0.1, "account", biggest.name, year),
        ]
        return bulk.insert_rows(
            Goal,
            (
                {
                    "metric": metric,
                    "target": target,
                    "scope": scope,
                    "scope_ref": ref,
                    "period": period,
                    "created_at": self.now,
                }
                for metric, target, scope, ref, period in rows
            ),
            session=self.session,
        )


_TIER_OVERRIDES = (
    ("strategic", words.TIER_OVERRIDE_REASONS[0]),
    ("key", words.TIER_OVERRIDE_REASONS[1]),
    ("key", words.TIER_OVERRIDE_REASONS[2]),
    ("strategic", words.TIER_OVERRIDE_REASONS[3]),
    ("growth", words.TIER_OVERRIDE_REASONS[4]),
    ("standard", words.TIER_OVERRIDE_REASONS[5]),
)


_TABLES = (
    User,
    Account,
    Contact,
    Interaction,
    Deal,
    Order,
    Commitment,
    Notice,
    CustomerRequest,
    Feedback,
    Goal,
)


@contextmanager
def _loading(session: Session) -> Iterator[None]:
    """Give SQLite a large page cache for the load, and put the old size back."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def check_size(accounts: int) -> None:
    """Refuse a portfolio size kam does not generate, in one line, before anything is written."""
    if accounts < 1:
        raise KamError(
            "A synthetic portfolio needs at least one account; use --accounts 1 or more."
        )
    if accounts > MAX_ACCOUNTS:
        raise KamError(
            f"--accounts {accounts:,} is more than kam generates ({MAX_ACCOUNTS:,} at most); "
            "use a smaller number."
        )


STEPS = (
    "people",
    "accounts",
    "contacts",
    "interactions",
    "deals",
    "orders",
    "commitments",
    "notices",
    "requests",
    "feedback",
    "goals",
)
"""What a synthetic load generates, in order (each one step of its progress)."""


def load_synthetic(
    *,
    session: Session,
    accounts: int,
    seed: int,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> SyntheticSummary:
    """Generate a portfolio of ``accounts`` accounts into an empty database.

    The same ``seed`` and ``now`` give the same rows. Writes one summary audit
    event, which is how ``kam demo`` knows a demo is loaded. ``progress`` hears
    each table as it is generated.
    """
    check_size(accounts)
    now = as_utc(now) if now is not None else utcnow()
    for model in (Account, User):
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            raise KamError(
                "The database already has accounts or users; the demo loads into an empty one. "
                "Use `kam demo --synthetic --reset` to replace everything with the demo."
            )
    gen = _Generator(session=session, accounts=accounts, seed=seed, now=now)
    steps = Steps(progress, total=len(STEPS) + 1)  # and the indexes
    makers = {
        "accounts": gen.accounts,
        "contacts": gen.contacts,
        "interactions": gen.interactions,
        "deals": gen.deals,
        "orders": gen.orders,
        "commitments": gen.commitments,
        "notices": gen.notices,
        "requests": gen.requests,
        "feedback": gen.feedback,
        "goals": gen.goals,
    }
    counts: dict[str, int] = {}
    with _loading(session), bulk.secondary_indexes_deferred(*_TABLES, session=session):
        steps.start("Generating people")
        counts["users"] = gen.team()
        gen.plan_accounts()
        for table in STEPS[1:]:
            steps.start(f"Generating {table}")
            counts[table] = makers[table]()
        steps.start("Indexing")
    steps.finish(f"Generated {accounts:,} accounts")
    summary = SyntheticSummary(**counts)
    audit.record(
        DEMO_MARKER,
        "portfolio",
        None,
        session=session,
        actor=Actor.system("kam demo"),
        after={"dataset": "synthetic", "seed": seed, "now": now.isoformat(), **counts},
    )
    return summary
