"""Section (b), challenges: improvised explosive devices, civilian casualties of explosive
incidents against a year earlier, drones over the Mission's installations, and restrictions
on its freedom of movement."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from babel.core import get_global

from bluehelmet.domain.incidents import EventType, IncidentCategory, Target
from bluehelmet.domain.movement import MovementRestriction
from bluehelmet.domain.places import AdminArea
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Country,
    Day,
    Figure,
    Month,
    Names,
    Paragraph,
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

__all__ = ["CASUALTY_LAG_MONTHS", "challenges", "country_code"]

#: Civilian casualties are compared for whole months verified before the letter: the last
#: month of the period is left out, as casualty verification takes about a month.
CASUALTY_LAG_MONTHS = 1
_IED = [IncidentCategory.IED_DETONATED.value, IncidentCategory.IED_NEUTRALISED.value]


def country_code(iso3: str) -> str:
    """The ISO 3166 alpha-2 code of an alpha-3 one (Babel's territory names are keyed by it)."""
    aliases = get_global("territory_aliases").get(iso3.upper()) or [iso3.upper()]
    return str(aliases[0])


def _ieds(scope: Scope) -> list[Sentence]:
    flt = scope.filter(scope.date_from, scope.date_to)
    summary = stats.ied_summary(scope.db, flt, mission=scope.mission_name)
    if not summary.in_country:
        return [Sentence(N_("No improvised explosive device was recorded in the period."))]
    mission = Target.MISSION.value

    def counted(key: str, value: int, method: str, where: dict[str, object]) -> Figure:
        return figure(
            key,
            value,
            method,
            evidence("Incident", scope.incident_ids(scope.filter(flt.date_from, flt.date_to, where))),
        )

    values: dict[str, Value] = {
        "start": Day(scope.date_from),
        "country": Country(country_code(scope.mission.country_iso3)),
        "total": counted(
            "ied.total",
            summary.in_country,
            N_("Incidents of the categories IED detonated and IED neutralised in the period: counted."),
            {"category": _IED},
        ),
        "against": counted(
            "ied.against_mission",
            summary.against_mission,
            N_("Of those, incidents whose target is the Mission: counted."),
            {"category": _IED, "target": mission},
        ),
        "neutralised": counted(
            "ied.neutralised",
            summary.neutralised,
            N_("Of those against the Mission, devices found and neutralised: counted."),
            {"category": _IED[1], "target": mission},
        ),
        "detonated": counted(
            "ied.detonated",
            summary.detonated,
            N_("Of those against the Mission, devices that detonated: counted."),
            {"category": _IED[0], "target": mission},
        ),
    }
    return [
        Sentence(
            Np_(
                "Since {start}, {total} improvised explosive devices have been used in {country}, {against} "
                "of them against the Mission: {neutralised} was found and neutralised and {detonated} "
                "detonated.",
                "Since {start}, {total} improvised explosive devices have been used in {country}, {against} "
                "of them against the Mission: {neutralised} were found and neutralised and {detonated} "
                "detonated.",
            ),
            values,
            "neutralised",
        )
    ]


def _verified_months(scope: Scope) -> tuple[date, date] | None:
    """The period without its last CASUALTY_LAG_MONTHS calendar months (None when nothing is left)."""
    first_left_out = scope.date_to.replace(day=1)
    for _ in range(CASUALTY_LAG_MONTHS - 1):
        first_left_out = (first_left_out - timedelta(days=1)).replace(day=1)
    last = first_left_out - timedelta(days=1)
    return (scope.date_from, last) if last >= scope.date_from else None


def _casualties(scope: Scope) -> list[Sentence]:
    window = _verified_months(scope)
    if window is None:
        return []
    where = {"event_type": EventType.EXPLOSIONS_REMOTE_VIOLENCE.value}
    flt = scope.filter(window[0], window[1], where)
    change = stats.compare_with_previous_year(scope.db, flt, "civilian_casualties", mission=scope.mission_name)
    if change.change_percent is None or not (change.current or change.previous):
        return []
    then = scope.filter(stats.year_earlier(window[0]), stats.year_earlier(window[1]), where)
    method = N_(
        "Civilians killed and injured in explosive incidents (event type Explosions/Remote violence) from "
        "{date_from} to {date_to}: summed, each event once."
    )
    now_f = figure(
        "casualties.explosive.current",
        change.current,
        method,
        evidence("Incident", scope.incident_ids(flt)),
        date_from=Day(window[0]),
        date_to=Day(window[1]),
    )
    then_f = figure(
        "casualties.explosive.previous",
        change.previous,
        method,
        evidence("Incident", scope.incident_ids(then)),
        date_from=Day(then.date_from or window[0]),
        date_to=Day(then.date_to or window[1]),
    )
    pct = figure(
        "casualties.explosive.change",
        abs(change.change_percent),
        N_("The change from the year before, in per cent of the earlier figure, rounded."),
        now_f.evidence + then_f.evidence,
        style=Style.PERCENT,
    )
    values: dict[str, Value] = {
        "start": Day(window[0]),
        "end": Day(window[1]),
        "current": now_f,
        "previous": then_f,
        "change": pct,
    }
    if change.current_unknown or change.previous_unknown:
        # some incidents have no casualty figures: the sums and their change are over the incidents
        # whose casualties are recorded, and worded as such (never as the totals)
        silent = [
            i.id
            for f in (flt, then)
            for i in records_behind.incidents(scope.db, f, mission=scope.mission_name, limit=1_000_000)
            if i.killed_civilians is None or i.injured_civilians is None
        ]
        values["unknown"] = figure(
            "casualties.explosive.unknown",
            len(silent),
            N_("Explosive incidents of the two periods whose civilian casualties are not recorded: counted."),
            evidence("Incident", silent),
        )
        message = (
            N_(
                "From {start} to {end}, explosive incidents whose casualties are recorded killed or injured {current} "
                "civilians, {change} per cent fewer than the {previous} of the same months a year earlier ({unknown} "
                "incidents of the two periods have no casualty figures)."
            )
            if change.change_percent < 0
            else N_(
                "From {start} to {end}, explosive incidents whose casualties are recorded killed or injured {current} "
                "civilians, {change} per cent more than the {previous} of the same months a year earlier ({unknown} "
                "incidents of the two periods have no casualty figures)."
            )
        )
    elif change.change_percent < 0:
        message = N_(
            "From {start} to {end}, explosive incidents killed or injured {current} civilians, {change} per "
            "cent fewer than the {previous} of the same months a year earlier."
        )
    else:
        message = N_(
            "From {start} to {end}, explosive incidents killed or injured {current} civilians, {change} per "
            "cent more than the {previous} of the same months a year earlier."
        )
    return [Sentence(message, values)]


def _drones(scope: Scope) -> list[Sentence]:
    where = {"category": IncidentCategory.DRONE_OVER_INSTALLATION.value}
    sightings = records_behind.incidents(
        scope.db, scope.filter(scope.date_from, scope.date_to, where), mission=scope.mission_name, limit=100_000
    )
    if not sightings:
        return []
    per_month = Counter(i.event_date.replace(day=1) for i in sightings)
    months = sorted(per_month)
    total = figure(
        "drones.total",
        len(sightings),
        N_("Drone sightings over the Mission's installations in the period: counted."),
        evidence("Incident", [i.id for i in sightings]),
    )
    out = [
        Sentence(
            Np_(
                "Unidentified drones were seen over the Mission's installations {count} time.",
                "Unidentified drones were seen over the Mission's installations {count} times.",
            ),
            {"count": total},
            "count",
        )
    ]
    if len(months) >= 2 and per_month[months[-1]] > per_month[months[0]]:

        def month_figure(key: str, month: date) -> Figure:
            ids = [i.id for i in sightings if i.event_date.replace(day=1) == month]
            return figure(
                key, per_month[month], N_("Drone sightings in the month: counted."), evidence("Incident", ids)
            )

        out.append(
            Sentence(
                N_("Their number grew, from {first} in {first_month} to {last} in {last_month}."),
                {
                    "first": month_figure("drones.first_month", months[0]),
                    "first_month": Month(months[0]),
                    "last": month_figure("drones.last_month", months[-1]),
                    "last_month": Month(months[-1]),
                },
            )
        )
    return out


def _restrictions(scope: Scope) -> list[Sentence]:
    areas = scope.by_id(AdminArea)
    found = [r for r in scope.live(MovementRestriction) if scope.overlaps(r.started_on, r.lifted_on)]
    groups: dict[tuple[str, str], list[MovementRestriction]] = {}
    for r in sorted(found, key=lambda r: (r.started_on, r.id or 0)):
        groups.setdefault((str(r.kind), r.imposed_by), []).append(r)
    out = []
    for (kind, imposed_by), rows in groups.items():
        places = sorted({areas[r.area_id].name if r.area_id in areas else scope.place(r.location_id) for r in rows})
        n = figure(
            f"restrictions.{kind}.{imposed_by}",
            len(rows),
            N_("Restrictions of movement of this kind and origin in force during the period: counted."),
            evidence("MovementRestriction", [r.id for r in rows]),
        )
        out.append(
            Sentence(
                Np_(
                    "Since {start}, {imposed_by} imposed {count} restriction ({kind}) on the Mission's "
                    "movement, in {places}.",
                    "Since {start}, {imposed_by} imposed {count} restrictions ({kind}) on the Mission's "
                    "movement, in {places}.",
                ),
                {
                    "start": Day(rows[0].started_on),
                    "imposed_by": T(imposed_by, next((r.imposed_by_fr for r in rows if r.imposed_by_fr), "")),
                    "count": n,
                    "kind": Term(kind),
                    "places": Names(tuple(T(p) for p in places if p)),
                },
                "count",
            )
        )
        lifted = [r for r in rows if r.lifted_on is not None and r.lifted_on <= scope.date_to]
        if lifted:
            french = {r.lifted_through: r.lifted_through_fr for r in lifted if r.lifted_through_fr}
            through = sorted({r.lifted_through for r in lifted if r.lifted_through})
            m = figure(
                f"restrictions.{kind}.{imposed_by}.lifted",
                len(lifted),
                N_("Of those, restrictions lifted by the end of the period: counted."),
                evidence("MovementRestriction", [r.id for r in lifted]),
            )
            values: dict[str, Value] = {"count": m, "through": Names(tuple(T(t, french.get(t, "")) for t in through))}
            if all(r.patrols_resumed for r in lifted):
                message = Np_(
                    "{count} was lifted after {through}, and the Mission's patrols resumed.",
                    "{count} were lifted after {through}, and the Mission's patrols resumed.",
                )
            else:
                message = Np_("{count} was lifted after {through}.", "{count} were lifted after {through}.")
            out.append(Sentence(message, values, "count"))
    return out


def _ied_chart(scope: Scope) -> Chart:
    flt = scope.filter(scope.date_from, scope.date_to, {"category": _IED, "target": Target.MISSION.value})
    rows = stats.incident_table(scope.db, ["month", "category"], flt, mission=scope.mission_name)
    months = sorted({r["month"] for r in rows})
    table = {(r["month"], r["category"]): r["events"] for r in rows}
    series = tuple(Series(Term(c), tuple(float(table.get((m, c), 0)) for m in months)) for c in reversed(_IED))
    return Chart(
        "ied-outcomes",
        ChartKind.BARS,
        N_("IEDs against the Mission by month: neutralised and detonated"),
        tuple(months),
        series,
        evidence=evidence("Incident", scope.incident_ids(flt)),
        y_label=N_("devices"),
    )


def challenges(scope: Scope) -> Section:
    parts = {
        "challenges.ied": _ieds(scope) + _casualties(scope),
        "challenges.drones": _drones(scope),
        "challenges.movement": _restrictions(scope),
    }
    paragraphs = tuple(Paragraph(tuple(p), key) for key, p in parts.items() if p)
    return Section(
        "challenges",
        N_("Challenges: explosive devices, drones and freedom of movement"),
        paragraphs,
        (_ied_chart(scope),),
    )
