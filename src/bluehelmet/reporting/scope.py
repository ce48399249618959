"""What a section of the letter reads: the mission, the period, and its records, read once.

Records of the small kinds (units, operations, caveats, ...) are read once in one transaction
and kept; incidents, which may number millions, are never read whole: sections ask the
analysis services for counts and ``services.evidence`` for the ids behind them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.domain.attachments import Attachment
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.domain.places import AdminArea, Location, Mission, Sector
from bluehelmet.domain.records import Record
from bluehelmet.domain.units import Unit
from bluehelmet.reporting.model import AttachedFile, Evidence, Figure, Place, Sentence, Style, Term, Text, Value
from bluehelmet.reporting.wording import N_
from bluehelmet.services import evidence as incident_evidence
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.stats import IncidentFilter

__all__ = ["TYPED_NUMBER_NOTE", "Scope", "evidence", "figure", "typed_numbers"]

TYPED_NUMBER_NOTE = N_("Not quoted, as it carries a typed number that a computed figure may contradict: {text}")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
)
#: Dates ("2 April 2021", "1er avril"), years, and resolution or document numbers ("2531 (2020)",
#: "S/2021/300"): numbers in prose that no figure of the letter states.
_NOT_A_FIGURE = re.compile(
    rf"\b\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\b|\b(?:19|20)\d\d\b|\b\d{{3,5}}\s*\(\d{{4}}\)|\b[A-Z]+(?:/[\w.]+)+"
)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")


def typed_numbers(text: str) -> list[str]:
    """The numbers typed in prose that look like figures (not dates, years or document symbols)."""
    return _DIGITS.findall(_NOT_A_FIGURE.sub(" ", text))


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
    coverage: Coverage | None = None,
    **method_values: Value,
) -> Figure:
    return Figure(key, value, method, evidence, style, method_values, coverage)


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

    def where(self, location_id: int | None) -> Place | None:
        """A place of the gazetteer as the letter names it, with its French name and article."""
        location = self.by_id(Location).get(location_id or 0)
        if location is None:
            return None
        return Place(location.name, location.name_fr, str(location.article_fr))

    def sector_place(self, sector_id: int | None) -> Place | None:
        """A sector as the letter names it ("Sector Centre", "le secteur Centre")."""
        sector = self.by_id(Sector).get(sector_id or 0)
        if sector is None:
            return None
        return Place(sector.name, sector.name_fr, str(sector.article_fr), needs_fr=True)

    def described(self, unit: Unit, *, with_place: bool = True) -> Sentence:
        """A unit as the Council reads it: its type, and its base where it has one ("an infantry
        battalion in Douentza"), never its internal name or code."""
        kind = Term(f"a:{unit.unit_type}")
        base = self.where(unit.base_id) if with_place else None
        if base is None:
            return Sentence(N_("{unit}"), {"unit": kind})
        return Sentence(N_("{unit} in {place}"), {"unit": kind, "place": base})

    def quotable(self, text: str, text_fr: str = "") -> Text | None:
        """Record prose the letter may quote, with its French value; None when there is none, or
        when it carries a typed number (not a date or a year) that could contradict a computed
        figure beside it: such text is left out, and the annex says so."""
        text, text_fr = text.strip().rstrip("."), text_fr.strip().rstrip(".")
        if not text:
            return None
        if typed_numbers(text) or typed_numbers(text_fr):
            self.notes.append(Sentence(TYPED_NUMBER_NOTE, {"text": Text(text)}))
            return None
        return Text(text, text_fr)

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

    def filter(
        self, date_from: date | None = None, date_to: date | None = None, where: Mapping[str, Any] | None = None
    ) -> IncidentFilter:
        """The incidents a figure counts: verified ones, or with ``include_drafts`` those pending
        review too (a rejected report never)."""
        statuses = None if self.include_drafts else frozenset({ReviewStatus.VERIFIED})
        return IncidentFilter(date_from, date_to, where, statuses)

    def incident_ids(self, flt: IncidentFilter) -> tuple[int, ...]:
        """The ids of the incidents an analysis with ``flt`` counts (a figure's evidence)."""
        return tuple(incident_evidence.incident_ids(self.db, flt, mission=self.mission_name))

    def attachments(self, figures: Iterable[Figure]) -> tuple[AttachedFile, ...]:
        """The live attachments of the mission held by the records ``figures`` count (their
        evidence), by kind, record and attachment id: only what the letter counts, nothing else."""
        counted: dict[str, set[int]] = {}
        for f in figures:
            for e in f.evidence:
                counted.setdefault(e.kind, set()).update(e.ids)
        found: list[AttachedFile] = []
        with self.db.transaction("report") as tx:
            for kind in sorted(k for k, ids in counted.items() if ids):
                held = records.list_records(tx, Attachment, {"mission_id": self.mission.id, "record_kind": kind})
                found.extend(
                    AttachedFile(kind, a.record_id, a.id or 0, a.filename, a.media_type, a.size, a.sha256)
                    for a in held
                    if isinstance(a, Attachment) and a.record_id in counted[kind]
                )
        return tuple(sorted(found, key=lambda a: (a.kind, a.record_id, a.attachment_id)))

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
