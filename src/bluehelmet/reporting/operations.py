"""Section (a), operations: each operation of the period by region, with its phases and
activities, and the convoy-notification rule that Operation-style compliance monitoring watches."""

from __future__ import annotations

from collections import defaultdict

from bluehelmet.analytics.convoys import month_of, notified_beforehand
from bluehelmet.domain.convoys import ConvoyNotification, ConvoyObservation, requires_notification
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.operations import Activity, ActivityType, Operation, OperationPhase, PatrolRange
from bluehelmet.domain.places import Location
from bluehelmet.reporting.model import Day, Figure, Names, Paragraph, Section, Sentence, Style, Term, Value
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import convoy_stats

__all__ = ["operations"]

_TREND_WINDOW = 3  # months at each end of the notification series, as `stats convoys` has it


def _region(scope: Scope, operation: Operation) -> str:
    regions = [r for i in operation.location_ids if (r := scope.region_of(i))]
    return max(sorted(set(regions)), key=regions.count) if regions else ""


def _operation(scope: Scope, op: Operation) -> list[Sentence]:
    values: dict[str, Value] = {
        "name": T(op.name),
        "kind": Term(str(op.operation_type)),
        "start": Day(op.start_on),
        "places": Names(scope.places(op.location_ids)),
    }
    ongoing = op.end_on is None or op.end_on > scope.date_to
    if not ongoing:
        values["end"] = Day(op.end_on or scope.date_to)
    if not op.location_ids:
        message = (
            N_("Operation {name} ({kind}) has been under way since {start}.")
            if ongoing
            else N_("Operation {name} ({kind}) ran from {start} to {end}.")
        )
    elif ongoing:
        message = N_("Operation {name} ({kind}) has been under way since {start} in {places}.")
    else:
        message = N_("Operation {name} ({kind}) ran from {start} to {end} in {places}.")
    plain = Sentence(message, values)
    aim = scope.quotable(op.description, op.description_fr)
    if aim is None:
        out = [plain]
    else:
        told = {**values, "aim": aim}
        if not op.location_ids:
            aimed = (
                N_("Operation {name} ({kind}), under way since {start}, aims to {aim}.")
                if ongoing
                else N_("Operation {name} ({kind}) ran from {start} to {end} to {aim}.")
            )
        elif ongoing:
            aimed = N_("Operation {name} ({kind}), under way since {start} in {places}, aims to {aim}.")
        else:
            aimed = N_("Operation {name} ({kind}) ran from {start} to {end} in {places} to {aim}.")
        out = [Sentence(aimed, told, fallback=plain)]
    results = scope.quotable(op.results, op.results_fr)
    if results is not None:
        out.append(Sentence(N_("As a result, {results}."), {"results": results}))
    for phase in sorted(scope.live(OperationPhase), key=lambda p: (p.number, p.id or 0)):
        if phase.operation_id == op.id and scope.overlaps(phase.start_on, phase.end_on):
            out.append(
                Sentence(
                    N_("Phase {number:d} ran from {start} to {end} in {places}."),
                    {
                        "number": figure(
                            f"phase.{phase.id}.number",
                            phase.number,
                            N_("The phase's number, as recorded."),
                            evidence("OperationPhase", [phase.id]),
                        ),
                        "start": Day(phase.start_on),
                        "end": Day(phase.end_on or scope.date_to),
                        "places": Names(scope.places(phase.location_ids)),
                    },
                )
            )
    out.extend(_activities(scope, op))
    return out


