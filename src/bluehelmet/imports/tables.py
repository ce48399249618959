"""Reading CSV and XLSX tables row by row, in constant memory, with the file's own row numbers.

A CSV must be UTF-8 (with or without a byte-order mark); its delimiter may be a comma, a
semicolon (French spreadsheets) or a tab. The first row names the columns; a template's second
row of column descriptions is skipped; empty rows are skipped (``with_rows`` refuses a file
that has nothing else, for an import). Row numbers are those a person sees in a spreadsheet: the header is row 1.

Hostile files are refused as a whole, with the reason: a cell longer than ``MAX_FIELD``
characters (a runaway quote), an XLSX whose parts would unpack to more than ``MAX_UNPACKED``
bytes or unpack like a zip bomb (``MAX_RATIO``), anything that is not UTF-8 or not a workbook.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services.exchange import text_from_sheet

__all__ = [
    "MAX_FIELD",
    "MAX_RATIO",
    "MAX_UNPACKED",
    "FileProblem",
    "TableRow",
    "check_workbook",
    "count_rows",
    "is_description_row",
    "read_table",
    "with_rows",
]

TableRow = tuple[int, dict[str, str]]
_DESCRIPTION_MARKS = ("[required]", "[optional]")
#: The largest CSV field accepted, in characters (a guard against a runaway quoted field).
MAX_FIELD = 1_000_000
#: The most an XLSX may unpack to, all parts together (a 50 MB upload of real data unpacks to a
#: few hundred MB), and the compression ratio past which a large part is taken for a zip bomb
#: (worksheets compress 5 to 30 times; a bomb, about a thousand).
MAX_UNPACKED = 2 * 1024**3
MAX_RATIO = 200
_LARGE_PART = 50 * 1024**2


try:
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
except ImportError:  # refused when a workbook is read (see _read_xlsx)

    class DefusedXmlException(ValueError):  # type: ignore[no-redef]
        """Stands in for defusedxml's error when it is not installed."""


class FileProblem(BluehelmetError):
    """The file as a whole cannot be read (wrong encoding, no header, not a spreadsheet)."""

    def __init__(self, path: Path, reason: str, row: int | None = None) -> None:
        where = f", row {row}" if row is not None else ""
        super().__init__(f"{path.name}{where}: {reason}")


def is_description_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(c.strip().startswith(_DESCRIPTION_MARKS) for c in filled)


