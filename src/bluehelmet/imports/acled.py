"""ACLED exports as incidents: ``bluehelmet import acled FILE`` (CSV or XLSX).

Accepted layouts: the classic one (``data_id, iso, event_id_cnty, ... actor1, assoc_actor_1,
inter1, actor2, assoc_actor_2, inter2, interaction, ... timestamp, iso3``), the newer one that
adds ``disorder_type``, ``civilian_targeting`` and ``tags`` (and may write the inter codes as
words, "State forces"), and published extracts that drop the actor-2 columns and repeat an event
once per actor. Dates are ISO (``2021-01-15``) or ACLED's ``15 January 2021``. Headers may be in
any case. ``event_id_cnty``, ``event_date``, ``event_type`` and ``sub_event_type`` are required;
a file without one of them is refused as a whole.

Contract of the merge: an event is identified by ``event_id_cnty`` and **its rows must be
adjacent in the file** (ACLED's exports keep them so), which lets a file of any size merge in
constant memory: only the event being read is held. The rows of one event become one incident:
its actors are combined in order of appearance (first actor -> actor 1, second -> actor 2, any
further one joins actor 2's associated actors, with a warning) and its fatalities are counted
once, never summed (rows that disagree keep the larger figure, with a warning). Other cells are
the first row's. An event that comes back later in the file, not adjacent, is not counted twice
either: it updates the incident already written, by natural key, and keeps its actors (see
:mod:`bluehelmet.imports.acled_mapping`).

Row numbers are the file's: an event is numbered by its first row, and problems are reported
there. The load report's ``rows`` counts events, not file rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluehelmet.domain.errors import Problem
from bluehelmet.domain.records import Record
from bluehelmet.geography import normalise
from bluehelmet.imports.acled_mapping import ACLED, convert_event
from bluehelmet.imports.registry import Importer, register
from bluehelmet.imports.tables import FileProblem, read_table
from bluehelmet.services.column_load import ColumnReader
from bluehelmet.services.loading import Resolver

__all__ = [
    "IMPORTER",
    "REQUIRED_COLUMNS",
    "AcledEvent",
    "Actor",
    "acled_rows",
    "convert_acled",
    "group_events",
]

REQUIRED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type")
_ALIASES = {"assoc_actor1": "assoc_actor_1", "assoc_actor2": "assoc_actor_2"}


@dataclass
class Actor:
    """One actor of an event: its name, its associated actors, its ACLED actor type (as written)."""

    name: str
    assoc: list[str]
    inter: str


class AcledEvent(dict[str, str]):
    """One event: the cells of its first row under ACLED's column names (lower case), with the
    actors of all its rows merged in :attr:`actors`.

    ``labels`` maps an ACLED column to the file's own name for it where that differs (an HXL
    tag); the cell is then also found under that name, so problems can name the file's column.
    ``overlay`` holds bluehelmet's own columns (from an HXL export), applied over the mapping.
    """

    def __init__(
        self,
        number: int,
        cells: Mapping[str, str],
        *,
        labels: Mapping[str, str] | None = None,
        overlay: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__({_ALIASES.get(k, k): v.strip() for k, v in cells.items()})
        self.first_row = self.last_row = number
        self.labels = dict(labels or {})
        for column, label in self.labels.items():
            self[label] = self.get(column, "")
        self.overlay = dict(overlay or {})
        self.overlay_tags: dict[str, str] = {}  # overlay column -> the file's name for it
        self.warnings: list[tuple[str, str, str]] = []  # (column, value, reason) found while merging
        self.actors: list[Actor] = []
        for side in ("1", "2"):
            self.add_actor(
                self.get(f"actor{side}", ""), self.get(f"assoc_actor_{side}", ""), self.get(f"inter{side}", "")
            )

    @property
    def event_id(self) -> str:
        return self.get("event_id_cnty", "")

    def label(self, column: str) -> str:
        """The file's name for an ACLED column."""
        return self.labels.get(column, column)

    def add_actor(self, name: str, assoc: str, inter: str) -> None:
        """Add an actor unless it is there already (by its normalised name); then only its new
        associated actors are added, and its actor type if it had none."""
        if not name.strip():
            return
        items = [a.strip() for a in assoc.split(";") if a.strip()]
        for actor in self.actors:
            if normalise(actor.name) == normalise(name):
                known = {normalise(b) for b in actor.assoc}
                actor.assoc += [a for a in items if normalise(a) not in known]
                actor.inter = actor.inter or inter
                return
        self.actors.append(Actor(name.strip(), items, inter))

    def absorb(self, other: AcledEvent) -> None:
        """Merge a later row of the same event: its actors join; its fatalities are not added."""
        self.last_row = other.last_row
        for actor in other.actors:
            self.add_actor(actor.name, "; ".join(actor.assoc), actor.inter)
        mine, theirs = self.get("fatalities", ""), other.get("fatalities", "")
        if theirs and mine != theirs:
            reason = f"rows of event {self.event_id} give {mine or 'no'} and {theirs} fatalities: the larger is kept"
            self.warnings.append(("fatalities", theirs, reason))
            if not mine.isdigit() or (theirs.isdigit() and int(theirs) > int(mine)):
                self["fatalities"] = theirs

    def merged_cells(self) -> dict[str, str]:
        """The cells with the merged actors written back as actor 1 and actor 2."""
        cells = dict(self)
        for side in ("1", "2"):
            cells[f"actor{side}"] = cells[f"assoc_actor_{side}"] = cells[f"inter{side}"] = ""
        for side, actor in zip(("1", "2"), self.actors, strict=False):
            cells[f"actor{side}"], cells[f"inter{side}"] = actor.name, actor.inter
            cells[f"assoc_actor_{side}"] = "; ".join(actor.assoc)
        extra = self.actors[2:]
        if extra:
            names = [a.name for a in extra] + [a for actor in extra for a in actor.assoc]
            cells["assoc_actor_2"] = "; ".join([*self.actors[1].assoc, *names])
            reason = f"event {self.event_id} has more than two actors: the others join actor 2's associated actors"
            self.warnings.append(("actor1", extra[0].name, reason))
        return cells


