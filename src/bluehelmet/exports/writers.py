"""Writing rows to CSV, XLSX, GeoJSON and HXL as they come, without holding the whole export.

Cells are written as :mod:`bluehelmet.services.exchange` made them: text a spreadsheet would
run as a formula already carries a leading apostrophe. CSV is UTF-8 with a byte-order mark so
that spreadsheet programs read accents right.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from bluehelmet.services.exchange import Column, describe
from bluehelmet.services.exporting import ExportRow

__all__ = ["FORMATS", "hxl_tag", "write", "write_template"]

FORMATS = ("csv", "xlsx", "geojson", "hxl")

# The HXL hashtags of the columns humanitarian tools know; other columns get a #x_ tag.
_HXL = {
    "external_id": "#event+code",
    "event_date": "#date+occurred",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "category": "#event+category",
    "admin1": "#adm1+name",
    "admin2": "#adm2+name",
    "admin3": "#adm3+name",
    "location_name": "#loc+name",
    "location": "#loc+name+ref",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "fatalities": "#affected+killed",
    "actor1": "#group+name+first",
    "actor2": "#group+name+second",
    "notes": "#description",
    "source": "#meta+source",
    "name": "#name",
    "sector": "#loc+sector",
    "unit": "#org+unit",
    "country": "#country+name",
    "provenance": "#meta+provenance",
}


def hxl_tag(column: str) -> str:
    return _HXL.get(column, f"#x_{column}")


def write(fmt: str, path: Path, columns: list[Column], rows: Iterable[ExportRow]) -> int:
    """Write ``rows`` to ``path`` in ``fmt``; returns how many were written."""
    names = [c.name for c in columns]
    if fmt == "xlsx":
        return _write_xlsx(path, columns, rows)
    with path.open("w", encoding="utf-8-sig" if fmt in ("csv", "hxl") else "utf-8", newline="") as handle:
        if fmt == "geojson":
            return _write_geojson(handle, rows)
        writer = csv.writer(handle)
        writer.writerow(names)
        if fmt == "hxl":
            writer.writerow([hxl_tag(n) for n in names])
        count = 0
        for row in rows:
            writer.writerow([row.cells[n] for n in names])
            count += 1
        return count


def _write_geojson(handle: IO[str], rows: Iterable[ExportRow]) -> int:
    handle.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for row in rows:
        geometry = (
            {"type": "Point", "coordinates": [row.longitude, row.latitude]}
            if row.latitude is not None and row.longitude is not None
            else None
        )
        feature = {"type": "Feature", "geometry": geometry, "properties": row.cells}
        handle.write(("," if count else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        count += 1
    handle.write("]}\n")
    return count


def _typed(column: Column, text: str) -> object:
    """XLSX cells of numeric columns as numbers, so a spreadsheet can sum them."""
    if text and column.kind == "integer":
        return int(text)
    if text and column.kind == "number":
        return float(text)
    return text


def _write_xlsx(path: Path, columns: list[Column], rows: Iterable[ExportRow], descriptions: bool = False) -> int:
    from openpyxl import Workbook  # noqa: PLC0415 - only spreadsheets need it

    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append([c.name for c in columns])
    if descriptions:
        sheet.append([describe(c) for c in columns])
    count = 0
    for row in rows:
        sheet.append([_typed(c, row.cells[c.name]) for c in columns])
        count += 1
    book.save(path)
    return count


def write_template(fmt: str, path: Path, columns: list[Column]) -> None:
    """A blank file with the column names and, in the second row, what each column holds."""
    if fmt == "xlsx":
        _write_xlsx(path, columns, [], descriptions=True)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in columns])
        writer.writerow([describe(c) for c in columns])
