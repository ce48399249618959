"""What a section of the letter reads: the mission, the period, and its records, read once.

Records of the small kinds (units, operations, caveats, ...) are read once in one transaction
and kept; incidents, which may number millions, are never read whole: sections ask the
analysis services for counts and ``services.evidence`` for the ids behind them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from bluehelmet.domain.places import AdminArea, Location, Mission, Sector
from bluehelmet.domain.records import Record
from bluehelmet.domain.units import Unit
from bluehelmet.reporting.model import Evidence, Figure, Sentence, Style, Text, Value
from bluehelmet.services import evidence as incident_evidence
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.stats import IncidentFilter

__all__ = ["Scope", "evidence", "figure"]

_R = TypeVar("_R", bound=Record)


def evidence(kind: str, ids: Iterable[int | None]) -> tuple[Evidence, ...]:
    """One kind's records, as evidence (ids sorted, missing ids left out)."""
    return (Evidence(kind, tuple(sorted({i for i in ids if i is not None}))),)


def figure(
    key: str,
    value: float,
    method: str,
    evidence: tuple[Evidence, ...] = (),
    *,
    style: Style = Style.COUNT,
    **method_values: Value,
) -> Figure:
    return Figure(key, value, method, evidence, style, method_values)


@dataclass
class Scope:
    """The mission and period a letter covers, with its small records read once."""

    db: Database
    mission: Mission
    date_from: date
    date_to: date
    #: Whether the letter names the units whose shortcomings it reports (off: "one sub-unit"),
    #: and counts the incidents still pending review (off: verified incidents only).
    name_units: bool = False
    include_drafts: bool = False
    _cache: dict[str, list[Any]] = field(default_factory=dict)
    #: What the letter leaves out, said in its annex (filled as the sections are built).
    notes: list[Sentence] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        db: Database,
        date_from: date,
        date_to: date,
        mission: str | None,
        *,
        name_units: bool = False,
        include_drafts: bool = False,
    ) -> Scope:
        with db.transaction("report") as tx:
            found = find_mission(tx, mission)
        return cls(db, found, date_from, date_to, name_units, include_drafts)

    @property
    def mission_name(self) -> str | None:
        return self.mission.name

    def live(self, cls: type[_R]) -> list[_R]:
        """Every live record of a small kind that belongs to the mission (or to its records)."""
        name = cls.__name__
        if name not in self._cache:
            with self.db.transaction("report") as tx:
                found = list(records.list_records(tx, cls))
            mission_id = self.mission.id
            self._cache[name] = [r for r in found if getattr(r, "mission_id", mission_id) == mission_id]
        return list(self._cache[name])

    def by_id(self, cls: type[_R]) -> dict[int, _R]:
        return {r.id or 0: r for r in self.live(cls)}

    def place(self, location_id: int | None) -> str:
        return self.by_id(Location)[location_id].name if location_id in self.by_id(Location) else ""

    def places(self, location_ids: Sequence[int]) -> tuple[Text, ...]:
        return tuple(Text(self.place(i)) for i in location_ids if self.place(i))

    def sector(self, sector_id: int | None) -> str:
        sectors = self.by_id(Sector)
        return sectors[sector_id].name if sector_id in sectors else ""

    def region_of(self, location_id: int | None) -> str:
        """The admin-1 region of a place, by name ('' when unknown)."""
        location = self.by_id(Location).get(location_id or 0)
        areas = self.by_id(AdminArea)
        if location is None or location.admin1_id not in areas:
            return ""
        return areas[location.admin1_id or 0].name

    def incident_ids(self, flt: IncidentFilter) -> tuple[int, ...]:
        """The ids of the incidents an analysis with ``flt`` counts (a figure's evidence)."""
        return tuple(incident_evidence.incident_ids(self.db, flt, mission=self.mission_name))

    def unit(self, unit_id: int | None) -> Unit | None:
        return self.by_id(Unit).get(unit_id or 0)

    def overlaps(self, start: date | None, end: date | None) -> bool:
        """Whether something from ``start`` to ``end`` (None: open) falls in the period."""
        return (start is None or start <= self.date_to) and (end is None or end >= self.date_from)

    def within(self, day: date | None) -> bool:
        return day is not None and self.date_from <= day <= self.date_to

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def weeks_before(self, day: date, weeks: int) -> tuple[date, date]:
        return day - timedelta(weeks=weeks), day - timedelta(days=1)