def _activities(scope: Scope, op: Operation) -> list[Sentence]:
    mine = [a for a in scope.live(Activity) if a.operation_id == op.id and scope.overlaps(a.start_on, a.end_on)]
    mine.sort(key=lambda a: (a.start_on, a.id or 0))
    out = []
    short: list[Activity] = []
    missions: list[Activity] = []
    locations = scope.by_id(Location)
    for a in mine:
        if a.activity_type == ActivityType.PATROL and a.patrol_range == PatrolRange.SHORT:
            short.append(a)
        elif a.activity_type == ActivityType.INTEGRATED_MISSION:
            missions.append(a)
        elif a.activity_type == ActivityType.PATROL and a.from_location_id and a.to_location_id:
            days = figure(
                f"activity.{a.id}.days",
                ((a.end_on or a.start_on) - a.start_on).days + 1,
                N_("Days from the activity's first to its last day, both included."),
                evidence("Activity", [a.id]),
            )
            out.append(
                Sentence(
                    N_("From {start} to {end}, a {days}-day patrol went from {origin} to {destination}."),
                    {
                        "days": days,
                        "origin": scope.where(a.from_location_id) or T(""),
                        "destination": scope.where(a.to_location_id) or T(""),
                        "start": Day(a.start_on),
                        "end": Day(a.end_on or a.start_on),
                    },
                )
            )
        elif a.activity_type == ActivityType.REDEPLOYMENT and a.from_location_id and a.to_location_id:
            origin, destination = locations.get(a.from_location_id), locations.get(a.to_location_id)
            first = scope.sector_place(origin.sector_id if origin else None)
            second = scope.sector_place(destination.sector_id if destination else None)
            if first and second and first != second:
                units = Names(tuple(scope.described(u, with_place=False) for i in a.unit_ids if (u := scope.unit(i))))
                out.append(
                    Sentence(
                        N_("On {day}, {units} moved from {origin} to {destination}."),
                        {"day": Day(a.start_on), "units": units, "origin": first, "destination": second},
                    )
                )
    if short:
        places = sorted({t.value for a in short for t in scope.places(a.location_ids)})
        n = figure(
            f"operation.{op.id}.short_patrols",
            len(short),
            N_("Short-range patrols of the operation in the period: counted."),
            evidence("Activity", [a.id for a in short]),
        )
        out.append(
            Sentence(
                Np_(
                    "{count} short-range patrol was conducted near {places}.",
                    "{count} short-range patrols were conducted near {places}.",
                ),
                {"count": n, "places": Names(tuple(T(p) for p in places))},
                "count",
            )
        )
    if missions:
        visited = [t for a in missions for t in scope.places(a.location_ids)]
        n = figure(
            f"operation.{op.id}.integrated_missions",
            len(missions),
            N_("Integrated missions of the operation in the period: counted."),
            evidence("Activity", [a.id for a in missions]),
        )
        out.append(
            Sentence(
                Np_("{count} integrated mission went to {places}.", "{count} integrated missions went to {places}."),
                {"count": n, "places": Names(tuple(visited))},
                "count",
            )
        )
    return out


