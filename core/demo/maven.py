"""The real CRM sample dataset shipped with kam (see maven-crm/SOURCE.txt).

85 accounts, 35 sales agents under 6 managers, 8,800 opportunities from
October 2016 to December 2017. Dates are shifted so the last close is
yesterday, which makes the demo look like a live portfolio. The dataset's
quirks are handled here, never edited out of the files: the misspelt sector
"technolgy", the country "Philipines", the product "GTXPro" for "GTX Pro",
and open opportunities that have no account yet (kept, with no account).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select

from core import bulk
from core.clock import utcnow
from core.errors import KamError
from core.models import Account, Deal, Interaction, User, name_key
from core.services import audit
from core.services.actors import Actor

SECTOR_FIXES = {"technolgy": "technology"}
COUNTRY_FIXES = {"Philipines": "Philippines"}
PRODUCT_FIXES = {"GTXPro": "GTX Pro"}
STAGES = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
OFFICE_ZONES = {
    "Central": "America/Chicago",
    "East": "America/New_York",
    "West": "America/Los_Angeles",
}
EMAIL_DOMAIN = "example.com"
DEMO_MARKER = "load_demo"


@dataclass(frozen=True)
class DemoSummary:
    """What a demo load wrote."""

    users: int
    accounts: int
    deals: int
    interactions: int
    shift_days: int


def data_dir() -> Path:
    """The folder of the shipped dataset."""
    return Path(str(resources.files("core.demo").joinpath("maven-crm")))


def person_email(name: str) -> str:
    """A deterministic e-mail for a person in the dataset: first.last@example.com."""
    return ".".join(name.lower().split()) + "@" + EMAIL_DOMAIN


def _rows(folder: Path, name: str) -> Iterator[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def load_maven(
    *, session: Session, now: datetime | None = None, folder: Path | None = None
) -> DemoSummary:
    """Load the dataset into an empty database, dates shifted so the last close is yesterday."""
    folder = folder or data_dir()
    now = now or utcnow()
    if session.exec(select(func.count()).select_from(Account)).one():
        raise KamError(
            "The database already has accounts; the demo loads into an empty one. "
            "Use `kam demo --reset` to replace everything with the demo."
        )
    teams = list(_rows(folder, "sales_teams.csv"))
    accounts = list(_rows(folder, "accounts.csv"))
    pipeline = list(_rows(folder, "sales_pipeline.csv"))
    prices = {row["product"]: float(row["sales_price"]) for row in _rows(folder, "products.csv")}

    last_close = max(d for row in pipeline if (d := _day(row["close_date"])) is not None)
    shift = (now.date() - timedelta(days=1)) - last_close

    def shifted(text: str) -> date | None:
        day = _day(text)
        return day + shift if day else None

    managers = sorted({row["manager"] for row in teams})
    office_of = {row["sales_agent"]: row["regional_office"] for row in teams}
    for manager in managers:
        office_of.setdefault(
            manager, next(r["regional_office"] for r in teams if r["manager"] == manager)
        )
    bulk.insert_rows(
        User,
        (
            {
                "name": name,
                "email": person_email(name),
                "role": "manager",
                "team": office_of[name],
                "timezone": OFFICE_ZONES[office_of[name]],
                "digest_time": time(8, 30),
                "active": True,
                "created_at": now,
            }
            for name in managers
        ),
        session=session,
    )
    manager_ids = bulk.ids_by(User, "email", session=session)
    bulk.insert_rows(
        User,
        (
            {
                "name": row["sales_agent"],
                "email": person_email(row["sales_agent"]),
                "role": "am",
                "manager_id": manager_ids[person_email(row["manager"])],
                "team": row["regional_office"],
                "timezone": OFFICE_ZONES[row["regional_office"]],
                "digest_time": time(8, 30),
                "active": True,
                "created_at": now,
            }
            for row in teams
        ),
        session=session,
    )
    user_ids = bulk.ids_by(User, "email", session=session)

    won_by: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    first_engaged: dict[str, date] = {}
    for row in pipeline:
        if row["account"] and row["deal_stage"] == "Won":
            won_by[row["account"]][row["sales_agent"]] += float(row["close_value"] or 0)
        engaged = shifted(row["engage_date"])
        if (
            row["account"]
            and engaged
            and (row["account"] not in first_engaged or engaged < first_engaged[row["account"]])
        ):
            first_engaged[row["account"]] = engaged

    def owner_of(account: str) -> int | None:
        totals = won_by.get(account)
        if not totals:
            return None
        agent = max(sorted(totals), key=lambda a: totals[a])
        return user_ids[person_email(agent)]

    bulk.insert_rows(
        Account,
        (
            {
                "name": row["account"],
                "name_key": name_key(row["account"]),
                "sector": SECTOR_FIXES.get(row["sector"], row["sector"]),
                "country": COUNTRY_FIXES.get(row["office_location"], row["office_location"]),
                "annual_revenue": float(row["revenue"]) * 1_000_000,
                "employees": int(row["employees"]),
                "founded_year": int(row["year_established"]),
                "owner_id": owner_of(row["account"]),
                "customer_since": first_engaged.get(row["account"]),
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            for row in accounts
        ),
        session=session,
    )
    account_ids = bulk.ids_by(Account, "name_key", session=session)
    for row in accounts:
        if row["subsidiary_of"]:
            parent = account_ids[name_key(row["subsidiary_of"])]
            child = session.get(Account, account_ids[name_key(row["account"])])
            assert child is not None
            child.parent_id = parent
            session.add(child)
    session.flush()

    deals: list[dict[str, Any]] = []
    interactions: list[dict[str, Any]] = []
    for row in pipeline:
        product = PRODUCT_FIXES.get(row["product"], row["product"])
        stage = STAGES[row["deal_stage"]]
        account_id = account_ids[name_key(row["account"])] if row["account"] else None
        owner_id = user_ids[person_email(row["sales_agent"])]
        engaged, closed = shifted(row["engage_date"]), shifted(row["close_date"])
        amount = float(row["close_value"]) if stage == "won" else prices[product]
        deals.append(
            {
                "account_id": account_id,
                "owner_id": owner_id,
                "external_id": row["opportunity_id"],
                "product": product,
                "stage": stage,
                "amount": amount,
                "engaged_on": engaged,
                "closed_on": closed,
                "created_at": now,
            }
        )
        if account_id is None:
            continue
        if engaged:
            interactions.append(
                {
                    "account_id": account_id,
                    "user_id": owner_id,
                    "kind": "meeting",
                    "occurred_at": _at(engaged, 10),
                    "summary": f"Engaged on {product} (opportunity {row['opportunity_id']})",
                    "source": "demo",
                    "idempotency_key": f"maven:{row['opportunity_id']}:engaged",
                    "created_at": now,
                }
            )
        if closed:
            outcome = f"Won {product}: ${amount:,.0f}" if stage == "won" else f"Lost {product}"
            interactions.append(
                {
                    "account_id": account_id,
                    "user_id": owner_id,
                    "kind": "call",
                    "occurred_at": _at(closed, 15),
                    "summary": f"{outcome} (opportunity {row['opportunity_id']})",
                    "source": "demo",
                    "idempotency_key": f"maven:{row['opportunity_id']}:closed",
                    "sentiment": "positive" if stage == "won" else "negative",
                    "created_at": now,
                }
            )
    bulk.insert_rows(Deal, deals, session=session)
    bulk.insert_rows(Interaction, interactions, session=session)
    summary = DemoSummary(
        users=len(managers) + len(teams),
        accounts=len(accounts),
        deals=len(deals),
        interactions=len(interactions),
        shift_days=shift.days,
    )
    audit.record(
        DEMO_MARKER,
        "portfolio",
        None,
        session=session,
        actor=Actor.system("kam demo"),
        after={"dataset": "maven-crm", **summary.__dict__},
    )
    return summary
