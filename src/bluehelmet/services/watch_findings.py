"""What each kind of alert rule finds in the records on a given day: its causes, each with the
key that names it (an alert is raised once per key), a message and the records behind it.

Read inside the caller's transaction; nothing is written here (``services.watch`` stores the
alerts). The tests that decide are pure (``domain.alerts``, ``analytics.hotspots``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bluehelmet.analytics.hotspots import near_repeat_clusters
from bluehelmet.domain.alerts import (
    AlertKind,
    AlertRule,
    Measure,
    ProximityTarget,
    distance_to_route_km,
    surge_test,
)
from bluehelmet.domain.caveats import Caveat, CaveatImpact
from bluehelmet.domain.convoys import ConvoyNotification, ConvoyObservation, requires_notification
from bluehelmet.domain.incidents import Incident, IncidentCategory, ReviewStatus
from bluehelmet.domain.operations import Activity, Operation
from bluehelmet.domain.places import AdminArea, Location, LocationKind, Sector
from bluehelmet.services import records
from bluehelmet.services.access import sectors_of
from bluehelmet.services.database import Transaction
from bluehelmet.services.watch_casevac import casevac_cover_lost
from bluehelmet.services.watch_patterns import rotations_in_high_tempo

__all__ = ["DEFAULT_PROXIMITY_CATEGORIES", "Finding", "MissionFacts", "findings"]

#: What a proximity rule with no categories watches: IEDs, attacks and road blockages.
DEFAULT_PROXIMITY_CATEGORIES = (
    IncidentCategory.IED_DETONATED,
    IncidentCategory.IED_NEUTRALISED,
    IncidentCategory.DIRECT_ATTACK,
    IncidentCategory.COMPLEX_ATTACK_ON_CAMP,
    IncidentCategory.INDIRECT_FIRE,
    IncidentCategory.ROAD_BLOCKAGE,
)
_IEDS = (IncidentCategory.IED_DETONATED, IncidentCategory.IED_NEUTRALISED)
_BASES = (LocationKind.CAMP, LocationKind.TEMPORARY_OPERATING_BASE, LocationKind.AIRFIELD)


@dataclass
class Finding:
    """One cause a rule found: ``key`` names it for the rule (raised once)."""

    key: str
    message: str
    records: list[tuple[str, int]]
    sector_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class MissionFacts:
    """The records of one mission the rules read, loaded once per run, when a rule first reads
    them (a run of the pattern rules alone never loads the incidents)."""

    tx: Transaction
    mission_id: int
    _incidents: list[Incident] | None = None
    _places: dict[int, Location] | None = None

    @classmethod
    def load(cls, tx: Transaction, mission_id: int) -> MissionFacts:
        return cls(tx, mission_id)

    @property
    def incidents(self) -> list[Incident]:
        """The mission's incidents, rejected reports left out."""
        if self._incidents is None:
            found = records.list_records(self.tx, Incident, {"mission_id": self.mission_id})
            self._incidents = [i for i in found if isinstance(i, Incident) and i.review_status != ReviewStatus.REJECTED]
        return self._incidents

    @property
    def places(self) -> dict[int, Location]:
        if self._places is None:
            found = records.list_records(self.tx, Location, {"mission_id": self.mission_id})
            self._places = {p.id: p for p in found if isinstance(p, Location) and p.id is not None}
        return self._places

    def sector_of(self, incident: Incident) -> int | None:
        if incident.sector_id is not None:
            return incident.sector_id
        return self.tx.sector_of(incident.location_id) if incident.location_id is not None else None

    def point(self, location_id: int | None) -> tuple[float, float] | None:
        place = self.places.get(location_id) if location_id is not None else None
        if place is None or place.latitude is None or place.longitude is None:
            return None
        return place.latitude, place.longitude

    @property
    def first_day(self) -> date | None:
        return min((i.event_date for i in self.incidents), default=None)


def _window(rule: AlertRule, on: date) -> tuple[date, date]:
    return on - timedelta(days=max(rule.period_days, 1) - 1), on


