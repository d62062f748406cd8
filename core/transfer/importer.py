"""One import from start to finish: map, check every row, then write or refuse.

With any problem nothing is written and :class:`ImportRejected` lists them,
unless ``skip_invalid`` is set: then the good rows are written and the others
go to a CSV file beside the input. ``dry_run`` checks and counts, writing nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import NotRequired, ParamSpec, TypedDict, TypeVar, Unpack

from sqlmodel import Session

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.progress import Progress
from core.transfer import csvfile
from core.transfer.check import Checked, check
from core.transfer.fields import Entity
from core.transfer.fields import entity as entity_of
from core.transfer.mapping import map_columns
from core.transfer.options import ImportOptions
from core.transfer.problems import ImportRejected, RowProblem
from core.transfer.refs import References
from core.transfer.table import TextTable
from core.transfer.write import Plan, plan, reset_sequences, write


class ImportRun(TypedDict):
    """What every import entry point takes as keywords: the session it writes in, the
    moment and who imports (for the audit trail), how, and who hears how far it got."""

    session: Session
    now: datetime
    actor: Actor
    options: NotRequired[ImportOptions | None]
    progress: NotRequired[Progress | None]


P = ParamSpec("P")
R = TypeVar("R")


def without_gc_pauses(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with Python's cycle collector paused.

    An import makes millions of small lists and dicts that hold no cycles; the
    collector would rescan them all again and again (a third of a million-row
    import's time). It is switched back on, as it was, when the import ends.
    """

    @wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()

    return paused


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    file: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    earlier_rejects: str | None = None
    """Where an earlier run's file of rejected rows was moved, rather than overwritten."""
    problems: list[RowProblem] = field(default_factory=list)

    def summary(self) -> str:
        """One line a person reads: counts, and where the rejected rows went."""
        verb = "would be" if self.dry_run else "were"
        text = (
            f"{self.file}: {self.rows:,} {self.kind} rows; {self.created:,} {verb} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged"
        )
        if self.rejected:
            text += f", {self.rejected:,} rejected"
            if self.rejects_file:
                text += f" (see {self.rejects_file})"
            if self.earlier_rejects:
                text += f"; the earlier rejected rows are kept in {self.earlier_rejects}"
        if self.ignored_columns:
            text += f". Ignored columns: {', '.join(self.ignored_columns)}"
        return text + "."


@without_gc_pauses
def import_table(kind: str, table: TextTable, **run: Unpack[ImportRun]) -> ImportReport:
    """Import one table of ``kind`` records; raise ImportRejected when rows are wrong."""
    session, now, progress = run["session"], run["now"], run.get("progress")
    options = run.get("options") or ImportOptions()
    entity = entity_of(kind, with_id=options.keep_ids)
    mapped, ignored = map_columns(table, entity, options.columns)
    total = len(table.rows)

    def checking(share: float) -> None:
        if progress:
            progress("Checking", int(share * total), total)

    checking(0)
    checked = check(
        table,
        entity,
        mapped,
        refs=References(session),
        options=options,
        now=now,
        progress=checking,
    )
    todo = plan(entity, checked, session=session, file=table.name)
    report = ImportReport(
        kind=kind,
        file=table.name,
        rows=total + len(table.odd_rows),
        dry_run=options.dry_run,
        ignored_columns=ignored,
        problems=_ordered(checked),
    )
    report.rejected = len(checked.bad) + len(table.odd_rows)
    if report.problems and not options.skip_invalid:
        raise ImportRejected(table.name, report.problems)
    report.created, report.updated, report.unchanged = (
        len(todo.creates),
        len(todo.updates),
        todo.unchanged,
    )
    if options.dry_run:
        return report
    _write(entity, checked, todo, session=session, now=now, progress=progress)
    if options.keep_ids:
        reset_sequences(session, [entity.table_name])
    audit.record(
        "import",
        entity.table_name,
        None,
        session=session,
        actor=run["actor"],
        after={
            "file": table.name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
        },
    )
    return report


def _ordered(checked: Checked) -> list[RowProblem]:
    return sorted(checked.problems, key=lambda p: p.row)


def _write(
    entity: Entity,
    checked: Checked,
    todo: Plan,
    *,
    session: Session,
    now: datetime,
    progress: Progress | None,
) -> None:
    total = len(todo.creates) + len(todo.updates)
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress:
            progress("Writing", done, total)

    write(entity, checked, todo, session=session, now=now, progress=advance)


@without_gc_pauses
def import_file(kind: str, path: Path, **run: Unpack[ImportRun]) -> ImportReport:
    """Import a CSV file; rejected rows (with --skip-invalid) go beside it."""
    options = run.get("options") or ImportOptions()
    table = csvfile.read_csv(path)
    report = import_table(kind, table, **run)
    if report.rejected and options.skip_invalid and not options.dry_run:
        target = path.with_name(f"{path.stem}.rejected.csv")
        if target.exists():  # an earlier run's: kept under a dated name, never overwritten
            kept = target.with_name(f"{path.stem}.rejected.{utcnow():%Y%m%d-%H%M%S}.csv")
            target.rename(kept)
            report.earlier_rejects = str(kept)
        report.rejects_file = str(write_rejects(target, table, report.problems))
    return report


def write_rejects(target: Path, table: TextTable, problems: list[RowProblem]) -> Path:
    """The refused rows as they were, each with what was wrong, in ``target``
    (NAME.rejected.csv beside the file)."""
    by_row: dict[int, list[str]] = {}
    for problem in problems:
        by_row.setdefault(problem.row, []).append(
            f"{problem.column}: {problem.message}" if problem.column else problem.message
        )
    rows_at = {number: i for i, number in enumerate(table.numbers)}
    lines = []
    for number, messages in sorted(by_row.items()):
        raw = table.odd_rows.get(number)
        if raw is None:
            raw = table.rows[rows_at[number]]
        lines.append([str(number), "; ".join(messages), *raw])
    csvfile.write_csv(target, ["row", "problem", *table.header], lines)
    return target
