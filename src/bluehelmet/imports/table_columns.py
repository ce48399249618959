"""Incidents in bluehelmet's own columns (``bluehelmet template incident``, an export), CSV, read
in columns (pyarrow) for ``services/column_load.py``, as ``acled_columns.py`` reads ACLED files.

Each batch of rows is converted a column at a time. Columns of few distinct values (dates,
times, choices, true/false, references to places, sectors, operations and units) are read by
the row path's own functions (``exchange.text_to_values``, then ``parsing.parse_values``),
once for each distinct cell; text, whole numbers and coordinates by pyarrow's kernels, for the
simplest forms only (text without edge spaces, in NFC, within its length, no invisible
character in a code or a name; digits; a plain decimal). A row is *proved* when the row path
would create it as a new incident from exactly these values with no problem and no warning: an
external id met nowhere before (in the file or in the mission) or none, every cell proved, the
rules kept (the sub-event type of its event type, a category's sub-event types, not in the
future, the killed by victim group not more than the fatalities, coordinates together and in
the mission's country), not far from the place it names, no number typed into the notes. A row
whose incident is stored is proved *unchanged* when the file has every column and the stored
incident holds exactly these values. Every other row is left to the row path
(``ColumnBatch.slow``), which names its problems and warnings as always.

Files the columnar reader cannot number as the row path does (blank lines, a header or a
description row over several lines, rows of another width, a column that is not an incident's,
text that is not UTF-8) raise :class:`NotColumnar` before anything is written; the caller then
loads the file row by row. XLSX files are read row by row (docs/imports.md says why).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from datetime import date, time
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bluehelmet.domain import rules
from bluehelmet.domain.errors import InvalidRecord
from bluehelmet.domain.generic_rules import mission_of
from bluehelmet.domain.incidents import EventType, Incident, IncidentCategory, SubEventType
from bluehelmet.domain.places import Location, Mission
from bluehelmet.domain.text import LIMITS, text_kind
from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.imports.acled_cells import haversine
from bluehelmet.imports.acled_columns import _DECIMAL, _EDGE_OR_NUL, _INVISIBLE, _SPACE, _TYPED_NUMBER, open_text_csv
from bluehelmet.imports.acled_mapping import _SeenEvents
from bluehelmet.imports.registry import NotColumnar
from bluehelmet.imports.tables import FileProblem, _header, is_description_row
from bluehelmet.services.column_load import ColumnBatch, ColumnContext, ColumnReader
from bluehelmet.services.exchange import FORMULA_START, Column, columns, text_to_values
from bluehelmet.services.parsing import LARGEST, parse_values

__all__ = ["BATCH_ROWS", "table_columns"]

#: Rows converted and written together (as ``acled_columns.BATCH_ROWS``).
BATCH_ROWS = 20_000
#: The filter of external ids met (16 MB): as ``acled_columns``' filter of event ids.
_SEEN_BITS = 1 << 27
_FAR_KM = 49.0  # advice warns past 50 km: a margin for the vectorised haversine's rounding
_COUNT = r"^[0-9]{1,10}$"
_BLANK = f"^[{_SPACE}]*$"  # what str.strip() empties, as the row path skips a row of such cells
#: Text that restore_formula_text would change (an apostrophe before a formula's first character).
_APOSTROPHE = "^'[" + "".join("\\t" if c == "\t" else "\\r" if c == "\r" else "\\" + c for c in FORMULA_START) + "]"
_COLUMNS = {c.name: c for c in columns(Incident)}
#: A new incident the rules read one field of at a time against (every required field given).
_BASE = {"event_date": "2000-01-01", "event_type": "Battles", "sub_event_type": "Armed clash"}
_REQUIRED = frozenset(c.name for c in _COLUMNS.values() if c.required)
_KILLED = ("killed_peacekeepers", "killed_national_forces", "killed_civilians")
_BAD: tuple[bool, Any] = (False, None)


def table_columns(path: Path) -> ColumnReader:
    """The reader of a CSV of incidents in bluehelmet's columns; NotColumnar if it cannot be one."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv", ""):
        raise NotColumnar("not a CSV file")
    header, delimiter, skip = _read_header(path)

    def batches(context: ColumnContext) -> Iterator[ColumnBatch]:
        return _Batches(path, header, delimiter, skip, context).run()

    return batches