def _in_rule_sector(facts: MissionFacts, rule: AlertRule, incident: Incident) -> bool:
    return rule.sector_id is None or facts.sector_of(incident) == rule.sector_id


def _of_categories(incident: Incident, categories: Iterable[str]) -> bool:
    wanted = set(categories)
    return not wanted or (incident.category is not None and str(incident.category) in wanted)


def _common_sector(facts: MissionFacts, rule: AlertRule, incidents: Sequence[Incident]) -> int | None:
    if rule.sector_id is not None:
        return rule.sector_id
    sectors = {facts.sector_of(i) for i in incidents}
    return sectors.pop() if len(sectors) == 1 else None


def _centre(incidents: Sequence[Incident]) -> tuple[float | None, float | None]:
    located = [(i.latitude, i.longitude) for i in incidents if i.latitude is not None and i.longitude is not None]
    if not located:
        return None, None
    return sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located)


def _area(facts: MissionFacts, rule: AlertRule) -> tuple[str, Any]:
    """The name of the area a surge rule watches, and a test of an incident being in it."""
    if rule.admin_area_id is not None:
        area = records.get(facts.tx, AdminArea, rule.admin_area_id, include_deleted=True)
        assert isinstance(area, AdminArea)
        parent = records.get(facts.tx, AdminArea, area.parent_id, include_deleted=True) if area.parent_id else None
        above = (parent.name, str(parent.level)) if isinstance(parent, AdminArea) else None
        level = str(area.level)

        def inside(i: Incident) -> bool:
            own = getattr(i, level, "")
            return bool(own) and own == area.name and (above is None or getattr(i, above[1], "") == above[0])

        return area.name, inside
    if rule.sector_id is not None:
        sector = records.get(facts.tx, Sector, rule.sector_id, include_deleted=True)
        return getattr(sector, "name", "the sector"), lambda i: True
    return "the mission", lambda i: True


