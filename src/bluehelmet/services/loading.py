"""Loading many records from a file, all or nothing.

Every row is read, converted, checked against every rule and written inside one transaction;
if any row is refused, or on a dry run, the transaction is rolled back and the report lists
every problem with its row, column, value and reason. A row whose natural key matches a record
already there updates that record instead of adding a second one, so loading the same file
twice, or a corrected file, changes only what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bluehelmet.domain.advice import advise
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, NotFound, Problem, StaleVersion
from bluehelmet.domain.places import Mission
from bluehelmet.domain.records import Record
from bluehelmet.geography.names import normalise
from bluehelmet.services import records
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import columns, reference_keys, text_to_values
from bluehelmet.services.parsing import parse_record
from bluehelmet.storage import repository

__all__ = [
    "MAX_PROBLEMS",
    "Converter",
    "LoadReport",
    "Resolver",
    "RowProblem",
    "find_mission",
    "load",
    "load_into",
]

#: Problems kept in a report; past this only the count grows (a million bad rows stay small).
MAX_PROBLEMS = 1000
_BATCH = 1000


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = f" ({self.value!r})" if self.value else ""
        return f"row {self.row}, column {self.column}{shown}: {self.reason}"


@dataclass
class LoadReport:
    """What a load did, or (when ``written`` is false) would have done."""

    source: str
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    #: Accepted but worth a person's look (a coordinate far from the place it names, say).
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and self.problem_count == 0

    def add(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "kind": self.kind, "dry_run": self.dry_run, "written": self.written,
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "problem_count": self.problem_count,
            "problems": [vars(p) for p in self.problems],
            "warnings": [vars(w) for w in self.warnings],
        }  # fmt: skip


class Resolver:
    """Finds records by the names files use for them, within one mission.

    A name matches regardless of case, accents and punctuation; a place also matches by any of
    its spelling variants. ``#12`` always means the record with id 12.
    """

    def __init__(self, tx: Transaction, mission_id: int | None, report: LoadReport | None = None) -> None:
        self.tx = tx
        self.mission_id = mission_id
        self.report = report
        self.row = 0
        self._index: dict[str, dict[str, set[int]]] = {}
        self._names: dict[tuple[str, int], str] = {}

    def warn(self, column: str, value: str, reason: str) -> None:
        """Note something accepted but doubtful about the current row (kept in the report)."""
        if self.report is not None and len(self.report.warnings) < MAX_PROBLEMS:
            self.report.warnings.append(RowProblem(self.row, column, value, reason))

    def _build(self, target: str) -> dict[str, set[int]]:
        index: dict[str, set[int]] = {}
        cls = records.kind_of(target)
        filters = {"mission_id": self.mission_id} if self.mission_id is not None and _has_mission(cls) else {}
        for record in repository.select_records(self.tx.session, cls, filters):
            self._add(index, record)
        return index

    def _add(self, index: dict[str, set[int]], record: Record) -> None:
        assert record.id is not None
        names = [getattr(record, key, None) for key in reference_keys(type(record).__name__)]
        names += list(getattr(record, "variants", []))
        for name in names:
            if isinstance(name, str | int) and str(name).strip():
                index.setdefault(normalise(str(name)), set()).add(record.id)

    def remember(self, record: Record) -> None:
        """Make a record written earlier in the same load findable by later rows."""
        target = type(record).__name__
        if target in self._index:
            self._add(self._index[target], record)

    def find(self, target: str, text: str) -> list[int]:
        if text.startswith("#") and text[1:].isdigit():
            return [int(text[1:])]
        if target not in self._index:
            self._index[target] = self._build(target)
        return sorted(self._index[target].get(normalise(text), set()))

    def resolve(self, target: str, text: str) -> int | str:
        """The id ``text`` names, or why it names none (or several)."""
        found = self.find(target, text)
        if len(found) == 1:
            return found[0]
        if not found:
            return f"no {target} called '{text}' in this mission"
        listed = ", ".join(f"#{i}" for i in found[:5])
        return f"{len(found)} {target} records are called '{text}' ({listed}): write #id to choose"

    def name_of(self, target: str, record_id: int) -> str:
        """How a file names a record: its name when that is unambiguous, else ``#id``."""
        key = (target, record_id)
        if key not in self._names:
            record = repository.get(self.tx.session, records.kind_of(target), record_id)
            name = getattr(record, records.kind_of(target).label_field, None) if record else None
            unique = isinstance(name, str) and name.strip() and self.find(target, name) == [record_id]
            self._names[key] = str(name) if unique else f"#{record_id}"
        return self._names[key]


def _has_mission(cls: type[Record]) -> bool:
    return "mission_id" in cls.__dataclass_fields__


#: Turns one row into field values (references resolved); problems name the row's columns.
Converter = Callable[[type[Record], Mapping[str, Any], Resolver, str], tuple[dict[str, Any], list[Problem]]]


def _text_converter(
    cls: type[Record], row: Mapping[str, Any], resolver: Resolver, who: str
) -> tuple[dict[str, Any], list[Problem]]:
    return text_to_values(cls, {k: str(v) if v is not None else "" for k, v in row.items()}, resolver.resolve, who)