def _read_header(path: Path) -> tuple[list[str], str, int]:
    """The header, the delimiter (guessed as the row path guesses it) and the rows before the data."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(64 * 1024)
    except UnicodeDecodeError:
        raise NotColumnar("not UTF-8") from None
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] or ",", delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(sample, newline=""), csv.excel, delimiter=delimiter)
    try:
        first = next(reader, None)
        if first is None or reader.line_num != 1:
            raise NotColumnar("no header, or a header over several lines")
        names = _header(path, first)
        second = next(reader, None)
    except (csv.Error, FileProblem) as error:
        raise NotColumnar(str(error)) from None
    if any(name and name not in _COLUMNS for name in names) or not set(names) >= _REQUIRED:
        raise NotColumnar("a column that is not an incident's, or none for a required field")  # the row path says
    if second is not None and is_description_row(second):
        if reader.line_num != 2:
            raise NotColumnar("a description row over several lines")
        return names, delimiter, 2
    return names, delimiter, 1


class _Batches:
    def __init__(self, path: Path, header: list[str], delimiter: str, skip: int, context: ColumnContext) -> None:
        self.path, self.header, self.delimiter, self.skip, self.context = path, header, delimiter, skip, context
        self.resolver, self.rules = context.resolver, context.rules
        self.mission_id = context.resolver.mission_id
        report = context.resolver.report
        self.source = report.source if report is not None else ""
        self.seen = _SeenEvents(_SEEN_BITS)
        self.cache: dict[str, dict[Any, Any]] = {}
        self.whole = set(_COLUMNS) <= set(header)  # every column: an update sets every field
        mission = self.rules.get("Mission", self.mission_id) if self.mission_id is not None else None
        self.mission = mission if isinstance(mission, Mission) else None
        self.boundaries = Boundaries.load(self.mission.country_iso3) if self.mission is not None else None

    def run(self) -> Iterator[ColumnBatch]:
        irregular: list[int] = []

        number, pending, count, rows = self.skip, [], 0, 0
        try:  # pyarrow refuses a cell larger than its block (1 MiB) when the reader opens
            reader = open_text_csv(self.path, len(self.header), self.delimiter, self.skip, irregular)
            for chunk in reader:
                if irregular:
                    raise NotColumnar("a row of another width, or a blank line")
                pending.append(chunk)
                count += chunk.num_rows
                while count >= BATCH_ROWS:
                    table = pa.Table.from_batches(pending)
                    left = table.slice(BATCH_ROWS)
                    pending, count = left.to_batches(), left.num_rows
                    batch = self.convert(table.slice(0, BATCH_ROWS), number)
                    rows += len(batch.numbers) + len(batch.slow) + batch.unchanged
                    yield batch
                    number += BATCH_ROWS
        except pa.ArrowInvalid as error:
            raise NotColumnar(str(error)) from None
        if irregular:
            raise NotColumnar("a row of another width, or a blank line")
        if pending:
            batch = self.convert(pa.Table.from_batches(pending, schema=reader.schema), number)
            rows += len(batch.numbers) + len(batch.slow) + batch.unchanged
            if rows:
                yield batch
        if not rows:  # nothing yielded, nothing written: the row path refuses the file in its words
            raise NotColumnar("no rows of data")

    # ------------------------------------------------------------------------------ conversion

    def mapped(self, key: str, array: pa.Array, function: Callable[[str], Any]) -> list[Any]:
        """``function`` of each value, computed once per distinct value (remembered between batches)."""
        known = self.cache.setdefault(key, {})
        encoded = array.dictionary_encode()
        results = [known[v] if v in known else known.setdefault(v, function(v)) for v in encoded.dictionary.to_pylist()]
        lookup = np.empty(len(results), dtype=object)
        lookup[:] = results
        return list(lookup[encoded.indices.to_numpy(zero_copy_only=False)]) if results else []

    def convert(self, table: pa.Table, first_number: int) -> ColumnBatch:
        n = table.num_rows
        numbers = np.arange(first_number + 1, first_number + 1 + n)
        cells = {name: table.column(i).combine_chunks() for i, name in enumerate(self.header) if name}
        blank = np.ones(n, dtype=bool)
        for array in cells.values():
            if array.null_count:
                raise NotColumnar("a missing cell")
            blank &= pc.match_substring_regex(array, _BLANK).to_numpy(zero_copy_only=False)
        ok = ~blank  # a row of blank cells is skipped by the row path too
        values: dict[str, list[Any]] = {}
        for name, array in cells.items():
            column = _COLUMNS[name]
            if column.kind == "text":
                fine, found = self.text(column, array)
            elif column.kind in ("integer", "number"):
                fine, found = self.number(column, array)
            else:
                pairs = self.mapped(name, array, partial(self.exact, column))
                fine = np.array([p[0] for p in pairs], dtype=bool)
                found = [p[1] for p in pairs]
            ok &= fine
            values[column.field] = found
        if "provenance" not in values or self.source:
            given = values.get("provenance", [""] * n)
            values["provenance"] = [v or self.source for v in given]
        ok &= self.cross(values, n)
        if "notes" in cells:
            ok &= ~pc.match_substring_regex(cells["notes"], _TYPED_NUMBER).to_numpy(zero_copy_only=False)
        new, again = self.first_meetings(values.get("external_id", [None] * n), ok, blank)
        unchanged = np.zeros(n, dtype=bool)
        if self.whole and (ok & again).any():
            at = np.flatnonzero(ok & again).tolist()
            compared = {k: [v[i] for i in at] for k, v in values.items()}
            unchanged[at] = self.context.unchanged("external_id", compared, frozenset())
        fast = ok & new
        return self.split(table, numbers, fast, unchanged, blank, values, first_number + n)

    def text(self, column: Column, array: pa.Array) -> tuple[np.ndarray, list[Any]]:
        kind = text_kind(column.field, Incident.label_field)
        empty = pc.equal(pc.utf8_length(array), 0).to_numpy(zero_copy_only=False)
        ok = ~pc.match_substring_regex(array, _EDGE_OR_NUL).to_numpy(zero_copy_only=False)
        ok &= ~pc.match_substring_regex(array, _APOSTROPHE).to_numpy(zero_copy_only=False)
        ok &= pc.less_equal(pc.utf8_length(array), LIMITS[kind]).to_numpy(zero_copy_only=False)
        ok &= pc.equal(pc.utf8_normalize(array, "NFC"), array).to_numpy(zero_copy_only=False)
        if kind != "text":
            ok &= ~pc.match_substring_regex(array, _INVISIBLE).to_numpy(zero_copy_only=False)
        if column.required:
            ok &= ~empty
        default = _default(column)
        found = array.to_pylist()
        if default != "":
            found = [default if e else v for v, e in zip(found, empty.tolist(), strict=True)]
        return ok, found

    def number(self, column: Column, array: pa.Array) -> tuple[np.ndarray, list[Any]]:
        """Digits (a whole number) or a plain decimal (a coordinate), or an empty cell (None)."""
        empty = pc.equal(array, "")
        signed = column.field in ("latitude", "longitude")
        form = _DECIMAL if signed else _COUNT if column.kind == "integer" else _DECIMAL.replace("-?", "")
        plain = pc.match_substring_regex(array, form)
        ok = pc.or_(empty, plain).to_numpy(zero_copy_only=False) & (not column.required)
        if column.kind == "integer":
            typed = pc.cast(pc.if_else(plain, array, "0"), pa.int64())
            ok &= pc.less_equal(typed, LARGEST).to_numpy(zero_copy_only=False)
        else:
            typed = pc.cast(pc.if_else(plain, array, "0"), pa.float64())
            limit = 90 if column.field == "latitude" else 180
            ok &= pc.less_equal(pc.abs(typed), limit).to_numpy(zero_copy_only=False)
        return ok, pc.if_else(plain, typed, pa.scalar(None, typed.type)).to_pylist()

    def exact(self, column: Column, text: str) -> tuple[bool, Any]:
        """A cell as the row path reads it: whether it is clean, and its value as stored."""
        values, problems = text_to_values(Incident, {column.name: text}, self.resolver.resolve, "cell")
        if problems or column.field not in values:
            return _BAD
        try:
            parsed = parse_values(
                Incident, {**_BASE, "mission_id": self.mission_id, column.field: values[column.field]}
            )
        except InvalidRecord:
            return _BAD
        value = parsed[column.field]
        if isinstance(value, time):
            return _BAD  # the audit block's images take dates but not times: the row path writes these
        if column.kind == "reference":
            ids = value if isinstance(value, list) else [] if value is None else [value]
            if len(set(ids)) != len(ids) or not all(self.live(column.target or "", i) for i in ids):
                return _BAD
        return True, value.value if isinstance(value, StrEnum) else value

    def live(self, target: str, ident: int) -> bool:
        """Whether the generic rules accept a reference to ``ident`` (live, of this mission)."""
        other = self.rules.get(target, ident)
        if other is None or other.is_deleted:
            return False
        mission = mission_of(other, self.rules)
        return self.mission_id is None or mission is None or mission == self.mission_id

    def cross(self, values: Mapping[str, list[Any]], n: int) -> np.ndarray:
        """The rules that read more than one field, and the advice on the distance to the place."""
        today = self.context.today
        ok = np.array([d is not None and d <= today for d in values.get("event_date", [None] * n)], dtype=bool)
        kinds = zip(values["event_type"], values["sub_event_type"], values.get("category", [None] * n), strict=True)
        known = self.cache.setdefault("kinds", {})
        for i, triple in enumerate(kinds):
            if triple not in known:
                known[triple] = self.kinds_kept(*triple)
            ok[i] &= known[triple]
        nothing = [None] * n
        killed = np.zeros(n)
        for name in _KILLED:
            killed += np.array([v or 0 for v in values.get(name, nothing)], dtype=float)
        fatalities = np.array([np.inf if v is None else v for v in values.get("fatalities", nothing)], dtype=float)
        ok &= killed <= fatalities
        lat = np.array([np.nan if v is None else v for v in values.get("latitude", nothing)], dtype=float)
        lon = np.array([np.nan if v is None else v for v in values.get("longitude", nothing)], dtype=float)
        placed = ~np.isnan(lat) & ~np.isnan(lon)
        ok &= placed | (np.isnan(lat) & np.isnan(lon))  # one without the other: the row path says so
        ok &= self.inside(lat, lon, placed)
        places = [self.place(i) for i in values.get("location_id", nothing)]
        far = haversine(lat, lon, np.array([p[0] for p in places], float), np.array([p[1] for p in places], float))
        ok &= ~(placed & (far > _FAR_KM))
        return ok

    def kinds_kept(self, event_type: Any, sub_event_type: Any, category: Any) -> bool:
        """Whether the incident's own rules accept these types and category (the rules themselves)."""
        if event_type is None or sub_event_type is None:
            return False
        record = Incident(
            mission_id=self.mission_id or 0,
            event_date=date(2000, 1, 1),
            event_type=EventType(event_type),
            sub_event_type=SubEventType(sub_event_type),
            category=None if category is None else IncidentCategory(category),
        )
        return not rules.check(record, self.rules, natural_keys=False)

    def inside(self, lat: np.ndarray, lon: np.ndarray, placed: np.ndarray) -> np.ndarray:
        """Whether each placed row's coordinate is in the mission's area (as the generic rule asks)."""
        ok = np.ones(len(lat), dtype=bool)
        if not placed.any():
            return ok
        at = np.flatnonzero(placed)
        if self.boundaries is not None:
            pairs = list(zip(lat[at].tolist(), lon[at].tolist(), strict=True))
            known = self.cache.setdefault("inside", {})
            unique = [p for p in dict.fromkeys(pairs) if p not in known]
            known.update(zip(unique, (r is not None for r in self.boundaries.admin1_at_many(unique)), strict=True))
            ok[at] = [known[p] for p in pairs]
        elif self.mission is not None and self.mission.min_latitude is not None:
            m = self.mission
            ok &= ~placed | ((m.min_latitude <= lat) & (lat <= m.max_latitude))
            ok &= ~placed | ((m.min_longitude <= lon) & (lon <= m.max_longitude))
        return ok

    def place(self, location_id: int | None) -> tuple[float, float]:
        found = self.rules.get("Location", location_id) if location_id is not None else None
        if isinstance(found, Location) and found.latitude is not None and found.longitude is not None:
            return found.latitude, found.longitude
        return np.nan, np.nan

    def first_meetings(self, ids: list[Any], ok: np.ndarray, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose external id is met for the first time in the file: not stored (new, as is
        a row without one), and stored (perhaps unchanged)."""
        n = len(ids)
        stored = self.context.stored("external_id", [i for i in ids if i is not None])
        new, again = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
        in_batch: set[str] = set()
        for i, external_id in enumerate(ids):
            if external_id is None or blank[i]:
                continue
            if external_id in in_batch or self.seen.add(external_id):  # met before (or, rarely, the filter says so)
                new[i] = False
                continue
            in_batch.add(external_id)
            if external_id in stored:
                again[i], new[i] = True, False
        return new, again

    def split(
        self,
        table: pa.Table,
        numbers: np.ndarray,
        fast: np.ndarray,
        unchanged: np.ndarray,
        blank: np.ndarray,
        values: dict[str, list[Any]],
        last: int,
    ) -> ColumnBatch:
        at = np.flatnonzero(fast).tolist()
        chosen = {name: [column[i] for i in at] for name, column in values.items()}
        slow_at = np.flatnonzero(~(fast | unchanged | blank))
        slow: list[tuple[int, Mapping[str, Any]]] = []
        if len(slow_at):
            rows = table.take(pa.array(slow_at)).to_pylist()
            named = [(f"c{i}", name) for i, name in enumerate(self.header) if name]
            slow = [
                (int(numbers[i]), {name: str(row[key]) for key, name in named})
                for i, row in zip(slow_at.tolist(), rows, strict=True)
            ]
        return ColumnBatch([int(numbers[i]) for i in at], chosen, slow, last, int(unchanged.sum()))


def _default(column: Column) -> Any:
    """What an empty cell of a text column sets (``exchange.text_to_values``' reset)."""
    field = Incident.__dataclass_fields__[column.field]
    return field.default if isinstance(field.default, str | type(None)) else ""