def group_events(events: Iterable[tuple[int, AcledEvent]]) -> Iterator[tuple[int, AcledEvent]]:
    """Merge adjacent rows of one event (same non-empty ``event_id_cnty``), in constant memory.

    Rows without an event id are never merged. Each event is numbered by its first row.
    """
    current: AcledEvent | None = None
    for _, event in events:
        if current is not None and event.event_id and event.event_id == current.event_id:
            current.absorb(event)
            continue
        if current is not None:
            yield current.first_row, current
        current = event
    if current is not None:
        yield current.first_row, current


def acled_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The events of an ACLED CSV or XLSX file, one per event; FileProblem if it is not ACLED's."""

    def events() -> Iterator[tuple[int, AcledEvent]]:
        for number, cells in read_table(path):
            event = AcledEvent(number, {k.strip().lower(): v for k, v in cells.items()})
            missing = [c for c in REQUIRED_COLUMNS if c not in event]
            if missing:
                raise FileProblem(path, f"is not an ACLED export: it has no {', '.join(missing)} column", row=1)
            yield number, event

    yield from group_events(events())


class _AcledConverter:
    """The Converter of ``bluehelmet import acled``: ACLED's provenance, verified when new.

    ``natural_key`` names an event's key before it is converted, so that a batched load looks
    up the events of a whole batch in one query."""

    def __call__(
        self, cls: type[Record], row: Mapping[str, Any], resolver: Resolver, who: str
    ) -> tuple[dict[str, Any], list[Problem]]:
        event = (
            row if isinstance(row, AcledEvent) else AcledEvent(resolver.row, {str(k): str(v) for k, v in row.items()})
        )
        return convert_event(event, resolver, who, ACLED)

    @staticmethod
    def natural_key(row: Mapping[str, Any]) -> dict[str, Any] | None:
        event_id = str(row.get("event_id_cnty") or "").strip()
        return {"external_id": event_id} if event_id else None


convert_acled = _AcledConverter()


def _columns(path: Path) -> ColumnReader:
    """The file read in columns. Imported when used: pyarrow takes a while to load."""
    from bluehelmet.imports.acled_columns import acled_columns  # noqa: PLC0415

    return acled_columns(path)


IMPORTER = register(
    Importer(
        "acled", "Incident", "ACLED exports (classic, newer, or one row per actor)", acled_rows, convert_acled, _columns
    )
)