def _convoys(scope: Scope) -> list[Sentence]:
    """How armed groups kept the rule of notifying their convoys beforehand (over every month of
    records up to the end of the period, so that the trend has its history)."""
    try:
        result = convoy_stats.convoys(scope.db, date_to=scope.date_to, mission=scope.mission_name)
    except BluehelmetError:  # no convoy records yet
        return []
    out = []
    months, trend = result.notifications_by_month, result.notification_trend
    notices = [n for n in scope.live(ConvoyNotification) if n.notified_on <= scope.date_to]
    if months and trend.first_mean is not None and trend.last_mean is not None:
        span = max(1, min(_TREND_WINDOW, len(months) // 2))
        method = N_(
            "Convoy notifications received per month, averaged over the months from {first_month} to {last_month}."
        )

        def mean(key: str, value: float, chosen: list[str]) -> Figure:
            ids = [n.id for n in notices if month_of(n.notified_on) in chosen]
            return figure(
                key,
                value,
                method,
                evidence("ConvoyNotification", ids),
                style=Style.RATE,
                first_month=T(chosen[0]),
                last_month=T(chosen[-1]),
            )

        first = mean("convoys.notifications.first", trend.first_mean, [m.month for m in months[:span]])
        last = mean("convoys.notifications.last", trend.last_mean, [m.month for m in months[-span:]])
        message = (
            N_("Notifications of armed groups' convoys declined markedly, from {first} to {last} a month.")
            if trend.declined
            else N_("Notifications of armed groups' convoys went from {first} to {last} a month.")
        )
        out.append(Sentence(message, {"first": first, "last": last}))
    total = result.total
    if total.needing_notice:
        by_id = scope.by_id(ConvoyNotification)
        seen = [
            o
            for o in scope.live(ConvoyObservation)
            if o.observed_on <= scope.date_to and requires_notification(o.vehicles, o.heavy_weapons)
        ]
        needing = figure(
            "convoys.needing_notice",
            total.needing_notice,
            N_("Observed convoys of more than five vehicles or with heavy weapons: counted."),
            evidence("ConvoyObservation", [o.id for o in seen]),
        )
        missed = figure(
            "convoys.not_notified",
            total.breaches,
            N_("Of those, the convoys not notified beforehand: counted."),
            evidence("ConvoyObservation", [o.id for o in seen if not notified_beforehand(o, by_id)]),
        )
        out.append(
            Sentence(
                Np_(
                    "Of {needing} observed convoy that required prior notification, {missed} had not been notified.",
                    "Of {needing} observed convoys that required prior notification, {missed} had not been notified.",
                ),
                {"needing": needing, "missed": missed},
                "needing",
            )
        )
    if total.need_unknown:
        unjudged = [
            o
            for o in scope.live(ConvoyObservation)
            if o.observed_on <= scope.date_to and o.vehicles is None and not o.heavy_weapons
        ]
        unknown = figure(
            "convoys.need_unknown",
            total.need_unknown,
            N_("Observed convoys without heavy weapons whose vehicles were not recorded: counted apart."),
            evidence("ConvoyObservation", [o.id for o in unjudged]),
        )
        out.append(
            Sentence(
                Np_(
                    "The need for notice of {unknown} further observed convoy could not be judged, "
                    "as its vehicles were not recorded.",
                    "The need for notice of {unknown} further observed convoys could not be judged, "
                    "as their vehicles were not recorded.",
                ),
                {"unknown": unknown},
                "unknown",
            )
        )
    return out


def operations(scope: Scope) -> Section:
    active = [op for op in scope.live(Operation) if scope.overlaps(op.start_on, op.end_on)]
    by_region: dict[str, list[Operation]] = defaultdict(list)
    for op in active:
        by_region[_region(scope, op)].append(op)
    paragraphs = []
    for region in sorted(by_region, key=lambda r: (r == "", r)):
        ops = sorted(by_region[region], key=lambda o: (o.start_on, o.name))
        count = figure(
            f"operations.{region or 'none'}",
            len(ops),
            N_("Operations under way in the period whose places lie mostly in the region: counted."),
            evidence("Operation", [o.id for o in ops]),
        )
        opening = (
            Sentence(
                Np_(
                    "In the {region} region, {count} operation was under way.",
                    "In the {region} region, {count} operations were under way.",
                ),
                {"region": T(region), "count": count},
                "count",
            )
            if region
            else Sentence(
                Np_(
                    "Across sectors, {count} operation was under way.",
                    "Across sectors, {count} operations were under way.",
                ),
                {"count": count},
                "count",
            )
        )
        sentences = [opening]
        for op in ops:
            sentences.extend(_operation(scope, op))
        paragraphs.append(Paragraph(tuple(sentences), f"operations.{region or 'across_sectors'}"))
    if not active:
        paragraphs.append(Paragraph((Sentence(N_("No operation was recorded for the period.")),), "operations.none"))
    convoys = _convoys(scope)
    if convoys:
        paragraphs.append(Paragraph(tuple(convoys), "operations.convoys"))
    return Section("operations", N_("Operations"), tuple(paragraphs))
