"""Build the letter to the Security Council for a period: every section from the records, with
every figure computed by the analysis services and carrying the ids of its records.

The structure follows what resolution 2531 (2020) asks for: (a) progress in mission operations,
(b) the performance and rotations of uniformed personnel, (c) the integrated strategic
framework and the transition plan. The result is language-free data; ``render`` words it.
"""

from __future__ import annotations

import string
from datetime import UTC, date, datetime

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.operations import Operation
from bluehelmet.domain.places import Location
from bluehelmet.reporting.adaptation import adaptation_plan, coordination
from bluehelmet.reporting.caveat_report import caveats
from bluehelmet.reporting.challenges import challenges
from bluehelmet.reporting.letter_frame import closing, default_date, opening
from bluehelmet.reporting.model import Chart, ChartKind, Figure, Letter, MapPoint, Names, Section, Sentence
from bluehelmet.reporting.operations import operations
from bluehelmet.reporting.personnel import equipment, evaluations
from bluehelmet.reporting.rotation_report import rotations
from bluehelmet.reporting.scope import Scope, evidence
from bluehelmet.reporting.security import security_situation
from bluehelmet.reporting.transition_plan import transition
from bluehelmet.reporting.wording import N_
from bluehelmet.services import hotspots
from bluehelmet.services.database import Database

__all__ = ["MAP_RESOLUTION", "STYLES", "build_letter", "figures_in_order"]

#: The frames a letter can take: the Secretary-General's letter, or a report with numbered paragraphs.
STYLES = ("letter", "report")

#: The H3 resolution incidents are gathered in on the letter's map (cells of about 250 km²).
MAP_RESOLUTION = 5


#: The years a letter's period may cover: from 1948, when UNTSO, the first peacekeeping mission,
#: began, to 2199. Outside them a period is a slip of the keyboard (0001-10-01), and the
#: comparisons with a year earlier and the look-backs would fall off the calendar.
EARLIEST, LATEST = date(1948, 1, 1), date(2199, 12, 31)


def _map(scope: Scope) -> Chart:
    counts = hotspots.hexagons(
        scope.db, scope.filter(scope.date_from, scope.date_to), MAP_RESOLUTION, mission=scope.mission_name
    )
    points = [MapPoint(h.latitude, h.longitude, "incident", h.cell, h.count) for h in counts.hexagons]
    places = scope.by_id(Location)
    active = [op for op in scope.live(Operation) if scope.overlaps(op.start_on, op.end_on)]
    for op in sorted(active, key=lambda o: o.name):
        for location_id in op.location_ids:
            place = places.get(location_id)
            if place is not None and place.latitude is not None and place.longitude is not None:
                points.append(MapPoint(place.latitude, place.longitude, "operation", op.name))
    return Chart(
        "map",
        ChartKind.MAP,
        N_("Incidents of the period and places of operations"),
        points=tuple(points),
        evidence=evidence("Operation", [op.id for op in active]),
        country_iso3=scope.mission.country_iso3,
    )


def figures_in_order(sections: tuple[Section, ...]) -> tuple[Figure, ...]:
    """Every figure the sentences state (a value their message names), in reading order, each once."""
    seen: dict[str, Figure] = {}

    def state(sentence: Sentence) -> None:
        message = sentence.message[-1] if isinstance(sentence.message, tuple) else sentence.message
        named = [name for _, name, _, _ in string.Formatter().parse(message) if name]
        for name in dict.fromkeys(named):  # in the order the English message states them
            value = sentence.values[name]
            items = value.items if isinstance(value, Names) else (value,)
            for item in items:
                if isinstance(item, Sentence):
                    state(item)
                elif isinstance(item, Figure) and item.key not in seen:
                    seen[item.key] = item

    def visit(section: Section) -> None:
        for paragraph in section.paragraphs:
            for sentence in paragraph.sentences:
                state(sentence)
        for sub in section.subsections:
            visit(sub)

    for section in sections:
        visit(section)
    return tuple(seen.values())


def build_letter(
    db: Database,
    date_from: date,
    date_to: date,
    *,
    mission: str | None = None,
    today: date | None = None,
    style: str = "letter",
    symbol: str = "",
    dated: date | None = None,
    name_units: bool = False,
    include_drafts: bool = False,
) -> Letter:
    """The letter of ``mission`` (the only one when None) for ``date_from``..``date_to`` (inclusive):
    a letter from the Secretary-General (``style`` "letter", with its opening and closing) or a
    report (numbered paragraphs). ``dated`` defaults to the day after the period."""
    if date_to < date_from:
        raise BluehelmetError(f"--to {date_to} is before --from {date_from}")
    if date_from < EARLIEST or date_to > LATEST:
        raise BluehelmetError(
            f"the period {date_from} to {date_to} is outside the years a letter reports on "
            f"({EARLIEST.year}, when the first peacekeeping mission began, to {LATEST.year})"
        )
    if style not in STYLES:
        raise BluehelmetError(f"--style {style!r} is not one of: {', '.join(STYLES)}")
    scope = Scope.open(db, date_from, date_to, mission, name_units=name_units, include_drafts=include_drafts)
    part_a = Section(
        "a",
        N_("(a) Progress in mission operations"),
        charts=(_map(scope),),
        subsections=(security_situation(scope), operations(scope), adaptation_plan(scope), coordination(scope)),
    )
    part_b = Section(
        "b",
        N_("(b) Performance and rotations of uniformed personnel"),
        subsections=(evaluations(scope), equipment(scope), caveats(scope), challenges(scope), rotations(scope)),
    )
    sections: tuple[Section, ...] = (part_a, part_b, transition(scope))
    if style == "letter":
        sections = (opening(scope.mission, date_from, date_to), *sections, closing())
    figures = figures_in_order(sections)
    return Letter(
        mission=scope.mission.name,
        mission_full_name=scope.mission.full_name or scope.mission.name,
        date_from=date_from,
        date_to=date_to,
        generated_on=today or datetime.now(UTC).date(),
        sections=sections,
        figures=figures,
        style=style,
        symbol=symbol,
        dated=dated or default_date(date_to),
        signatory=scope.mission.signatory,
        notes=tuple(scope.notes),
        attachments=scope.attachments(figures),
    )