def read_table(path: Path) -> Iterator[TableRow]:
    """Rows of a CSV or XLSX file as {column: text}, with their row numbers."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return _read_csv(path)
    raise FileProblem(path, f"cannot read '{suffix}' files: give a .csv or .xlsx file")


def _header(path: Path, cells: list[str]) -> list[str]:
    names = [c.strip().lstrip("\ufeff").strip() for c in cells]  # a second byte-order mark, from a careless join
    if not any(names):
        raise FileProblem(path, "the first row must name the columns", row=1)
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise FileProblem(path, f"column '{name}' appears twice in the header", row=1)
        seen.add(name)
    return names


def _read_csv(path: Path) -> Iterator[TableRow]:
    csv.field_size_limit(MAX_FIELD)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            sample = handle.read(64 * 1024)
        except UnicodeDecodeError as error:
            raise FileProblem(path, f"is not UTF-8 text ({error.reason}); save it as 'CSV UTF-8'") from None
        handle.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] or ",", delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        # Only the delimiter is guessed from the header: the rest is Excel's CSV, so a doubled
        # quote inside a quoted cell stays one quote (a sniffer shown no quotes guesses otherwise).
        reader = csv.reader(handle, csv.excel, delimiter=delimiter)
        yield from _rows(path, reader)


def _rows(path: Path, reader: Any) -> Iterator[TableRow]:
    try:
        first = next(reader, None)
        if first is None:
            raise FileProblem(path, "is empty")
        header = _header(path, first)
        row_number = 1
        for cells in reader:
            row_number += 1
            if row_number == 2 and is_description_row(cells):
                continue
            if not any(c.strip() for c in cells):
                continue
            yield row_number, _as_row(path, header, cells, row_number)
    except UnicodeDecodeError as error:
        raise FileProblem(path, f"is not UTF-8 text ({error.reason}); save it as 'CSV UTF-8'") from None
    except csv.Error as error:
        line = getattr(reader, "line_num", None)
        if "field limit" in str(error):
            reason = f"has a cell longer than {MAX_FIELD:,} characters (a quote left open?)"
            raise FileProblem(path, reason, line) from None
        raise FileProblem(path, f"is not a readable CSV ({error})", line) from None


def _as_row(path: Path, header: list[str], cells: list[str], row_number: int) -> dict[str, str]:
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        raise FileProblem(path, f"has {len(cells)} cells but the header names {len(header)} columns", row_number)
    padded = cells + [""] * (len(header) - len(cells))
    return {name: value for name, value in zip(header, padded, strict=False) if name}


def with_rows(path: Path, rows: Iterator[TableRow]) -> Iterator[TableRow]:
    """``rows``, refusing the file when it has none (a blank template, a million empty lines):
    an import of nothing is a mistake worth saying."""
    found = False
    for row in rows:
        found = True
        yield row
    if not found:
        raise FileProblem(path, "has no rows of data under its header: nothing to import")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return text_from_sheet(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> Iterator[TableRow]:
    from openpyxl import load_workbook, xml  # noqa: PLC0415 - only spreadsheets need it

    if not xml.DEFUSEDXML:  # openpyxl parses through defusedxml when it is installed (a dependency)
        raise FileProblem(path, "cannot be read safely: defusedxml is not installed (pip install defusedxml)")
    check_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise FileProblem(path, f"is not a readable XLSX workbook ({type(error).__name__})") from None
    try:
        sheet = book.worksheets[0]
        rows = ([_cell_text(v) for v in values] for values in sheet.iter_rows(values_only=True))
        yield from _rows(path, rows)
    except DefusedXmlException as error:  # entities, a DTD, an external reference: an XML bomb
        raise FileProblem(path, f"holds XML that is refused ({type(error).__name__})") from None
    finally:
        book.close()


def check_workbook(path: Path) -> None:
    """Refuse an XLSX that is not a zip, or whose parts would unpack past the limits, before
    anything unpacks it (the sizes come from the zip's directory; Python's zipfile never
    unpacks a part beyond the size the directory declares)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise FileProblem(path, f"is not a readable XLSX workbook ({type(error).__name__})") from None
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED:
        raise FileProblem(path, f"would unpack to {total:,} bytes (more than {MAX_UNPACKED:,}): refused as a zip bomb")
    for part in parts:
        if part.file_size > _LARGE_PART and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            ratio = part.file_size // max(part.compress_size, 1)
            raise FileProblem(path, f"part {part.filename} unpacks {ratio} times its size: refused as a zip bomb")
    _refuse_declarations(path, parts)


def _refuse_declarations(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose XML declares a DTD or entities (an XML bomb, an external entity):
    a spreadsheet never needs one. defusedxml refuses them where openpyxl parses through it;
    this refuses them in the parts it reads with lxml (shared strings) too."""
    with zipfile.ZipFile(path) as archive:
        for part in parts:
            if not part.filename.endswith((".xml", ".rels")):
                continue
            tail = b""
            with archive.open(part) as handle:
                while chunk := handle.read(1 << 20):
                    if b"<!DOCTYPE" in (tail + chunk).upper() or b"<!ENTITY" in (tail + chunk).upper():
                        raise FileProblem(path, f"part {part.filename} declares a DTD or entities: refused")
                    tail = chunk[-16:]


def count_rows(path: Path) -> int | None:
    """Data rows in the file, cheaply, for a progress bar (None when not known in advance)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)
