"""Numbers typed into free text that belong in a structured field of the same record.

The letter and the pages quote free text (a unit's status reason, a project's name, an
activity's description) beside figures computed from the record's fields. A number typed into
that text ("the 20-member advance team", "(16 ha)") either repeats the field, and goes stale the
day the field changes, or already contradicts it. Each is worth a person's look: a warning at
entry and a finding of ``bluehelmet check``, never a refusal.

Only a number followed by the words of a measure is read ("20-member", "645 strong", "16 ha",
"20-day", "12 vehicles"); a number alone (a unit's "INFBAT 2", a paragraph, a date) is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bluehelmet.domain.records import Record

__all__ = ["MEASURES", "Measure", "Relation", "TypedNumber", "typed_numbers"]

_NUMBER = r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_STAFF = r"(?:-?strong|members?|personnel|troops|soldiers|officers|peacekeepers|staff|persons|people)"
_PEOPLE = re.compile(_NUMBER + r"[\s-]*(?:police\s+)?" + _STAFF + r"\b", re.IGNORECASE)
_HECTARES = re.compile(_NUMBER + r"[\s-]*(?:ha|hectares?|hectars?)\b", re.IGNORECASE)
_DAYS = re.compile(_NUMBER + r"[\s-]*days?\b", re.IGNORECASE)
_VEHICLES = re.compile(_NUMBER + r"[\s-]*(?:vehicles?|trucks?|pick-?ups?)\b", re.IGNORECASE)
_KILLED = re.compile(_NUMBER + r"[\s-]*(?:killed|dead|deaths|fatalities)\b", re.IGNORECASE)
_ATTACKERS = re.compile(_NUMBER + r"[\s-]*(?:attackers|assailants|fighters)\b", re.IGNORECASE)


class Relation(StrEnum):
    DUPLICATES = "duplicates"  # the text repeats the field: it goes stale when the field changes
    CONTRADICTS = "contradicts"  # the text says another number than the field
    NOT_RECORDED = "not_recorded"  # the field is empty: the number belongs there


@dataclass(frozen=True)
class Measure:
    """Texts of a kind of record, the words that mark a number of this measure, and the fields
    (or, for a measure derived from fields, a function) that hold it."""

    texts: tuple[str, ...]
    pattern: re.Pattern[str]
    fields: tuple[str, ...]
    noun: str
    derived: Callable[[Record], float | None] | None = None

    def values(self, record: Record) -> list[float | None]:
        if self.derived is not None:
            return [self.derived(record)]
        return [getattr(record, f, None) for f in self.fields]


def _days(record: Record) -> float | None:
    start, end = getattr(record, "start_on", None), getattr(record, "end_on", None)
    return None if start is None or end is None else float((end - start).days + 1)


#: What is read in the free text of each kind of record.
MEASURES: dict[str, tuple[Measure, ...]] = {
    "Unit": (
        Measure(("name", "status_reason", "notes"), _PEOPLE, ("deployed_strength", "authorised_strength"), "strength"),
    ),
    "Evaluation": (Measure(("summary",), _PEOPLE, ("evaluated_strength",), "strength"),),
    "Rotation": (Measure(("note",), _PEOPLE, ("personnel",), "personnel"),),
    "InfrastructureProject": (Measure(("name", "purpose"), _HECTARES, ("hectares",), "area"),),
    "Activity": (Measure(("description",), _DAYS, ("start_on", "end_on"), "duration", _days),),
    "ConvoyNotification": (Measure(("route",), _VEHICLES, ("vehicles",), "vehicles"),),
    "ConvoyObservation": (Measure(("route",), _VEHICLES, ("vehicles",), "vehicles"),),
    "Incident": (
        Measure(("notes",), _KILLED, ("fatalities",), "fatalities"),
        Measure(("notes",), _ATTACKERS, ("attackers_estimated",), "attackers"),
    ),
}


@dataclass(frozen=True)
class TypedNumber:
    """A number typed in ``field`` (``quoted`` is the words it was read from) and how it stands
    against the structured ``measure_fields`` and their ``values``."""

    field: str
    quoted: str
    number: float
    measure: str
    measure_fields: tuple[str, ...]
    values: tuple[float | None, ...]
    relation: Relation

    def reason(self) -> str:
        """The warning, in words: what the text says and where the number belongs."""
        where = " / ".join(self.measure_fields) if self.measure != "duration" else "its start and end dates"
        if self.relation == Relation.NOT_RECORDED:
            return f'says "{self.quoted}" but its {self.measure} is not recorded: record it in {where}, not in the text'
        known = ", ".join(_plain(v) for v in self.values if v is not None)
        if self.relation == Relation.DUPLICATES:
            repeated = f"repeats its {self.measure} ({known}, in {where})"
            return f'says "{self.quoted}", which {repeated}: say it in the field only'
        return f'says "{self.quoted}" but its {self.measure} is {known} ({where})'


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _read(quoted: str) -> float | None:
    try:
        return float(quoted.replace(",", ""))
    except ValueError:
        return None


def typed_numbers(record: Record, kind: str | None = None) -> list[TypedNumber]:
    """Every number of a measure typed into the free text of ``record``, field by field."""
    found: list[TypedNumber] = []
    for measure in MEASURES.get(kind or type(record).__name__, ()):
        values = tuple(_number(v) for v in measure.values(record))
        for text_field in measure.texts:
            text = getattr(record, text_field, None)
            if not isinstance(text, str) or not text:
                continue
            for match in measure.pattern.finditer(text):
                number = _read(match.group(1))
                if number is None:
                    continue
                found.append(
                    TypedNumber(text_field, match.group(0), number, measure.noun, measure.fields, values,
                                _relation(number, values))
                )  # fmt: skip
    return found


def _relation(number: float, values: Sequence[float | None]) -> Relation:
    known = [v for v in values if v is not None]
    if not known:
        return Relation.NOT_RECORDED
    return Relation.DUPLICATES if any(abs(number - v) < 1e-9 for v in known) else Relation.CONTRADICTS