def _shifted(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _measure(incidents: Sequence[Incident], measure: Measure) -> tuple[int, int]:
    """The count (or the fatalities recorded) and how many incidents have the value unknown."""
    if measure == Measure.INCIDENTS:
        return len(incidents), 0
    known = [i.fatalities for i in incidents if i.fatalities is not None]
    return sum(known), len(incidents) - len(known)


def _surge(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    name, inside = _area(facts, rule)
    chosen = [
        i
        for i in facts.incidents
        if inside(i) and _of_categories(i, rule.categories) and _in_rule_sector(facts, rule, i)
    ]
    start, end = _window(rule, on)
    current = [i for i in chosen if start <= i.event_date <= end]
    value, unknown = _measure(current, rule.measure)
    first = facts.first_day
    baselines: list[int] = []
    for years in range(1, max(rule.baseline_years, 1) + 1):
        b_start, b_end = _shifted(start, years), _shifted(end, years)
        if first is None or b_start < first:
            break  # years before the record began are unknown, not quiet
        baselines.append(_measure([i for i in chosen if b_start <= i.event_date <= b_end], rule.measure)[0])
    test = surge_test(value, baselines, rule.level)
    if not test.fires:
        return []
    bucket = date.fromordinal(on.toordinal() - on.toordinal() % max(rule.period_days, 1))
    what = "incidents" if rule.measure == Measure.INCIDENTS else "fatalities"
    past = ", ".join(str(b) for b in test.baselines)
    message = (
        f"{value} {what} in {name} from {start.isoformat()} to {end.isoformat()}, more than in the same days of "
        f"each of the previous {len(test.baselines)} years ({past}); Poisson test p = {test.p_value:.2g} "
        f"(level {rule.level:g})"
    )
    if unknown:
        message += f"; fatalities not recorded for {unknown} of the {len(current)} incidents"
    lat, lon = _centre(current)
    return [
        Finding(
            f"{name}:{bucket.isoformat()}",
            message,
            [("Incident", i.id or 0) for i in current],
            _common_sector(facts, rule, current),
            lat,
            lon,
        )
    ]


def _targets(facts: MissionFacts, rule: AlertRule, on: date) -> list[tuple[str, int, str, list[tuple[float, float]]]]:
    """(kind, id, name, route) of everything a proximity rule protects on ``on``."""
    wanted = set(rule.targets) or {str(t) for t in ProximityTarget}
    horizon = on + timedelta(days=max(rule.days_ahead, 0))
    found: list[tuple[str, int, str, list[tuple[float, float]]]] = []
    tx = facts.tx
    if ProximityTarget.CONVOY_ROUTES in wanted:
        for a in records.list_records(tx, Activity, {"mission_id": facts.mission_id}):
            assert isinstance(a, Activity)
            if a.from_location_id is None or a.to_location_id is None:
                continue
            if a.start_on > horizon or (a.end_on or a.start_on) < on:
                continue
            stops = [a.from_location_id, *a.location_ids, a.to_location_id]
            route = [p for p in (facts.point(s) for s in stops) if p is not None]
            found.append(("Activity", a.id or 0, a.description or f"activity #{a.id}", route))
    if ProximityTarget.OPERATIONS in wanted:
        for o in records.list_records(tx, Operation, {"mission_id": facts.mission_id}):
            assert isinstance(o, Operation)
            if o.start_on > horizon or (o.end_on is not None and o.end_on < on):
                continue
            for place_id in o.location_ids:
                point = facts.point(place_id)
                if point is not None:
                    found.append(("Operation", o.id or 0, f"Operation {o.name}", [point]))
    if ProximityTarget.BASES in wanted:
        for p in facts.places.values():
            if p.kind in _BASES and p.latitude is not None and p.longitude is not None:
                found.append(("Location", p.id or 0, p.name, [(p.latitude, p.longitude)]))
    return found


def _proximity(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    start, end = _window(rule, on)
    categories = rule.categories or [str(c) for c in DEFAULT_PROXIMITY_CATEGORIES]
    near = [
        i
        for i in facts.incidents
        if start <= i.event_date <= end
        and _of_categories(i, categories)
        and i.latitude is not None
        and i.longitude is not None
        and _in_rule_sector(facts, rule, i)
    ]
    out: list[Finding] = []
    targets = _targets(facts, rule, on) if near else []
    for incident in near:
        assert incident.latitude is not None and incident.longitude is not None
        for kind, ident, name, route in targets:
            km = distance_to_route_km(incident.latitude, incident.longitude, route)
            if km > rule.distance_km:
                continue
            what = str(incident.category).replace("_", " ")
            message = (
                f"{what} on {incident.event_date.isoformat()} at {incident.location_name or 'a recorded point'}, "
                f"{km:.1f} km from {name} (within {rule.distance_km:g} km)"
            )
            out.append(
                Finding(
                    f"Incident {incident.id}:{kind} {ident}",
                    message,
                    [("Incident", incident.id or 0), (kind, ident)],
                    facts.sector_of(incident),
                    incident.latitude,
                    incident.longitude,
                )
            )
    return out


def _near_repeat(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    start, end = _window(rule, on)
    since = start - timedelta(days=max(rule.near_repeat_days, 0) * max(rule.min_size, 1))
    ieds = {
        i.id: i
        for i in facts.incidents
        if i.id is not None
        and since <= i.event_date <= end
        and _of_categories(i, rule.categories or [str(c) for c in _IEDS])
        and _in_rule_sector(facts, rule, i)
    }
    found = near_repeat_clusters(
        ((k, i.event_date, i.latitude, i.longitude) for k, i in ieds.items()),
        rule.distance_km,
        rule.near_repeat_days,
        min_size=max(rule.min_size, 2),
    )
    out = []
    for cluster in found.clusters:
        if cluster.last < start:
            continue
        members = [ieds[m] for m in cluster.members]
        message = (
            f"{cluster.size} IEDs within {rule.distance_km:g} km and {rule.near_repeat_days} days of one another, "
            f"from {cluster.first.isoformat()} to {cluster.last.isoformat()}"
        )
        out.append(
            Finding(
                f"cluster from Incident {cluster.members[0]}",
                message,
                [("Incident", m) for m in cluster.members],
                _common_sector(facts, rule, members),
                cluster.latitude,
                cluster.longitude,
            )
        )
    return out


def _one_sector(facts: MissionFacts, record: Any) -> int | None:
    sectors = sectors_of(facts.tx, record) or set()
    return next(iter(sectors)) if len(sectors) == 1 else None


def _unnotified(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    start, end = _window(rule, on)
    tx = facts.tx
    notices = {
        n.id: n
        for n in records.list_records(tx, ConvoyNotification, {"mission_id": facts.mission_id})
        if isinstance(n, ConvoyNotification) and n.id is not None
    }
    out = []
    for o in records.list_records(tx, ConvoyObservation, {"mission_id": facts.mission_id}):
        assert isinstance(o, ConvoyObservation)
        if not start <= o.observed_on <= end or not requires_notification(o.vehicles, o.heavy_weapons):
            continue
        notice = notices.get(o.notification_id) if o.notification_id is not None else None
        if notice is not None and notice.notified_on <= o.observed_on:
            continue
        sector = _one_sector(facts, o)
        if rule.sector_id is not None and sector != rule.sector_id:
            continue
        point = facts.point(o.location_id)
        vehicles = "vehicles not recorded" if o.vehicles is None else f"{o.vehicles} vehicles"
        weapons = ", heavy weapons" if o.heavy_weapons else ""
        message = (
            f"convoy of {o.armed_group} observed on {o.observed_on.isoformat()} ({vehicles}{weapons}) "
            "without prior notification"
        )
        out.append(
            Finding(
                f"ConvoyObservation {o.id}",
                message,
                [("ConvoyObservation", o.id or 0)],
                sector,
                *(point or (None, None)),
            )
        )
    return out


def _caveat_impacts(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    start, end = _window(rule, on)
    tx = facts.tx
    out = []
    for impact in records.list_records(tx, CaveatImpact):
        assert isinstance(impact, CaveatImpact)
        if not start <= impact.occurred_on <= end:
            continue
        caveat = records.get(tx, Caveat, impact.caveat_id, include_deleted=True)
        assert isinstance(caveat, Caveat)
        if caveat.mission_id != facts.mission_id:
            continue
        sector = _one_sector(facts, impact)
        if rule.sector_id is not None and sector != rule.sector_id:
            continue
        message = f"caveat impact on {impact.occurred_on.isoformat()}: {impact.task} ({impact.effect})"
        out.append(
            Finding(
                f"CaveatImpact {impact.id}",
                message,
                [("CaveatImpact", impact.id or 0), ("Caveat", caveat.id or 0)],
                sector,
            )
        )
    return out


def _rotations(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    found = rotations_in_high_tempo(facts.tx, facts.mission_id, rule, on)
    return [Finding(key, message, named, sector) for key, message, named, sector in found]


def _casevac(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    found = casevac_cover_lost(
        facts.tx, facts.mission_id, on, period_days=rule.period_days, days_ahead=rule.days_ahead,
        sector_id=rule.sector_id,
    )  # fmt: skip
    return [Finding(key, message, named, sector) for key, message, named, sector in found]


_BY_KIND = {
    AlertKind.SURGE: _surge,
    AlertKind.PROXIMITY: _proximity,
    AlertKind.NEAR_REPEAT: _near_repeat,
    AlertKind.UNNOTIFIED_CONVOY: _unnotified,
    AlertKind.CAVEAT_IMPACT: _caveat_impacts,
    AlertKind.ROTATION_IN_HIGH_TEMPO: _rotations,
    AlertKind.CASEVAC_COVER_LOST: _casevac,
}


def findings(facts: MissionFacts, rule: AlertRule, on: date) -> list[Finding]:
    """What ``rule`` finds in the mission's records on ``on``."""
    return _BY_KIND[rule.kind](facts, rule, on)
