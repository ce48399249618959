"""The importers for files in other layouts than bluehelmet's own columns, by the name users give."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluehelmet.imports.tables import TableRow, read_table, with_rows
from bluehelmet.services import loading
from bluehelmet.services.column_load import ColumnReader, load_columns
from bluehelmet.services.database import Database
from bluehelmet.services.load_report import LoadReport
from bluehelmet.services.loading import Converter

__all__ = ["IMPORTERS", "Importer", "NotColumnar", "import_file", "register", "table_importer"]


@dataclass(frozen=True)
class Importer:
    """Reads a file of one layout into rows of one kind of record."""

    name: str
    kind: str
    description: str
    rows: Callable[[Path], Iterator[tuple[int, Mapping[str, Any]]]]
    convert: Converter | None = None
    #: The file read in columns (``services/column_load.py``), for layouts that have it.
    columns: Callable[[Path], ColumnReader] | None = None


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    IMPORTERS[importer.name] = importer
    return importer


def table_importer(kind: str) -> Importer:
    """bluehelmet's own layout for ``kind``: the columns `bluehelmet template` writes."""

    def rows(path: Path) -> Iterator[TableRow]:
        return with_rows(path, read_table(path))

    description = f"{kind} records in bluehelmet's columns"
    if kind.replace("_", "").lower() == "incident":  # the large files: in columns when the file suits it
        return Importer(kind, kind, description, rows, loading.text_converter, _incident_columns)
    return Importer(kind, kind, description, rows)


def _incident_columns(path: Path) -> ColumnReader:
    """A file of incidents in columns. Imported when used: pyarrow takes a while to load."""
    from bluehelmet.imports.table_columns import table_columns  # noqa: PLC0415

    return table_columns(path)


class NotColumnar(Exception):
    """A reader in columns cannot read this file as the row path does: it is read row by row."""


def import_file(
    db: Database,
    actor: str,
    importer: Importer,
    path: Path,
    *,
    mission: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    source: str | None = None,
) -> LoadReport:
    """Load ``path`` with ``importer``, all or nothing: in columns when the layout has a
    columnar reader and the file suits it, else row by row. The report is the same either way;
    its ``source`` is ``source`` if given (an upload's own name), else the importer's and the file's."""
    source = source or f"{importer.name} import: {path.name}"
    if importer.columns is not None and importer.convert is not None:
        try:
            reader = importer.columns(path)
            return load_columns(db, actor, importer.kind, reader, mission=mission, source=source, dry_run=dry_run,
                                convert=importer.convert, progress=progress)  # fmt: skip
        except NotColumnar:
            pass  # nothing was written: the transaction rolled back
    return loading.load(db, actor, importer.kind, importer.rows(path), mission=mission, source=source,
                        dry_run=dry_run, convert=importer.convert, progress=progress)  # fmt: skip
