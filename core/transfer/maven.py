"""The profile for the real CRM sample dataset (see core/demo/maven-crm/SOURCE.txt).

Four files become users, accounts, deals and interactions, each fed through
the ordinary import. The dataset's quirks are handled here, never edited out
of the files: the misspelt sector "technolgy", the country "Philipines", the
product "GTXPro" for "GTX Pro", and open opportunities that have no account
yet (kept, with no account). An account's owner is the agent with the most
won value on it; its customer-since day is its first engagement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from dateutil.relativedelta import relativedelta

from core.errors import KamError
from core.transfer import csvfile
from core.transfer.problems import FileProblem
from core.transfer.table import TextTable

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
DIGEST_TIME = "08:30"
Shift = Callable[[str], date | None]
FILES = {
    "sales_teams.csv": ("sales_agent", "manager", "regional_office"),
    "accounts.csv": ("account", "sector", "year_established", "revenue", "employees",
                     "office_location", "subsidiary_of"),
    "products.csv": ("product", "sales_price"),
    "sales_pipeline.csv": ("opportunity_id", "sales_agent", "product", "account", "deal_stage",
                           "engage_date", "close_date", "close_value"),
}  # fmt: skip


def person_email(name: str) -> str:
    """A deterministic e-mail for a person in the dataset: first.last@example.com."""
    return ".".join(name.lower().split()) + "@" + EMAIL_DOMAIN


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.is_file():
        raise KamError(
            f"{folder} has no {name}. The maven profile reads the four files of the CRM "
            f"sample dataset: {', '.join(FILES)}."
        )
    table = csvfile.read_csv(path)
    missing = [c for c in FILES[name] if c not in table.header]
    if missing or table.problems:
        what = f"lacks the columns {', '.join(missing)}" if missing else str(table.problems[0])
        raise FileProblem(f"{name} is not the sample dataset's file: it {what}.")
    return [dict(zip(table.header, row, strict=True)) for row in table.rows]


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def last_close(folder: Path) -> date:
    """The newest close date in the pipeline (the demo moves it to just before today)."""
    days = [d for row in _read(folder, "sales_pipeline.csv") if (d := _day(row["close_date"]))]
    return max(days)


def months_to_before(day: date, today: date) -> int:
    """The whole months that move ``day`` closest to ``today`` without reaching it.

    Moving by whole months keeps every calendar month of the data whole (a day
    past the end of a shorter month becomes its last day), so the monthly
    history starts and ends on complete months, as the raw data does.
    """
    months = (today.year - day.year) * 12 + today.month - day.month
    while day + relativedelta(months=months) >= today:
        months -= 1
    return months


def _table(name: str, header: list[str], rows: list[list[str]]) -> TextTable:
    return TextTable(name=name, header=header, rows=rows)


def maven_tables(
    folder: Path, *, shift_months: int = 0, source: str = "maven"
) -> list[tuple[str, TextTable]]:
    """The dataset as (kind, table) pairs, in the order they must be imported, every date
    moved by ``shift_months`` whole months."""
    teams = _read(folder, "sales_teams.csv")
    accounts = _read(folder, "accounts.csv")
    prices = {row["product"]: float(row["sales_price"]) for row in _read(folder, "products.csv")}
    pipeline = _read(folder, "sales_pipeline.csv")
    shift = relativedelta(months=shift_months)

    def shifted(text: str) -> date | None:
        day = _day(text)
        return day + shift if day else None

    return [
        ("users", _users(teams)),
        ("accounts", _accounts(accounts, pipeline, shifted)),
        ("deals", _deals(pipeline, prices, shifted)),
        ("interactions", _interactions(pipeline, prices, shifted, source)),
    ]


def _users(teams: list[dict[str, str]]) -> TextTable:
    office_of = {row["sales_agent"]: row["regional_office"] for row in teams}
    for row in teams:
        office_of.setdefault(row["manager"], row["regional_office"])
    managers = sorted({row["manager"] for row in teams})

    def person(name: str, role: str, manager: str) -> list[str]:
        office = office_of[name]
        return [name, person_email(name), role, manager, office, OFFICE_ZONES[office], DIGEST_TIME]

    rows = [person(name, "manager", "") for name in managers]
    rows += [person(row["sales_agent"], "am", person_email(row["manager"])) for row in teams]
    header = ["name", "email", "role", "manager", "team", "timezone", "digest_time"]
    return _table("sales_teams.csv", header, rows)


def _accounts(
    accounts: list[dict[str, str]], pipeline: list[dict[str, str]], shifted: Shift
) -> TextTable:
    won_by: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    first_engaged: dict[str, date] = {}
    for row in pipeline:
        account = row["account"]
        if account and row["deal_stage"] == "Won":
            won_by[account][row["sales_agent"]] += float(row["close_value"] or 0)
        engaged = shifted(row["engage_date"])
        if account and engaged and engaged < first_engaged.get(account, date.max):
            first_engaged[account] = engaged

    def owner(account: str) -> str:
        totals = won_by.get(account)
        if not totals:
            return ""
        return person_email(max(sorted(totals), key=lambda agent: totals[agent]))

    header = ["name", "sector", "country", "annual_revenue", "employees", "founded_year",
              "owner", "customer_since", "status", "parent"]  # fmt: skip
    rows = [
        [
            row["account"],
            SECTOR_FIXES.get(row["sector"], row["sector"]),
            COUNTRY_FIXES.get(row["office_location"], row["office_location"]),
            repr(float(row["revenue"]) * 1_000_000),
            row["employees"],
            row["year_established"],
            owner(row["account"]),
            _iso(first_engaged.get(row["account"])),
            "active",
            row["subsidiary_of"],
        ]
        for row in accounts
    ]
    return _table("accounts.csv", header, rows)


def _amount(row: dict[str, str], prices: dict[str, float]) -> tuple[str, float]:
    product = PRODUCT_FIXES.get(row["product"], row["product"])
    won = STAGES[row["deal_stage"]] == "won"
    return product, float(row["close_value"]) if won else prices[product]


def _deals(pipeline: list[dict[str, str]], prices: dict[str, float], shifted: Shift) -> TextTable:
    header = ["external_id", "account", "owner", "product", "stage", "amount",
              "engaged_on", "closed_on"]  # fmt: skip
    rows = []
    for row in pipeline:
        product, amount = _amount(row, prices)
        rows.append(
            [
                row["opportunity_id"],
                row["account"],
                person_email(row["sales_agent"]),
                product,
                STAGES[row["deal_stage"]],
                repr(amount),
                _iso(shifted(row["engage_date"])),
                _iso(shifted(row["close_date"])),
            ]
        )
    return _table("sales_pipeline.csv", header, rows)


def _interactions(
    pipeline: list[dict[str, str]], prices: dict[str, float], shifted: Shift, source: str
) -> TextTable:
    """An engagement is a meeting at 10:00, a close a call at 15:00 (UTC)."""
    header = ["external_id", "account", "user", "kind", "occurred_at", "summary",
              "sentiment", "source"]  # fmt: skip
    rows = []
    for row in pipeline:
        if not row["account"]:
            continue
        product, amount = _amount(row, prices)
        key, agent = row["opportunity_id"], person_email(row["sales_agent"])
        engaged, closed = shifted(row["engage_date"]), shifted(row["close_date"])
        if engaged:
            summary = f"Engaged on {product} (opportunity {key})"
            rows.append([f"maven:{key}:engaged", row["account"], agent, "meeting",
                         _at(engaged, 10), summary, "", source])  # fmt: skip
        if closed:
            won = STAGES[row["deal_stage"]] == "won"
            outcome = f"Won {product}: ${amount:,.0f}" if won else f"Lost {product}"
            rows.append([f"maven:{key}:closed", row["account"], agent, "call", _at(closed, 15),
                         f"{outcome} (opportunity {key})",
                         "positive" if won else "negative", source])  # fmt: skip
    return _table("sales_pipeline.csv", header, rows)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()