def find_mission(tx: Transaction, name: str | None) -> Mission:
    """The mission called ``name``, or the only mission in the database when no name is given."""
    if name is not None:
        found = repository.find(tx.session, Mission, {"name": name})
        live = [m for m in found if isinstance(m, Mission) and not m.is_deleted]
        if not live:
            raise BluehelmetError(f"no mission called '{name}'")
        return live[0]
    missions = [m for m in records.list_records(tx, Mission) if isinstance(m, Mission)]
    if not missions:
        raise BluehelmetError("there is no mission here yet: add one, or load the reference one with 'bluehelmet demo'")
    if len(missions) > 1:
        names = ", ".join(m.name for m in missions)
        raise BluehelmetError(f"say which mission with --mission (missions here: {names})")
    return missions[0]


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a refused load."""


def load(
    db: Database,
    actor: str,
    kind: str | type[Record],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    mission: str | None = None,
    source: str = "",
    dry_run: bool = False,
    convert: Converter | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load ``rows`` (each with its row number in the file) as records of ``kind``, all or nothing."""
    cls = records.kind_of(kind)
    report = LoadReport(source=source, kind=cls.__name__, dry_run=dry_run)
    try:
        with db.transaction(actor) as tx:
            mission_id = find_mission(tx, mission).id if _has_mission(cls) else None
            load_into(tx, cls, rows, report, Resolver(tx, mission_id, report), convert=convert, progress=progress)
            if not report.written:
                raise _RollBack
    except _RollBack:
        pass
    return report


def load_into(
    tx: Transaction,
    cls: type[Record],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    report: LoadReport,
    resolver: Resolver,
    *,
    convert: Converter | None = None,
    progress: Callable[[int], None] | None = None,
    parent: tuple[str, int] | None = None,
    keep: bool = False,
) -> list[Record]:
    """Load rows inside the caller's transaction, adding to ``report``; the caller decides
    whether to commit. ``parent`` sets one field on every row (a child's parent id). With
    ``keep``, returns the records written, in row order (for loading their children);
    otherwise nothing is kept, so any number of rows loads in constant memory."""
    written: list[Record] = []
    resolver.report = report
    for number, row in rows:
        report.rows += 1
        resolver.row = number
        record = _load_row(tx, cls, number, row, resolver, convert or _text_converter, report, parent)
        if keep and record is not None:
            written.append(record)
        if report.rows % _BATCH == 0:
            tx.session.flush()
            if not keep:
                tx.session.expunge_all()  # constant memory: written rows need not stay loaded
            if progress is not None:
                progress(number)  # the file's row number: one record may take several rows
    if progress is not None and report.rows:
        progress(number)
    return written


def _column_of(cls: type[Record], field_name: str) -> str:
    by_field = {c.field: c.name for c in columns(cls)}
    return by_field.get(field_name, field_name)


def _load_row(
    tx: Transaction,
    cls: type[Record],
    number: int,
    row: Mapping[str, Any],
    resolver: Resolver,
    convert: Converter,
    report: LoadReport,
    parent: tuple[str, int] | None,
) -> Record | None:
    who = f"{cls.__name__} in row {number}"
    values, problems = convert(cls, row, resolver, who)
    if resolver.mission_id is not None and _has_mission(cls):
        values["mission_id"] = resolver.mission_id
    if parent is not None:
        values[parent[0]] = parent[1]
    if not values.get("provenance") and report.source:
        values["provenance"] = report.source
    try:
        if problems:
            raise InvalidRecord(problems + _parse_problems(cls, values, {p.field for p in problems}))
        record, outcome = _create_or_update(tx, cls, values)
    except (InvalidRecord, NotFound, StaleVersion) as error:
        for problem in getattr(error, "problems", None) or [Problem(who, "(row)", str(error))]:
            column = _column_of(cls, problem.field)
            value = row.get(column, "")
            report.add(RowProblem(number, column, "" if value is None else str(value), problem.reason))
        return None
    for warning in advise(record, records.rule_context(tx)):
        column = _column_of(cls, warning.field)
        value = row.get(column, "")
        resolver.warn(column, "" if value is None else str(value), f"{warning.record} {warning.reason}")
    resolver.remember(record)
    setattr(report, outcome, getattr(report, outcome) + 1)
    return record


def _parse_problems(cls: type[Record], values: dict[str, Any], reported: set[str]) -> list[Problem]:
    """The row's other problems, so one pass over a file lists everything wrong with it."""
    try:
        parse_record(cls, values)
    except InvalidRecord as error:
        return [p for p in error.problems if p.field not in reported and _column_of(cls, p.field) not in reported]
    return []


def _create_or_update(tx: Transaction, cls: type[Record], values: dict[str, Any]) -> tuple[Record, str]:
    candidate = parse_record(cls, values)  # typed values to look the natural key up with
    for key in cls.natural_keys:
        if all(getattr(candidate, name) is None for name in key if name != "mission_id"):
            continue
        found = repository.find(tx.session, cls, {name: getattr(candidate, name) for name in key})
        existing = found[0] if found else None
        if existing is not None:
            assert existing.id is not None
            before = existing.version
            updated = records.update(tx, cls, existing.id, values, version=before or 0)
            return updated, "unchanged" if updated.version == before else "updated"
    return records.create_parsed(tx, candidate, keys_checked=True), "created"
