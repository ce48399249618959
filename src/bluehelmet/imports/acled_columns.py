"""ACLED CSV files read in columns (pyarrow), for ``services/column_load.py``.

Each batch of rows is converted a column at a time: the columns of few distinct values (dates,
types, precision codes, actors, places, regions) by the row path's own functions applied once
to each distinct value, the others (event ids, coordinates, counts, notes) by pyarrow's
kernels. A row is *proved* when the row path would create it as a new incident from these very
values, with no problem and no warning: one row to its event, an event id met nowhere before
(in the file or in the mission), every cell of the simplest form the row path reads the same
way (a plain decimal coordinate, a count of digits, NFC text without edge spaces or invisible
characters), the coordinate inside the mission's country and in the region ``admin1`` names,
not far from the gazetteer's place, no number typed into the notes. Every other row is left to
the row path (``ColumnBatch.slow``), which names its problems and warnings as always.

Files the columnar reader cannot number as the row path does (blank lines, a description row,
rows of another width, text that is not UTF-8) raise :class:`NotColumnar` before anything is
written; the caller then loads the file row by row.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bluehelmet.domain.incidents import SUB_EVENT_TYPES, IncidentCategory, SubEventType, Target
from bluehelmet.domain.places import Location
from bluehelmet.domain.text import LIMITS
from bluehelmet.geography import normalise
from bluehelmet.imports import acled_cells as cell
from bluehelmet.imports.acled import _ALIASES, REQUIRED_COLUMNS, AcledEvent, group_events
from bluehelmet.imports.acled_mapping import (
    _CATEGORIES,
    _EVENT_TYPES,
    _IED,
    _PRECISION,
    _SUB_EVENT_TYPES,
    ACLED,
    _SeenEvents,
    load_state,
    parse_acled_date,
)
from bluehelmet.imports.acled_merge import Merged, merge_events
from bluehelmet.imports.registry import NotColumnar
from bluehelmet.imports.tables import FileProblem, _header, is_description_row
from bluehelmet.services.column_load import ColumnBatch, ColumnContext, ColumnReader

__all__ = ["BATCH_ROWS", "acled_columns", "open_text_csv"]

#: Rows converted and written together: a batch's Python values, its audit block and its
#: driver rows are what the import holds at once (50,000 held about 500 MB).
BATCH_ROWS = 20_000
#: The size of the filter of event ids met (16 MB): four positions an id keep false "met"
#: answers to about one in a million at a million ids (2**24 bits: one in 500).
_SEEN_BITS = 1 << 27
_LARGEST = 2**31 - 1
_FAR_KM = 49.0  # advice warns past 50 km: a margin for the vectorised haversine's rounding
# Python's str.strip() removes these; RE2's \s knows only the ASCII ones.
_SPACE = r"\s\x0b\x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_EDGE_OR_NUL = f"^[{_SPACE}]|[{_SPACE}]$|\\x00"
_INVISIBLE = (
    r"[\x00-\x1f\x7f-\x{9f}\x{ad}\x{34f}\x{61c}\x{115f}\x{1160}\x{17b4}\x{17b5}\x{180b}-\x{180f}"
    r"\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{206f}\x{3164}\x{fe00}-\x{fe0f}\x{feff}\x{ffa0}\x{fff0}-\x{fffb}]"
)
# A superset of typed_numbers' _KILLED and _ATTACKERS: a row it matches is left to the row path.
_TYPED_NUMBER = (
    r"(?i)\p{Nd}[" + _SPACE + r"-]*(?:police[" + _SPACE + r"]+)?"
    r"(?:killed|dead|deaths|fatalities|attackers|assailants|fighters)"
)
_DECIMAL = r"^-?[0-9]{1,3}(\.[0-9]{1,15})?$"
_COUNT = r"^[0-9]{1,10}$"
#: Fields the row path leaves as stored when it has no value for them (an update sets only what it derives).
_KEPT_WHEN_NONE = frozenset({"location_id", "category", "target", "latitude", "longitude"})
_TEXT_COLUMNS = ("disorder_type", "source", "source_scale", "tags", "notes", "admin1", "admin2", "admin3")


def acled_columns(path: Path) -> ColumnReader:
    """The reader of an ACLED CSV file; NotColumnar (from the first batch) if it cannot be one."""
    if path.suffix.lower() not in (".csv", ".txt", ""):
        raise NotColumnar("not a CSV file")
    header, delimiter = _read_header(path)

    def batches(context: ColumnContext) -> Iterator[ColumnBatch]:
        return _Batches(path, header, delimiter, context).run()

    return batches


def _read_header(path: Path) -> tuple[list[str], str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(64 * 1024)
    except UnicodeDecodeError:
        raise NotColumnar("not UTF-8") from None
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line or ",", delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(sample.splitlines()[:2], csv.excel, delimiter=delimiter))
    if not rows:
        raise NotColumnar("empty")
    names = _header(path, rows[0])
    if len(rows) > 1 and is_description_row(rows[1]):
        raise NotColumnar("a description row")
    lowered = [_ALIASES.get(n.strip().lower(), n.strip().lower()) for n in names]
    missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
    if missing:
        raise FileProblem(path, f"is not an ACLED export: it has no {', '.join(missing)} column", row=1)
    if len(set(lowered)) != len(lowered):
        raise NotColumnar("two columns of one name once in lower case")
    return names, delimiter


def open_text_csv(path: Path, width: int, delimiter: str, skip: int, irregular: list[int]) -> Any:
    """pyarrow's streaming reader of ``path`` after ``skip`` rows, every one of its ``width``
    cells as text, in 1 MiB blocks; a row of another width is skipped and counted in
    ``irregular`` (the caller then leaves the file to the row path). Raises ``pa.ArrowInvalid``
    at once for a cell larger than a block."""

    def invalid(row: Any) -> str:
        irregular.append(1)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            block_size=1 << 20, use_threads=False, skip_rows=skip, column_names=names, encoding="utf8"
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


class _Batches:
    def __init__(self, path: Path, header: list[str], delimiter: str, context: ColumnContext) -> None:
        self.path, self.header, self.delimiter, self.context = path, header, delimiter, context
        self.resolver = context.resolver
        self.state = load_state(context.resolver)
        #: Every event id met in the earlier batches, in constant memory (a set of a million ids
        #: held about 100 MB). The filter may say "met" of an id that was not (about one in a
        #: million at a million ids): that row then goes to the row path, which is always right.
        self.seen = _SeenEvents(_SEEN_BITS)
        self.names = [_ALIASES.get(n.strip().lower(), n.strip().lower()) for n in header]
        self.cache: dict[str, dict[Any, Any]] = {}
        #: Whether the last batch was mostly stored as it is (a re-import): see new_or_unchanged.
        self.alike_first = False

    def run(self) -> Iterator[ColumnBatch]:
        irregular: list[int] = []
        try:  # pyarrow refuses at once a cell larger than its block (1 MiB): the row path names it
            reader = open_text_csv(self.path, len(self.header), self.delimiter, 1, irregular)
        except pa.ArrowInvalid as error:
            raise NotColumnar(str(error)) from None
        number = 1  # the header's row
        held: pa.Table | None = None
        pending: list[pa.RecordBatch] = []
        count = 0
        try:
            for chunk in reader:
                if irregular:
                    raise NotColumnar("a row of another width, or a blank line")
                pending.append(chunk)
                count += chunk.num_rows
                while count >= BATCH_ROWS:
                    table = pa.Table.from_batches(pending)
                    if held is not None:
                        table = pa.concat_tables([held, table])
                    rest = table.slice(len(held) if held is not None else 0)  # what stays pending
                    table = table.slice(0, (len(held) if held is not None else 0) + BATCH_ROWS)
                    left = rest.slice(BATCH_ROWS)
                    pending, count = left.to_batches(), left.num_rows
                    table, held = _hold_last_event(table, self.names.index("event_id_cnty"))
                    yield self.convert(table, number)
                    number += table.num_rows
        except pa.ArrowInvalid as error:
            raise NotColumnar(str(error)) from None
        if irregular:
            raise NotColumnar("a row of another width, or a blank line")
        tail = [held] if held is not None else []
        if pending:
            tail.append(pa.Table.from_batches(pending, schema=reader.schema))
        if tail:
            table = pa.concat_tables(tail)
            if table.num_rows:
                yield self.convert(table, number)

    # ------------------------------------------------------------------------------ conversion

    def column(self, table: pa.Table, name: str) -> pa.Array:
        if name in self.names:
            return table.column(self.names.index(name)).combine_chunks()
        return pa.array([""] * table.num_rows, pa.string())

    def mapped(self, key: str, array: pa.Array, function: Callable[[str], Any]) -> list[Any]:
        """``function`` of each value, computed once per distinct value (remembered between batches)."""
        known = self.cache.setdefault(key, {})
        encoded = array.dictionary_encode()
        results = [known[v] if v in known else known.setdefault(v, function(v)) for v in encoded.dictionary.to_pylist()]
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        lookup = np.empty(len(results), dtype=object)
        lookup[:] = results
        return list(lookup[indices]) if results else []

    def clean(self, table: pa.Table) -> np.ndarray:
        """Rows whose every cell the columnar reader reads as it is (no edge space or NUL; the
        text columns NFC, within their lengths, the event id and place without invisibles)."""
        ok = np.ones(table.num_rows, dtype=bool)
        for name in self.names:
            if name:
                ok &= ~pc.match_substring_regex(self.column(table, name), _EDGE_OR_NUL).to_numpy(zero_copy_only=False)
        text_names = ("event_id_cnty", "location", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2", *_TEXT_COLUMNS)
        for name in text_names:
            array = self.column(table, name)
            limit = (
                LIMITS["code"] if name == "event_id_cnty" else LIMITS["name"] if name == "location" else LIMITS["text"]
            )
            ok &= pc.less_equal(pc.utf8_length(array), limit).to_numpy(zero_copy_only=False)
            ok &= pc.equal(pc.utf8_normalize(array, "NFC"), array).to_numpy(zero_copy_only=False)
            if name in ("event_id_cnty", "location"):
                ok &= ~pc.match_substring_regex(array, _INVISIBLE).to_numpy(zero_copy_only=False)
        return ok

    def convert(self, raw: pa.Table, first_number: int) -> ColumnBatch:
        blank = np.ones(raw.num_rows, dtype=bool)
        for name in self.names:
            if name:
                array = self.column(raw, name)
                if array.null_count:
                    raise NotColumnar("a missing cell")
                blank &= pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(array)), 0).to_numpy(zero_copy_only=False)
        if blank.any():
            raise NotColumnar("a row of blank cells")
        # an event of several rows (one per actor) as one row, merged as the row path merges it
        merged = merge_events(raw, self.names, self.header, self.column(raw, "event_id_cnty").to_pylist(), self.clean)
        table, n = merged.table, merged.table.num_rows
        get = self.column
        ok = merged.ok & self.clean(table)
        ids = get(table, "event_id_cnty")
        id_list = ids.to_pylist()
        first = self.first_meetings(id_list)
        values: dict[str, Any] = {"external_id": id_list}
        ok &= self.kinds(table, values)
        ok &= self.place(table, values)
        ok &= self.actors(table, values)
        ok &= self.numbers(table, values)
        for name in ("disorder_type", "source", "source_scale", "tags", "notes"):
            values[name] = get(table, name).to_pylist()
        ok &= ~pc.match_substring_regex(get(table, "notes"), _TYPED_NUMBER).to_numpy(zero_copy_only=False)
        values["provenance"] = ["ACLED"] * n
        assert ACLED.review_status is not None and ACLED.provenance == "ACLED"
        values["review_status"] = [ACLED.review_status.value] * n
        fast, unchanged = self.new_or_unchanged(ok & first, id_list, values)
        kept = np.flatnonzero(fast | unchanged).tolist()
        self.state.seen.add_many([id_list[i] for i in kept])  # as the row path's conversion would have
        return self.split(raw, merged, first_number, fast, unchanged, values)

    def first_meetings(self, ids: list[str]) -> np.ndarray:
        """Rows of an event of one row whose id is met for the first time in the file."""
        n = len(ids)
        column = np.array(ids, dtype=object)
        single = np.asarray(column != "", dtype=bool)
        merged = single[1:] & (column[1:] == column[:-1])  # adjacent rows of one event: merged by the row path
        single[1:] &= ~merged
        single[:-1] &= ~merged
        firsts = dict(zip(reversed(ids), range(n - 1, -1, -1), strict=True))  # each id's first row (the last written)
        firsts.pop("", None)
        at = np.array(sorted(firsts.values()), dtype=np.int64)  # in file order, as met
        earlier = np.ones(n, dtype=bool)  # a later row of an id met in this batch: not new
        earlier[at] = self.seen.add_many([ids[i] for i in at.tolist()])  # met earlier (or, rarely, so the filter says)
        return single & ~earlier

    def new_or_unchanged(
        self, candidates: np.ndarray, ids: list[str], values: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Of the ``candidates`` (proved rows met for the first time), those whose event is not
        stored (new: written in bulk) and those stored as they are (unchanged: left alone); the
        others, stored otherwise or deleted, go to the row path. Which question is asked
        first follows the last batch: a first import asks which ids are stored (few are), a
        re-import which rows are stored alike (most are), then the other of the rest only."""
        n = len(ids)
        new, unchanged = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        left = np.flatnonzero(candidates)
        if self.alike_first and len(left):
            unchanged[left] = self.alike(left, values)
            left = np.flatnonzero(candidates & ~unchanged)
        if len(left):
            stored = self.context.stored("external_id", [ids[i] for i in left.tolist()])
            new[left] = np.fromiter((ids[i] not in stored for i in left.tolist()), dtype=bool, count=len(left))
            again = left[~new[left]]
            if not self.alike_first and len(again):
                unchanged[again] = self.alike(again, values)
        proved = int(candidates.sum())
        self.alike_first = proved > 0 and int(unchanged.sum()) * 2 > proved
        return new, unchanged

    def alike(self, at: np.ndarray, values: dict[str, Any]) -> list[bool]:
        """Whether the rows ``at`` are stored exactly as the row path would leave them."""
        every = len(at) == len(values["external_id"])  # a re-import: every row compared, no column copied
        picked = at.tolist()
        compared = {k: v if every else [v[i] for i in picked] for k, v in values.items() if k != "review_status"}
        return self.context.unchanged("external_id", compared, _KEPT_WHEN_NONE)

    def kinds(self, table: pa.Table, values: dict[str, Any]) -> np.ndarray:
        get = self.column
        dates = self.mapped("event_date", get(table, "event_date"), parse_acled_date)
        today = self.context.today
        ok = np.array([d is not None and d <= today for d in dates], dtype=bool)
        values["event_date"] = dates
        pair = pc.binary_join_element_wise(get(table, "event_type"), get(table, "sub_event_type"), "\x1f")

        def kinds_of(text: str) -> tuple[Any, Any] | None:
            event, sub = text.split("\x1f")
            found, sub_found = _EVENT_TYPES.get(normalise(event)), _SUB_EVENT_TYPES.get(normalise(sub))
            if found is None or sub_found is None or sub_found not in SUB_EVENT_TYPES[found]:
                return None
            return found, sub_found

        types = self.mapped("types", pair, kinds_of)
        ok &= np.array([t is not None for t in types], dtype=bool)
        text = {t: (t[0].value, t[1].value) for t in set(types) if t}  # a member's text once, not once a row
        values["event_type"] = [text[t][0] if t else None for t in types]
        values["sub_event_type"] = [text[t][1] if t else None for t in types]
        for column, meanings in _PRECISION.items():
            codes = self.mapped(column, get(table, column), partial(cell.precision, meanings))
            ok &= np.array([c is not None for c in codes], dtype=bool)
            values[column] = codes
        category: list[Any] = [(_CATEGORIES.get(t[1]) if t else None) for t in types]
        notes = get(table, "notes")
        for i, t in enumerate(types):
            if t and t[1] == SubEventType.DISRUPTED_WEAPONS_USE and _IED.search(notes[i].as_py()):
                category[i] = IncidentCategory.IED_NEUTRALISED
        named = {c: c.value for c in set(category) if c is not None}
        values["category"] = [named[c] if c is not None else None for c in category]
        civilians = self.mapped("civilian_targeting", get(table, "civilian_targeting"), cell.civilians)
        values["civilian_targeting"] = civilians
        against = pc.binary_join_element_wise(get(table, "actor2"), get(table, "assoc_actor_2"), " ")
        mission = self.mapped("against", against, cell.against_mission)
        values["target"] = [
            Target.CIVILIANS.value if c else Target.MISSION.value if m else None
            for c, m in zip(civilians, mission, strict=True)
        ]
        return ok

    def place(self, table: pa.Table, values: dict[str, Any]) -> np.ndarray:
        get = self.column
        for column in ("admin1", "admin2", "admin3"):
            values[column] = get(table, column).to_pylist()
        locations = get(table, "location")
        values["location_name"] = locations.to_pylist()
        rules = self.context.rules

        def place_of(text: str) -> tuple[int | None, bool, float | None, float | None]:
            found = self.resolver.find("Location", text) if text else []
            if len(found) != 1:
                return None, True, None, None
            record = rules.get("Location", found[0])
            live = isinstance(record, Location) and not record.is_deleted
            lat = record.latitude if isinstance(record, Location) else None
            lon = record.longitude if isinstance(record, Location) else None
            return found[0], live, lat, lon

        places = self.mapped("location", locations, place_of)
        values["location_id"] = [p[0] for p in places]
        ok = np.array([p[1] for p in places], dtype=bool)
        lat_text, lon_text = get(table, "latitude"), get(table, "longitude")
        lat_empty = pc.equal(lat_text, "").to_numpy(zero_copy_only=False)
        lon_empty = pc.equal(lon_text, "").to_numpy(zero_copy_only=False)
        plain = pc.and_(pc.match_substring_regex(lat_text, _DECIMAL), pc.match_substring_regex(lon_text, _DECIMAL))
        plain_np = plain.to_numpy(zero_copy_only=False)
        ok &= (lat_empty & lon_empty) | plain_np
        lat = pc.cast(pc.if_else(plain, lat_text, "0"), pa.float64()).to_numpy(zero_copy_only=False)
        lon = pc.cast(pc.if_else(plain, lon_text, "0"), pa.float64()).to_numpy(zero_copy_only=False)
        boundaries = self.state.boundaries
        if boundaries is None:  # no shipped boundaries: the row path checks the mission's box
            ok &= lat_empty & lon_empty
        elif plain_np.any():
            at = np.flatnonzero(plain_np)
            pairs = list(zip(lat[at].tolist(), lon[at].tolist(), strict=True))
            unique = list(dict.fromkeys(pairs))
            regions = dict(zip(unique, boundaries.admin1_at_many(unique), strict=True))
            admin1 = values["admin1"]
            canonical = self.cache.setdefault("admin1", {})
            for i, pair in zip(at.tolist(), pairs, strict=True):
                region = regions[pair]
                named = admin1[i]
                if region is None:
                    ok[i] = False
                elif named:
                    if named not in canonical:
                        canonical[named] = boundaries.canonical_admin1(named)
                    ok[i] &= canonical[named] == region
        place_lat = np.array([np.nan if p[2] is None else p[2] for p in places], dtype=float)
        place_lon = np.array([np.nan if p[3] is None else p[3] for p in places], dtype=float)
        far = cell.haversine(lat, lon, place_lat, place_lon) > _FAR_KM
        ok &= ~(plain_np & far)
        present = plain_np.tolist()
        values["latitude"] = [v if p else None for v, p in zip(lat.tolist(), present, strict=True)]
        values["longitude"] = [v if p else None for v, p in zip(lon.tolist(), present, strict=True)]
        return ok

    def actors(self, table: pa.Table, values: dict[str, Any]) -> np.ndarray:
        get = self.column
        n = table.num_rows
        ok = np.ones(n, dtype=bool)
        empty = {}
        for name in ("actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2"):
            empty[name] = pc.equal(get(table, name), "").to_numpy(zero_copy_only=False)
        ok &= ~empty["actor1"] | (
            empty["assoc_actor_1"] & empty["inter1"] & empty["actor2"] & empty["assoc_actor_2"] & empty["inter2"]
        )
        ok &= ~empty["actor2"] | (empty["assoc_actor_2"] & empty["inter2"])
        pair = pc.binary_join_element_wise(get(table, "actor1"), get(table, "actor2"), "\x1f")
        distinct = self.mapped("actor pair", pair, cell.distinct_actors)
        ok &= np.array(distinct, dtype=bool)
        for side, assoc in (("1", "assoc_actor_1"), ("2", "assoc_actor_2")):
            texts = get(table, assoc)
            canonical = self.mapped("assoc", texts, cell.joined_as_written)
            ok &= np.array(canonical, dtype=bool)
            values[f"actor{side}"] = get(table, f"actor{side}").to_pylist()
            values[f"assoc_actor{side}"] = texts.to_pylist()
        for column in ("inter1", "inter2", "interaction"):
            codes = self.mapped(column, get(table, column), partial(cell.code, column=column))
            ok &= np.array([c is not False for c in codes], dtype=bool)
            values[column] = [None if c is False else c for c in codes]
        return ok

    def numbers(self, table: pa.Table, values: dict[str, Any]) -> np.ndarray:
        get = self.column
        ok = np.ones(table.num_rows, dtype=bool)
        for column, field in (("fatalities", "fatalities"), ("timestamp", "source_timestamp")):
            text = get(table, column)
            empty = pc.equal(text, "")
            count = pc.match_substring_regex(text, _COUNT)
            ok &= pc.or_(empty, count).to_numpy(zero_copy_only=False)
            as_int = pc.cast(pc.if_else(count, text, "0"), pa.int64())
            ok &= pc.less_equal(as_int, _LARGEST).to_numpy(zero_copy_only=False)
            values[field] = pc.if_else(count, as_int, pa.scalar(None, pa.int64())).to_pylist()
        return ok

    def split(
        self, raw: pa.Table, merged: Merged, first_number: int, ok: np.ndarray, unchanged: np.ndarray,
        values: dict[str, Any],
    ) -> ColumnBatch:  # fmt: skip
        fast = np.flatnonzero(ok).tolist()
        chosen = {name: [column[i] for i in fast] for name, column in values.items()}
        slow_at = merged.rows_of(np.flatnonzero(~(ok | unchanged)).tolist())  # an event's own rows
        slow: list[tuple[int, Mapping[str, Any]]] = []
        if slow_at:
            rows = raw.take(pa.array(slow_at)).to_pylist()
            events = [
                (first_number + 1 + i, AcledEvent(first_number + 1 + i, cell.cells(self.header, row)))
                for i, row in zip(slow_at, rows, strict=True)
            ]
            slow = list(_adjacent_events(events))
        numbers = (merged.origin[fast] + first_number + 1).tolist()
        return ColumnBatch(numbers, chosen, slow, first_number + raw.num_rows, int(unchanged.sum()))


def _adjacent_events(events: list[tuple[int, AcledEvent]]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``group_events`` over rows of the file that follow each other only (rows proved between
    two rows of one event keep them apart, as in the file)."""
    run: list[tuple[int, AcledEvent]] = []
    for number, event in events:
        if run and number != run[-1][0] + 1:
            yield from group_events(run)
            run = []
        run.append((number, event))
    yield from group_events(run)


def _hold_last_event(table: pa.Table, id_column: int) -> tuple[pa.Table, pa.Table | None]:
    """The table without the rows of its last event, and those rows (an event's rows may go on
    in the next batch, and the row path merges them)."""
    ids = table.column(id_column)
    last = ids[-1].as_py().strip()  # compared as group_events compares them
    if not last:
        return table, None
    at = table.num_rows - 1
    while at > 0 and ids[at - 1].as_py().strip() == last:
        at -= 1
    if at == 0:
        return table, None
    return table.slice(0, at), table.slice(at)
