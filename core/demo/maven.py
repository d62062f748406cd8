"""The demo portfolio: the real CRM sample dataset shipped with kam (see maven-crm/SOURCE.txt).

85 accounts, 35 sales agents under 6 managers, 8,800 opportunities from
October 2016 to December 2017, loaded through the ordinary import
(:mod:`core.transfer.maven` handles the dataset's quirks). What is the demo's
own concern: dates are moved by whole months so the dataset's last month is the
last complete month before today (its last close as close to yesterday as whole
months allow), which makes the demo look like a live portfolio whose monthly
history begins and ends on complete months; and it loads only into an empty
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlmodel import Session, func, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.errors import KamError
from core.models import Account
from core.transfer.importer import import_table
from core.transfer.maven import (
    EMAIL_DOMAIN,
    last_close,
    maven_tables,
    months_to_before,
    person_email,
)

DEMO_MARKER = "load_demo"
__all__ = ["DEMO_MARKER", "EMAIL_DOMAIN", "DemoSummary", "data_dir", "load_maven", "person_email"]


@dataclass(frozen=True)
class DemoSummary:
    """What a demo load wrote."""

    users: int
    accounts: int
    deals: int
    interactions: int
    shift_months: int


def data_dir() -> Path:
    """The folder of the shipped dataset."""
    return Path(str(resources.files("core.demo").joinpath("maven-crm")))


def load_maven(
    *, session: Session, now: datetime | None = None, folder: Path | None = None
) -> DemoSummary:
    """Load the dataset into an empty database, dates moved by whole months so that its
    last month is the last complete one before today."""
    folder = folder or data_dir()
    now = now or utcnow()
    if session.exec(select(func.count()).select_from(Account)).one():
        raise KamError(
            "The database already has accounts; the demo loads into an empty one. "
            "Use `kam demo --reset` to replace everything with the demo."
        )
    shift = months_to_before(last_close(folder), now.date())
    actor = Actor.system("kam demo")
    created = {
        kind: import_table(kind, table, session=session, now=now, actor=actor).created
        for kind, table in maven_tables(folder, shift_months=shift, source="demo")
    }
    summary = DemoSummary(
        users=created["users"],
        accounts=created["accounts"],
        deals=created["deals"],
        interactions=created["interactions"],
        shift_months=shift,
    )
    audit.record(
        DEMO_MARKER,
        "portfolio",
        None,
        session=session,
        actor=actor,
        after={"dataset": "maven-crm", **summary.__dict__},
    )
    return summary
