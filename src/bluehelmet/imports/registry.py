"""The importers for files in other layouts than bluehelmet's own columns, by the name users give."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluehelmet.imports.tables import TableRow, read_table, with_rows
from bluehelmet.services.loading import Converter

__all__ = ["IMPORTERS", "Importer", "register", "table_importer"]


@dataclass(frozen=True)
class Importer:
    """Reads a file of one layout into rows of one kind of record."""

    name: str
    kind: str
    description: str
    rows: Callable[[Path], Iterator[tuple[int, Mapping[str, Any]]]]
    convert: Converter | None = None


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    IMPORTERS[importer.name] = importer
    return importer


def table_importer(kind: str) -> Importer:
    """bluehelmet's own layout for ``kind``: the columns `bluehelmet template` writes."""

    def rows(path: Path) -> Iterator[TableRow]:
        return with_rows(path, read_table(path))

    return Importer(kind, kind, f"{kind} records in bluehelmet's columns", rows)
