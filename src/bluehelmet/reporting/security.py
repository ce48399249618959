"""Section (a), the security situation: incidents of the period by region, changes in the rate
of protection-of-civilians incidents where the Mission moved forces, and attacks on its camps."""

from __future__ import annotations

from datetime import date, timedelta

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.domain.incidents import IncidentCategory
from bluehelmet.domain.operations import Activity, ActivityType, Operation
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Names,
    Paragraph,
    Place,
    Section,
    Sentence,
    Series,
    Style,
    Term,
    Value,
)
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import evidence as records_behind
from bluehelmet.services import stats
from bluehelmet.services.stats import IncidentFilter

__all__ = ["BASELINE_WEEKS", "security_situation"]

#: Whole weeks before a redeployment against which the rate after it is compared.
BASELINE_WEEKS = 14
#: Redeployments this long before the period still have their effect reported.
_LOOKBACK = timedelta(weeks=26)


def _overview(scope: Scope) -> list[Sentence]:
    period = scope.filter(scope.date_from, scope.date_to)
    (total,) = stats.incident_table(scope.db, [], period, mission=scope.mission_name) or [
        {"events": 0, "fatalities": 0}
    ]
    if not total["events"]:
        return [
            Sentence(
                N_("No incident was recorded from {date_from} to {date_to}."),
                {"date_from": Day(scope.date_from), "date_to": Day(scope.date_to)},
            )
        ]
    ids = evidence("Incident", scope.incident_ids(period))
    events = figure(
        "incidents.total",
        total["events"],
        N_("Incidents of the period, verified or pending review: counted.")
        if scope.include_drafts
        else N_("Verified incidents of the period: counted."),
        ids,
    )
    # incidents whose fatalities are not recorded (a count the analysis gives once casualties may
    # be unknown): the sum of the others is then a part, worded as one, never as the total
    unknown = int(total.get("fatalities_unknown") or 0)
    dead = figure(
        "incidents.fatalities",
        total["fatalities"],
        N_("Fatalities of the incidents of the period: summed, each event once."),
        ids,
        coverage=Coverage(total["events"] - unknown, total["events"], "incidents"),
    )
    values: dict[str, Value] = {"date_from": Day(scope.date_from), "date_to": Day(scope.date_to), "events": events}
    if unknown:
        everything = records_behind.incidents(scope.db, period, mission=scope.mission_name, limit=1_000_000)
        silent = [i.id for i in everything if i.fatalities is None]
        out = [
            Sentence(
                Np_(
                    "From {date_from} to {date_to}, the Mission recorded {events} incident; of those whose "
                    "casualties are recorded, {dead} people were killed ({unknown} without casualty figures).",
                    "From {date_from} to {date_to}, the Mission recorded {events} incidents; in those whose "
                    "casualties are recorded, {dead} people were killed ({unknown} without casualty figures).",
                ),
                {
                    **values,
                    "dead": dead,
                    "unknown": figure(
                        "incidents.fatalities_unknown",
                        len(silent),
                        N_("Incidents of the period whose fatalities are not recorded: counted."),
                        evidence("Incident", silent),
                    ),
                },
                "events",
            )
        ]
    elif total["fatalities"]:
        out = [
            Sentence(
                Np_(
                    "From {date_from} to {date_to}, the Mission recorded {events} incident, in which {dead} "
                    "people were killed.",
                    "From {date_from} to {date_to}, the Mission recorded {events} incidents, in which {dead} "
                    "people were killed.",
                ),
                {**values, "dead": dead},
                "events",
            )
        ]
    else:
        out = [
            Sentence(
                Np_(
                    "From {date_from} to {date_to}, the Mission recorded {events} incident, in which no one was "
                    "killed.",
                    "From {date_from} to {date_to}, the Mission recorded {events} incidents, in which no one was "
                    "killed.",
                ),
                values,
                "events",
            )
        ]
    rows = stats.incident_table(scope.db, ["admin1"], period, mission=scope.mission_name)
    _pending(scope, out)
    regions: list[Sentence] = []
    for row in sorted((r for r in rows if r["admin1"]), key=lambda r: (-r["events"], r["admin1"])):
        flt = scope.filter(scope.date_from, scope.date_to, {"admin1": row["admin1"]})
        n = figure(
            f"incidents.admin1.{row['admin1']}",
            row["events"],
            N_("Incidents of the period in the region {region}, verified or pending review: counted.")
            if scope.include_drafts
            else N_("Verified incidents of the period in the region {region}: counted."),
            evidence("Incident", scope.incident_ids(flt)),
            region=T(row["admin1"]),
        )
        regions.append(Sentence(N_("{region} ({events:d})"), {"region": T(row["admin1"]), "events": n}))
    if len(regions) == 1:
        out.append(Sentence(N_("All took place in the region of {regions}."), {"regions": Names(tuple(regions))}))
    elif regions:
        out.append(Sentence(N_("They took place in the regions of {regions}."), {"regions": Names(tuple(regions))}))
    return out


