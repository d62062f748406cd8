"""What a destructive command would destroy, and the copy kept before it does.

``kam demo --reset`` replaces a whole database and ``kam export`` writes over the
files of an earlier export. Before either, :func:`holdings` and :func:`files_in_the_way`
say what would go, the front end asks (or refuses without ``--yes``), and
:func:`back_up_database` or :func:`set_aside` keeps a copy whose place the user is told.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from core.db import Engine, session_scope
from core.models import Account, AuditEvent, Interaction, User
from core.transfer.export import ORDER, export_all


@dataclass(frozen=True)
class Holdings:
    """How much a database holds, in the records people would miss."""

    accounts: int
    people: int
    interactions: int
    audit_events: int

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def __str__(self) -> str:
        held = [
            f"{getattr(self, f.name):,} {f.name.replace('_', ' ')}"
            for f in fields(self)
            if getattr(self, f.name)
        ]
        return ", ".join(held) or "nothing"


def holdings(*, session: Session) -> Holdings:
    """Count what the database holds."""

    def count(model: type) -> int:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    return Holdings(count(Account), count(User), count(Interaction), count(AuditEvent))


@dataclass(frozen=True)
class Backup:
    """A copy kept before something was replaced: where it is and how to bring it back."""

    place: Path
    restore: str


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def back_up_database(engine: Engine, *, now: datetime, folder: Path) -> Backup:
    """Keep a copy of the whole database before it is replaced.

    SQLite: a consistent copy of the file beside it (SQLite's online backup, safe while
    others read and write). PostgreSQL: an export of everything ``kam import --profile
    kam`` restores, into ``folder``; the audit trail and reminder history need the
    server's own pg_dump, which the restore sentence says.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        source = Path(str(url.database))
        copy = source.with_name(f"{source.name}.{_stamp(now)}.backup")
        live, kept = sqlite3.connect(source), sqlite3.connect(copy)
        try:
            live.backup(kept)
        finally:
            kept.close()
            live.close()
        return Backup(
            copy,
            f"to go back, use it as it is (--db sqlite:///{copy}) or, with no kam running, "
            f"copy it over {source}",
        )
    place = folder / f"kam-backup-{_stamp(now)}"
    with session_scope(engine) as session:
        export_all(place, session=session)
    return Backup(
        place,
        f"to go back, `kam import --profile kam {place}` into an empty database "
        "(a complete copy, audit trail included, is pg_dump's to make)",
    )


def files_in_the_way(folder: Path, fmt: str) -> list[Path]:
    """The files of an earlier export that exporting ``fmt`` into ``folder`` would replace."""
    return [p for p in (folder / f"{kind}.{fmt}" for kind in ORDER) if p.exists()]


def set_aside(files: list[Path], *, now: datetime) -> Backup:
    """Move ``files`` (all in one folder) into a dated folder beside it."""
    folder = files[0].parent.resolve()
    place = folder.with_name(f"{folder.name}-before-{_stamp(now)}")
    place.mkdir(parents=True, exist_ok=False)
    for path in files:
        path.rename(place / path.name)
    return Backup(place, f"the files it held are in {place}")
