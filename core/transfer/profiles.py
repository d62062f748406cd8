"""Saved import profiles: built-in ones (maven, kam) and TOML files a team writes once.

A TOML profile says, per kind, which file to read (for a folder import), how
its columns map to kam's fields, how source values translate, and the date
format::

    date_format = "%d/%m/%Y"          # for every file, unless a kind says otherwise

    [deals]
    file = "opportunities.csv"        # used by `kam import --profile FILE.toml DIR`
    [deals.columns]
    "Opportunity Name" = "product"
    "Internal Notes" = ""             # ignore this column
    [deals.values.stage]
    "Closed Won" = "won"
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Unpack

from sqlalchemy import func, select

from core.errors import KamError
from core.transfer import csvfile, maven
from core.transfer.export import ORDER, cell, restored
from core.transfer.fields import IMPORTABLE, MODELS
from core.transfer.importer import ImportReport, ImportRun, import_file, import_table
from core.transfer.options import ImportOptions
from core.transfer.problems import FileProblem
from core.transfer.table import TextTable

BUILT_IN = ("maven", "kam")


@dataclass(frozen=True)
class KindProfile:
    """How one kind's file is read."""

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: str | None = None


@dataclass(frozen=True)
class Profile:
    """A saved profile: per kind, its file, column map and value translations."""

    name: str
    kinds: dict[str, KindProfile]

    def options(self, kind: str, base: ImportOptions) -> ImportOptions:
        """``base`` with this profile's settings for ``kind``; the command line wins."""
        own = self.kinds.get(kind, KindProfile())
        return replace(
            base,
            columns={**own.columns, **base.columns},
            values={**own.values, **base.values},
            date_format=base.date_format or own.date_format,
        )


def load_profile(path: Path) -> Profile:
    """Read a TOML profile, saying exactly what is wrong with a bad one."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KamError(
            f"There is no profile {str(path)!r}. Name a TOML file, or one of: "
            f"{', '.join(BUILT_IN)}."
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KamError(f"The profile {path.name} is not valid TOML: {exc}.") from exc
    default_format = _text(data.pop("date_format", None), path, "date_format")
    kinds: dict[str, KindProfile] = {}
    for kind, section in data.items():
        if kind not in MODELS or not isinstance(section, dict):
            raise KamError(
                f"The profile {path.name} has a section [{kind}]; sections are named for "
                f"what they import: {', '.join(IMPORTABLE)}."
            )
        kinds[kind] = KindProfile(
            file=_text(section.get("file"), path, f"{kind}.file"),
            columns=_strings(section.get("columns", {}), path, f"{kind}.columns"),
            values={
                f: _strings(v, path, f"{kind}.values.{f}")
                for f, v in _table(section.get("values", {}), path, f"{kind}.values").items()
            },
            date_format=_text(section.get("date_format"), path, f"{kind}.date_format")
            or default_format,
        )
    return Profile(name=path.stem, kinds=kinds)


def _text(value: Any, path: Path, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise KamError(f"In the profile {path.name}, {where} must be text in quotes.")
    return value


def _table(value: Any, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise KamError(f"In the profile {path.name}, [{where}] must be a table.")
    return value


def _strings(value: Any, path: Path, where: str) -> dict[str, str]:
    table = _table(value, path, where)
    for key, item in table.items():
        if not isinstance(item, str):
            raise KamError(f'In the profile {path.name}, [{where}] "{key}" must be text.')
    return dict(table)


def import_folder(profile: str, folder: Path, **run: Unpack[ImportRun]) -> list[ImportReport]:
    """Import a folder of files with a profile: maven, kam (an export), or a TOML file."""
    options = run.get("options") or ImportOptions()
    if not folder.is_dir():
        raise KamError(f"{str(folder)!r} is not a folder. `kam import --profile NAME DIR`.")
    if profile == "maven":
        return [import_table(kind, table, **run) for kind, table in maven.maven_tables(folder)]
    if profile == "kam":
        return restore(folder, **run)
    saved = load_profile(Path(profile))
    reports = []
    for kind in ORDER:
        own = saved.kinds.get(kind)
        if own is None or own.file is None:
            continue
        run["options"] = saved.options(kind, options)
        reports.append(import_file(kind, folder / own.file, **run))
    if not reports:
        raise KamError(f"The profile {saved.name} names no file to read; give each kind a file.")
    return reports


def restore(folder: Path, **run: Unpack[ImportRun]) -> list[ImportReport]:
    """Rebuild an export (``kam export DIR``) in an empty database, ids and all."""
    session = run["session"]
    for kind in ORDER:
        model = MODELS[kind]
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            raise KamError(
                f"The database already holds {kind}; an export is restored into an empty "
                "database (`kam init --db NEW`). To add a single file, use `kam import KIND FILE`."
            )
    found = {k: p for k in ORDER for p in (folder / f"{k}.csv", folder / f"{k}.json") if p.exists()}
    if not found:
        raise KamError(
            f"{folder} holds no export; `kam export DIR` writes users.csv, accounts.csv…"
        )
    run["options"] = replace(run.get("options") or ImportOptions(), keep_ids=True)
    return [import_table(kind, _read_export(found[kind]), **run) for kind in ORDER if kind in found]


def _read_export(path: Path) -> TextTable:
    if path.suffix == ".csv":
        table = csvfile.read_csv(path)
        return replace(table, rows=[[restored(c) for c in row] for row in table.rows])
    try:
        records = json.loads(csvfile.decode(path.read_bytes(), path.name))
    except ValueError as exc:
        raise FileProblem(f"{path.name} is not valid JSON: {exc}.") from exc
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise FileProblem(f"{path.name} must hold a list of records.")
    header = list(dict.fromkeys(k for r in records for k in r))
    rows = [[cell(r.get(k)) for k in header] for r in records]
    return TextTable(name=path.name, header=header, rows=rows)