def _pending(scope: Scope, out: list[Sentence]) -> None:
    """Reports pending review: counted apart and named in the annex, or, when the officer turns
    them in, said in the letter."""
    with scope.db.transaction("report") as tx:
        pending, ids = stats.pending_review(tx, scope.mission.id or 0, IncidentFilter(scope.date_from, scope.date_to))
    if not pending:
        return
    count = figure(
        "incidents.pending", pending, N_("Incident reports pending review: counted."), evidence("Incident", ids)
    )
    if scope.include_drafts:
        out.append(
            Sentence(
                Np_(
                    "These figures include {count} report still pending review.",
                    "These figures include {count} reports still pending review.",
                ),
                {"count": count},
                "count",
            )
        )
    else:
        scope.notes.append(
            Sentence(
                Np_(
                    "{count} incident report pending review is not included in the figures.",
                    "{count} incident reports pending review are not included in the figures.",
                ),
                {"count": count},
                "count",
            )
        )


def _whole_weeks_from(start: date, end: date) -> date | None:
    """The last day of the whole weeks from ``start`` up to ``end`` (None: not one whole week)."""
    weeks = ((end - start).days + 1) // 7
    return start + timedelta(weeks=weeks) - timedelta(days=1) if weeks else None


def _rate_changes(scope: Scope) -> list[Sentence]:
    """For each redeployment of the period (or the half-year before it) to a place: the weekly
    rate of protection-of-civilians incidents there in the BASELINE_WEEKS before, and since."""
    out = []
    operations = scope.by_id(Operation)
    poc = IncidentCategory.PROTECTION_OF_CIVILIANS.value
    for move in sorted(scope.live(Activity), key=lambda a: (a.start_on, a.id or 0)):
        if move.activity_type != ActivityType.REDEPLOYMENT or move.to_location_id is None:
            continue
        if not (scope.date_from - _LOOKBACK <= move.start_on <= scope.date_to):
            continue
        last = _whole_weeks_from(move.start_on, scope.date_to)
        if last is None:
            continue
        where = {"category": poc}
        places = records_behind.incidents(
            scope.db,
            scope.filter(move.start_on - timedelta(weeks=BASELINE_WEEKS), last, where),
            mission=scope.mission_name,
        )
        names = sorted({i.location_name for i in places if i.location_id == move.to_location_id and i.location_name})
        for name in names:
            flt = scope.filter(move.start_on - timedelta(weeks=BASELINE_WEEKS), last, {**where, "location": name})
            change = stats.weekly_rate(scope.db, move.start_on, flt, mission=scope.mission_name)
            before_f = scope.filter(flt.date_from, move.start_on - timedelta(days=1), flt.where)
            after_f = scope.filter(move.start_on, last, flt.where)
            method = N_(
                "Protection of civilians incidents at {place} from {date_from} to {date_to}, "
                "counted and divided by the {weeks} weeks."
            )
            before = figure(
                f"poc_rate.{move.id}.{name}.before",
                change.rate_before,
                method,
                evidence("Incident", scope.incident_ids(before_f)),
                style=Style.RATE,
                place=T(name),
                date_from=Day(before_f.date_from or move.start_on),
                date_to=Day(before_f.date_to or move.start_on),
                weeks=T(str(BASELINE_WEEKS)),
            )
            after = figure(
                f"poc_rate.{move.id}.{name}.after",
                change.rate_after,
                method,
                evidence("Incident", scope.incident_ids(after_f)),
                style=Style.RATE,
                place=T(name),
                date_from=Day(move.start_on),
                date_to=Day(last),
                weeks=T(str(((last - move.start_on).days + 1) // 7)),
            )
            operation = operations.get(move.operation_id or 0)
            destination = scope.where(move.to_location_id) or Place(name)
            values: dict[str, Value] = {
                "place": Names((_quarter(name, destination),)),
                "destination": destination,
                "origin": scope.where(move.from_location_id) or Place(""),
                "day": Day(move.start_on),
                "units": Names(
                    tuple(scope.described(u, with_place=False) for i in move.unit_ids if (u := scope.unit(i)))
                ),
                "operation": T(operation.name if operation else ""),
                "before": before,
                "after": after,
            }
            if change.rate_after < change.rate_before:
                message = N_(
                    "Since {units} moved from {origin} to {destination} on {day} as part of Operation {operation}, "
                    "protection of civilians incidents in {place} fell from {before} to {after} a week."
                )
            else:
                message = N_(
                    "Since {units} moved from {origin} to {destination} on {day} as part of Operation {operation}, "
                    "protection of civilians incidents in {place} went from {before} to {after} a week."
                )
            out.append(Sentence(message, values))
    return out


def _quarter(name: str, town: Place) -> Sentence:
    """Where incidents were recorded, as the letter names it: a quarter of a town ("quartier
    hydraulique, Ansongo") as 'the "quartier hydraulique" of Ansongo', else the place itself."""
    quarter, _, of = name.rpartition(", ")
    if quarter and of == town.name:
        return Sentence(N_("the \N{LEFT DOUBLE QUOTATION MARK}{quarter}\N{RIGHT DOUBLE QUOTATION MARK} of {town}"),
                        {"quarter": T(quarter), "town": town})  # fmt: skip
    return Sentence(N_("{town}"), {"town": Place(name)})


def _attacks(scope: Scope) -> list[Sentence]:
    out = []
    attacks = records_behind.incidents(
        scope.db,
        scope.filter(scope.date_from, scope.date_to, {"category": IncidentCategory.COMPLEX_ATTACK_ON_CAMP.value}),
        mission=scope.mission_name,
        limit=20,
    )
    for attack in attacks:
        values: dict[str, Value] = {
            "day": Day(attack.event_date),
            "place": scope.where(attack.location_id) or T(attack.location_name, attack.location_name_fr),
        }
        if attack.attackers_estimated:
            values["attackers"] = figure(
                f"attack.{attack.id}.attackers",
                attack.attackers_estimated,
                N_("The estimate of attackers recorded with the incident."),
                evidence("Incident", [attack.id]),
            )
            out.append(
                Sentence(
                    N_(
                        "On {day}, the Mission repelled a complex attack by an estimated {attackers} "
                        "attackers on its camp in {place}."
                    ),
                    values,
                )
            )
        else:
            out.append(Sentence(N_("On {day}, the Mission's base in {place} came under a complex attack."), values))
    explosive = [a for a in attacks if a.explosives_used]
    if explosive:
        out.append(
            Sentence(
                N_("Explosives were used in the attacks in {places}."),
                {
                    "places": Names(
                        tuple(scope.where(a.location_id) or T(a.location_name, a.location_name_fr) for a in explosive)
                    )
                },
            )
        )
    hijackings = records_behind.incidents(
        scope.db,
        scope.filter(scope.date_from, scope.date_to, {"category": IncidentCategory.HIJACKING.value}),
        mission=scope.mission_name,
        limit=20,
    )
    for event in hijackings:
        units = [u for i in event.responding_unit_ids if (u := scope.unit(i))]
        if units:
            out.append(
                Sentence(
                    N_("On {day}, the Mission's {component} interrupted a hijacking on the {place}."),
                    {
                        "day": Day(event.event_date),
                        "component": Term(str(units[0].component)),
                        "place": scope.where(event.location_id) or T(event.location_name, event.location_name_fr),
                    },
                )
            )
    return out


def _by_month_chart(scope: Scope) -> Chart:
    period = scope.filter(scope.date_from, scope.date_to)
    rows = stats.incident_table(scope.db, ["month", "category"], period, mission=scope.mission_name)
    months = sorted({r["month"] for r in rows})
    categories = sorted({r["category"] or "other" for r in rows})
    table = {(r["month"], r["category"] or "other"): r["events"] for r in rows}
    series = tuple(Series(Term(c), tuple(float(table.get((m, c), 0)) for m in months)) for c in categories)
    return Chart(
        "incidents-by-month",
        ChartKind.STACKED,
        N_("Incidents by month and category"),
        tuple(months),
        series,
        evidence=evidence("Incident", scope.incident_ids(period)),
        y_label=N_("incidents"),
    )


def security_situation(scope: Scope) -> Section:
    paragraphs = [Paragraph(tuple(_overview(scope)), "security.incidents")]
    for key, sentences in (("security.redeployments", _rate_changes(scope)), ("security.attacks", _attacks(scope))):
        if sentences:
            paragraphs.append(Paragraph(tuple(sentences), key))
    return Section("security", N_("Security situation"), tuple(paragraphs), (_by_month_chart(scope),))
