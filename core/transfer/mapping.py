"""Which column of a file fills which kam field: --map first, then the usual names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.transfer.fields import Entity, Field, normalise
from core.transfer.problems import FileProblem
from core.transfer.table import TextTable


@dataclass(frozen=True)
class Mapped:
    """A column of the file and the field it fills."""

    index: int
    heading: str
    field: Field


def map_columns(
    table: TextTable, entity: Entity, overrides: Mapping[str, str]
) -> tuple[list[Mapped], list[str]]:
    """The mapped columns, and the headings no field takes (ignored, and reported).

    --map comes first, then headings that are a field's own name, then the
    usual spellings ("Close Date") for the fields still free.
    """
    by_heading = {h: i for i, h in enumerate(table.header)}
    by_normal = {normalise(h): i for i, h in enumerate(table.header)}
    chosen: dict[int, str | None] = {}
    for source, target in overrides.items():
        index = by_heading.get(source, by_normal.get(normalise(source)))
        if index is None:
            raise FileProblem(
                f"--map {source}={target}: {table.name} has no column {source!r}. "
                f"Its columns are: {_listing(table.header)}."
            )
        if target.strip() in ("", "-"):
            chosen[index] = None
            continue
        name = entity.aliases.get(normalise(target))
        if name is None or normalise(target) != normalise(name):
            raise FileProblem(
                f"--map {source}={target}: {entity.kind} have no field {target!r}. "
                f"The fields are: {', '.join(entity.fields)}."
            )
        chosen[index] = name
    exact = {normalise(name): name for name in entity.fields}
    for index, heading in enumerate(table.header):
        if index not in chosen and normalise(heading) in exact:
            chosen[index] = exact[normalise(heading)]
    taken = {entity.fields[name].column for name in chosen.values() if name}
    for index, heading in enumerate(table.header):
        if index not in chosen:
            name = entity.aliases.get(normalise(heading))
            chosen[index] = None if name and entity.fields[name].column in taken else name
    mapped: list[Mapped] = []
    by_column: dict[str, Mapped] = {}
    for index, name in sorted(chosen.items()):
        if name is None:
            continue
        field = entity.fields[name]
        other = by_column.get(field.column)
        if other is not None:
            raise FileProblem(
                f"{table.name}: both {other.heading!r} and {table.header[index]!r} give the "
                f"{entity.label}'s {other.field.name.replace('_', ' ')}. Keep one, e.g. with "
                f'--map "{table.header[index]}=" to ignore the second.'
            )
        item = Mapped(index, table.header[index], field)
        mapped.append(item)
        by_column[field.column] = item
    have = {m.field.name for m in mapped}
    missing = [n for n in entity.needs_columns if n not in have and not _covered(n, entity, have)]
    if missing:
        wanted = ", ".join(repr(n) for n in missing)
        raise FileProblem(
            f"{table.name} has no column for the {entity.label}'s {wanted}. Name a column "
            f'{missing[0]!r}, or map yours with --map "YOUR COLUMN={missing[0]}". '
            f"Its columns are: {_listing(table.header)}."
        )
    ignored = [table.header[i] for i, name in sorted(chosen.items()) if name is None]
    return mapped, ignored


def _covered(name: str, entity: Entity, have: set[str]) -> bool:
    """A needed field given through another field of the same column (contact / contact_id)."""
    column = entity.fields[name].column
    return any(entity.fields[h].column == column for h in have)


def _listing(headings: list[str], limit: int = 20) -> str:
    shown = ", ".join(repr(h) for h in headings[:limit])
    return shown + (f" and {len(headings) - limit:,} more" if len(headings) > limit else "")
