"""Bring a team's CRM data in and take everything out (``kam import``, ``kam export``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.actors import Actor
from core.backup import files_in_the_way, set_aside
from core.clock import utcnow
from core.errors import KamError
from core.transfer.export import FORMATS, export_all
from core.transfer.fields import IMPORTABLE, kind_of
from core.transfer.importer import ImportReport, import_file
from core.transfer.options import ImportOptions
from core.transfer.profiles import BUILT_IN, import_folder, load_profile
from kam.cli.context import DbOption, YesOption, confirm, session, settings
from kam.cli.progress import progress_bar

PROGRESS_FROM = 5_000
"""Imports of more rows than this show a progress bar (on stderr, in a terminal)."""
USAGE = (
    "Say what to import: `kam import accounts|contacts|deals|interactions|users FILE`, "
    "or a folder with a profile: `kam import --profile maven DIR`."
)


def _mapping(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        source, sep, target = pair.rpartition("=")
        if not sep or not source.strip():
            raise KamError(
                f"--map {pair!r}: write it as SOURCE COLUMN=FIELD, e.g. "
                '--map "Close Date=closed_on" (or "Column=" to ignore a column).'
            )
        out[source.strip()] = target.strip()
    return out


def _report(reports: list[ImportReport], dry_run: bool) -> None:
    for report in reports:
        typer.echo(report.summary())
    if dry_run:
        typer.echo("Dry run: every row was checked; nothing was written.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command("import")
    def import_(
        what: Annotated[
            str | None,
            typer.Argument(
                metavar="KIND", help="accounts, contacts, deals, interactions or users."
            ),
        ] = None,
        file: Annotated[
            Path | None, typer.Argument(metavar="FILE", help="The CSV file (UTF-8).")
        ] = None,
        mapping: Annotated[
            list[str] | None,
            typer.Option("--map", metavar="SRC=FIELD", help="Map a column to a kam field."),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check every row; write nothing.")
        ] = False,
        skip_invalid: Annotated[
            bool,
            typer.Option(
                "--skip-invalid",
                help="Write the valid rows; the others go to NAME.rejected.csv beside the file.",
            ),
        ] = False,
        date_format: Annotated[
            str | None,
            typer.Option("--date-format", metavar="FMT", help="e.g. %d/%m/%Y (day first)."),
        ] = None,
        profile: Annotated[
            str | None,
            typer.Option(
                "--profile",
                metavar="NAME|FILE.toml",
                help="maven (the sample dataset), kam (an export), or a saved TOML profile.",
            ),
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Import CSV files: checked row by row, all or nothing, again without duplicates."""
        options = ImportOptions(
            columns=_mapping(mapping or []),
            date_format=date_format,
            timezone=settings().kam_timezone,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        )
        actor = Actor.system("kam import")
        if what is None:
            raise KamError(USAGE)
        folder_import = file is None and profile is not None
        if folder_import:
            assert profile is not None
            with session(db) as s, progress_bar(min_total=PROGRESS_FROM) as bar:
                reports = import_folder(
                    profile, Path(what), session=s, now=utcnow(), actor=actor, options=options,
                    progress=bar,
                )  # fmt: skip
            _report(reports, dry_run)
            return
        try:
            kind = kind_of(what)
        except ValueError:
            kind = ""
        if kind not in IMPORTABLE or file is None:
            raise KamError(USAGE)
        if profile is not None:
            if profile in BUILT_IN:
                raise KamError(
                    f"The {profile} profile reads a folder: `kam import --profile {profile} DIR`."
                )
            options = load_profile(Path(profile)).options(kind, options)
        with session(db) as s, progress_bar(min_total=PROGRESS_FROM) as bar:
            report = import_file(
                kind, file, session=s, now=utcnow(), actor=actor, options=options, progress=bar
            )
        _report([report], dry_run)

    @app.command()
    def export(
        folder: Annotated[Path, typer.Argument(metavar="DIR", help="Where to write the files.")],
        fmt: Annotated[
            str, typer.Option("--format", help="csv (one file per kind) or json.")
        ] = "csv",
        yes: YesOption = False,
        db: DbOption = None,
    ) -> None:
        """Export everything a team cares about; `kam import --profile kam DIR` restores it.

        Files of an earlier export in DIR are moved aside (after asking) first."""
        if fmt not in FORMATS:
            raise KamError(f"Unknown format {fmt!r}; use csv or json.")
        if folder.exists() and not folder.is_dir():
            raise KamError(f"{str(folder)!r} is a file; name a folder to export into.")
        in_the_way = files_in_the_way(folder, fmt)
        if in_the_way:
            names = ", ".join(p.name for p in in_the_way[:3])
            if len(in_the_way) > 3:
                names += f" and {len(in_the_way) - 3} more"
            confirm(f"{folder} already holds an export ({names}); it would be replaced.", yes=yes)
            kept = set_aside(in_the_way, now=utcnow())
            typer.echo(f"Moved the earlier export aside: {kept.restore}.")
        with session(db) as s, progress_bar() as bar:
            counts = export_all(folder, session=s, fmt=fmt, progress=bar)
        listing = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        typer.echo(f"Exported to {folder}: {listing}.")
        typer.echo(f"Restore into an empty database with: kam import --profile kam {folder}")
