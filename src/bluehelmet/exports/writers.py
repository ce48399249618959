"""Writing rows to CSV, XLSX, GeoJSON and HXL as they come, without holding the whole export.

Cells are written as :mod:`bluehelmet.services.exchange` made them: text a spreadsheet would
run as a formula already carries a leading apostrophe. CSV is UTF-8 with a byte-order mark so
that spreadsheet programs read accents right.
"""

from __future__ import annotations

import csv
import io
import json
import json.encoder
import math
import operator
from collections.abc import Iterable, Iterator
from pathlib import Path

from bluehelmet.services.exchange import Column, describe, sheet_text
from bluehelmet.services.exporting import ExportRow

__all__ = ["FORMATS", "csv_chunks", "geojson_chunks", "hxl_tag", "write", "write_template"]

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
    counted = _Counted(rows)
    with path.open("w", encoding="utf-8-sig" if fmt in ("csv", "hxl") else "utf-8", newline="") as handle:
        chunks = geojson_chunks(names, counted) if fmt == "geojson" else csv_chunks(names, counted, fmt == "hxl")
        for chunk in chunks:
            handle.write(chunk)
    return counted.count


class _Counted:
    """The rows, counting those handed out."""

    def __init__(self, rows: Iterable[ExportRow]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[ExportRow]:
        for row in self.rows:
            self.count += 1
            yield row


#: Rows gathered into one piece of text before it is written.
_CHUNK_ROWS = 1000


def csv_chunks(names: list[str], rows: Iterable[ExportRow], hxl: bool = False, *, header: bool = True) -> Iterator[str]:
    """The text of a CSV file (without its byte-order mark), a thousand rows at a time:
    exactly what :func:`csv.writer` writes (QUOTE_MINIMAL, CRLF line ends). Without
    ``header``, the rows alone (a later part of a file written in parts).

    A row none of whose cells holds a comma, a double quote or a line break needs no quoting,
    and ``csv.writer`` writes it as its cells joined by commas: such rows (nearly all) are
    joined directly, several times faster; any other row is written by ``csv.writer``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(names)
        if hxl:
            writer.writerow([hxl_tag(n) for n in names])
    commas = len(names) - 1
    lines = [buffer.getvalue()]
    for count, row in enumerate(rows, start=1):
        line = ",".join(row.values)
        if commas > 0 and line.count(",") == commas and '"' not in line and "\n" not in line and "\r" not in line:
            lines.append(line + "\r\n")
        else:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(row.values)
            lines.append(buffer.getvalue())
        if count % _CHUNK_ROWS == 0:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


_json_text = json.encoder.encode_basestring  # a string as json.dumps(..., ensure_ascii=False) writes it


def _geometry(row: ExportRow) -> str:
    lon, lat = row.longitude, row.latitude
    if lat is None or lon is None:
        return "null"
    if lon.__class__ is float and lat.__class__ is float and math.isfinite(lon) and math.isfinite(lat):
        return f'{{"type": "Point", "coordinates": [{lon!r}, {lat!r}]}}'
    return json.dumps({"type": "Point", "coordinates": [lon, lat]}, ensure_ascii=False)


def geojson_chunks(
    names: list[str], rows: Iterable[ExportRow], *, opening: bool = True, closing: bool = True
) -> Iterator[str]:
    """The text of a GeoJSON FeatureCollection, a thousand features at a time, one feature a
    line: exactly ``json.dumps(feature, ensure_ascii=False)`` of ``{"type": "Feature",
    "geometry": a Point or null, "properties": the cells by column}``, put together from the
    JSON text of each cell (the same encoder json.dumps uses) rather than through a dict.

    JSON writes a string as it is between quotes unless it holds a quote, a backslash or a
    control character: a row with none of these (nearly all) is put into a template of its
    properties in one step; any other row has each cell encoded.

    A file written in parts: the first part without ``closing``, the others without
    ``opening`` (each of their features then follows a comma), the last with ``closing``."""
    keys = [(", " if i else "") + _json_text(name) + ": " for i, name in enumerate(names)]
    head, tail = '{"type": "Feature", "geometry": ', "}}\n"
    # One template for the whole feature line: its geometry, then every cell between quotes.
    template = head + '%s, "properties": {' + "".join(key.replace("%", "%%") + '"%s"' for key in keys) + tail
    add, text = operator.add, _json_text
    lines = ['{"type": "FeatureCollection", "features": [\n'] if opening else []
    for count, row in enumerate(rows, start=0 if opening else 1):
        values = row.values
        joined = "".join(values)
        if '"' not in joined and "\\" not in joined and joined.isprintable():
            feature = template % (_geometry(row), *values)
        else:
            properties = "".join(map(add, keys, map(text, values)))
            feature = f'{head}{_geometry(row)}, "properties": {{{properties}{tail}'
        lines.append("," + feature if count else feature)
        if (count + 1) % _CHUNK_ROWS == 0:
            yield "".join(lines)
            lines = []
    if closing:
        lines.append("]}\n")
    yield "".join(lines)


def _typed(column: Column, text: str) -> object:
    """XLSX cells of numeric columns as numbers, so a spreadsheet can sum them; text with what
    the sheet's XML cannot hold escaped (``exchange.sheet_text``)."""
    if text and column.kind == "integer":
        return int(text)
    if text and column.kind == "number":
        return float(text)
    return sheet_text(text)


def _write_xlsx(path: Path, columns: list[Column], rows: Iterable[ExportRow], descriptions: bool = False) -> int:
    from openpyxl import Workbook  # noqa: PLC0415 - only spreadsheets need it

    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append([c.name for c in columns])
    if descriptions:
        sheet.append([describe(c) for c in columns])
    count = 0
    for row in rows:
        sheet.append([_typed(c, text) for c, text in zip(columns, row.values, strict=True)])
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
