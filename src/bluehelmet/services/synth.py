"""A synthetic mission, as files in the layouts bluehelmet imports: for tests and benchmarks.

``synthesise(incidents=N, seed=S)`` describes a mission over Mali's real regions and the shipped
gazetteer's places: ACLED-layout incidents (the newer layout: the classic columns plus
``disorder_type``, ``civilian_targeting`` and ``tags``, ISO dates) and, in bluehelmet's own
template columns (:mod:`bluehelmet.services.exchange`), the mission, its sectors and places,
contributing countries, units, equipment with status histories, evaluations and rotations.
Pure: nothing is written here, the files are row iterators; the same seed gives the same rows.

What makes the incidents look like ACLED's Mali data:

- the event-type mix of Mali's ACLED record (violence against civilians and battles most, then
  explosions, strategic developments, protests, riots), with ACLED's sub-event types; about a
  tenth of events are IEDs (a remote explosive that went off, or an IED found and disrupted);
- fatalities drawn per event type, most events with none or few and a long tail;
- places drawn from the gazetteer with a few hotspots taking most events, the north dominating
  the early years and the centre (Mopti, Ségou) the later ones; coordinates at the place or
  within a few kilometres of it, always inside the region the row names;
- clustering in time: yearly growth, and IEDs that follow one another within 1 km and two days
  (the near-repeat pattern) a third of the time;
- a few events written as one row per actor (adjacent rows with the same ``event_id_cnty``,
  the same fatalities), as some published extracts do.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from bluehelmet.geography import Boundaries, Gazetteer, Place

__all__ = ["ACLED_COLUMNS", "END", "START", "SynthFile", "SynthMission", "synthesise"]

ACLED_COLUMNS = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
    "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso3", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
#: The ten years the incidents span (all in the past, as the rules require).
START, END = date(2012, 1, 1), date(2021, 12, 31)
MISSION = "MINUSMA"

# (event type, weight, [(sub-event type, weight, mean fatalities)], disorder type)
_TYPES = (
    ("Battles", 30, (("Armed clash", 90, 3.0), ("Government regains territory", 5, 2.0),
                     ("Non-state actor overtakes territory", 5, 2.5)), "Political violence"),
    ("Violence against civilians", 33, (("Attack", 75, 1.6), ("Abduction/forced disappearance", 22, 0.1),
                                        ("Sexual violence", 3, 0.0)), "Political violence"),
    ("Explosions/Remote violence", 17, (("Remote explosive/landmine/IED", 55, 1.2), ("Air/drone strike", 20, 3.0),
                                        ("Shelling/artillery/missile attack", 20, 0.4), ("Suicide bomb", 3, 4.0),
                                        ("Grenade", 2, 0.5)), "Political violence"),
    ("Strategic developments", 10, (("Disrupted weapons use", 45, 0.0), ("Arrests", 20, 0.0),
                                    ("Looting/property destruction", 20, 0.0), ("Agreement", 5, 0.0),
                                    ("Headquarters or base established", 5, 0.0), ("Other", 5, 0.0)),
     "Strategic developments"),
    ("Protests", 7, (("Peaceful protest", 85, 0.0), ("Protest with intervention", 12, 0.0),
                     ("Excessive force against protesters", 3, 0.3)), "Demonstrations"),
    ("Riots", 3, (("Violent demonstration", 60, 0.1), ("Mob violence", 40, 0.5)), "Demonstrations"),
)  # fmt: skip
_ARMED = (
    ("JNIM: Group for Support of Islam and Muslims", 2, 30), ("Islamic State (Greater Sahara)", 2, 15),
    ("Unidentified Armed Group (Mali)", 3, 20), ("Dan Na Ambassagou", 4, 8), ("Fulani Ethnic Militia (Mali)", 4, 6),
    ("Dozo Communal Militia (Mali)", 4, 6), ("CMA: Coordination of Azawad Movements", 2, 5),
    ("GATIA: Imghad Tuareg and Allies Self-Defense Group", 3, 3),
)  # fmt: skip
_STATE = (("Military Forces of Mali (2021-)", 1, 70), ("Military Forces of France", 8, 15),
          ("G5 Sahel Joint Force", 8, 5))  # fmt: skip
_MINUSMA = ("MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)", 8)
_SOURCES = ("Studio Tamani", "AFP", "Le Republicain (Mali)", "MINUSMA", "Menastream", "Twitter", "Journal du Mali")
_SCALES = ("National", "International", "Local partner-National", "Subnational", "Other")


@dataclass(frozen=True)
class SynthFile:
    """One file of the mission: its name, its columns, and its rows (a fresh iterator each call)."""

    name: str
    kind: str  # what `bluehelmet import` calls it: a kind of record, or "acled"
    columns: tuple[str, ...]
    rows: list[dict[str, str]] | None = None
    seed: int = 0
    incidents: int = 0

    def iter_rows(self) -> Iterator[dict[str, str]]:
        if self.rows is not None:
            return iter(self.rows)
        return _incidents(self.incidents, self.seed)


@dataclass(frozen=True)
class SynthMission:
    """Every file, in the order they import (each refers only to those before it)."""

    seed: int
    incidents: int
    files: list[SynthFile] = field(default_factory=list)


def synthesise(*, incidents: int, seed: int) -> SynthMission:
    """The files of a synthetic mission with ``incidents`` events (ACLED rows: a few more)."""
    if incidents < 0:
        raise ValueError("the number of incidents may not be negative")
    rng = random.Random(f"bluehelmet-synth-{seed}-mission")  # noqa: S311 - repeatable data, not secrets
    mission = SynthMission(seed, incidents)
    mission.files.extend(_mission_files(rng))
    mission.files.append(SynthFile("incidents.csv", "acled", ACLED_COLUMNS, seed=seed, incidents=incidents))
    return mission


# ------------------------------------------------------------------------------- the mission


_SECTORS = {"Sector North": ("Kidal",), "Sector East": ("Gao", "Ménaka"), "Sector Centre": ("Mopti", "Ségou"),
            "Sector West": ("Tombouctou", "Taoudénit")}  # fmt: skip
_COUNTRIES = (("BGD", "Bangladesh"), ("BFA", "Burkina Faso"), ("CHN", "China"), ("EGY", "Egypt"), ("DEU", "Germany"),
              ("SEN", "Senegal"), ("TCD", "Chad"), ("TGO", "Togo"), ("NER", "Niger"), ("GIN", "Guinea"),
              ("LKA", "Sri Lanka"), ("CIV", "Côte d'Ivoire"))  # fmt: skip
# (unit type, component, strength, how many)
_UNITS = (("infantry_battalion", "military", 650, 10), ("combat_convoy_company", "military", 160, 4),
          ("engineers", "military", 180, 3), ("formed_police_unit", "police", 140, 6),
          ("medical_level_2", "military", 70, 2), ("aviation_utility_helicopter", "military", 120, 2),
          ("special_forces", "military", 100, 2))  # fmt: skip
_DOMAINS = ("command_and_control", "operations", "logistics", "protection_of_civilians", "force_protection")
_RATINGS = ("excellent", "satisfactory", "satisfactory", "satisfactory", "needs_improvement")


def _places() -> list[Place]:
    return [p for p in Gazetteer.load() if p.latitude is not None and p.admin1]


def _sector_of(place: Place) -> str:
    return next((name for name, regions in _SECTORS.items() if place.admin1 in regions), "")


def _mission_files(rng: random.Random) -> list[SynthFile]:
    places = _places()
    mission = [{"name": MISSION, "full_name": "United Nations Multidimensional Integrated Stabilization Mission in "
                "Mali (synthetic)", "country_iso3": "MLI"}]  # fmt: skip
    sectors = [{"name": name} for name in _SECTORS]
    locations = [
        {"name": p.name, "kind": str(p.kind), "latitude": str(p.latitude), "longitude": str(p.longitude),
         "sector": _sector_of(p), "source": "synthetic"}
        for p in places
    ]  # fmt: skip
    countries = [{"iso3": iso3, "name": name} for iso3, name in _COUNTRIES]
    bases = [p for p in places if _sector_of(p)]
    units: list[dict[str, str]] = []
    equipment: list[dict[str, str]] = []
    changes: list[dict[str, str]] = []
    evaluations: list[dict[str, str]] = []
    rotations: list[dict[str, str]] = []
    for unit_type, component, strength, count in _UNITS:
        for n in range(1, count + 1):
            iso3, country = rng.choice(_COUNTRIES)
            base = rng.choice(bases)
            name = f"{country} {unit_type.replace('_', ' ')} {n}"
            deployed = int(strength * rng.uniform(0.8, 1.0))
            units.append({"name": name, "component": component, "unit_type": unit_type, "country": iso3,
                          "sector": _sector_of(base), "base": base.name, "authorised_strength": str(strength),
                          "deployed_strength": str(deployed), "deployment_status": "deployed"})  # fmt: skip
            _equipment_of(rng, name, unit_type, equipment, changes)
            _evaluations_of(rng, name, component, deployed, evaluations)
            _rotations_of(rng, name, deployed, rotations)
    return [
        SynthFile("mission.csv", "Mission", ("name", "full_name", "country_iso3"), mission),
        SynthFile("sector.csv", "Sector", ("name",), sectors),
        SynthFile("location.csv", "Location", ("name", "kind", "latitude", "longitude", "sector", "source"), locations),
        SynthFile("contributing_country.csv", "ContributingCountry", ("iso3", "name"), countries),
        SynthFile("unit.csv", "Unit", tuple(units[0]), units),
        SynthFile("equipment_item.csv", "EquipmentItem", ("unit", "category", "identifier", "description"), equipment),
        SynthFile("equipment_status_change.csv", "EquipmentStatusChange",
                  ("equipment", "effective_on", "serviceability", "cause", "note"), changes),
        SynthFile("evaluation.csv", "Evaluation", ("unit", "kind", "evaluated_on", "evaluated_strength",
                                                   "overall_rating", "domain_ratings", "evaluator"), evaluations),
        SynthFile("rotation.csv", "Rotation", ("unit", "planned_start", "planned_end", "actual_start", "actual_end",
                                               "personnel", "available_fraction"), rotations),
    ]  # fmt: skip


def _equipment_of(
    rng: random.Random, unit: str, unit_type: str, items: list[dict[str, str]], changes: list[dict[str, str]]
) -> None:
    """A unit's major equipment, each item with a status history (damage, repair, wear)."""
    kinds = {"combat_convoy_company": ("armoured_personnel_carrier", "mine_protected_vehicle", "truck"),
             "infantry_battalion": ("armoured_personnel_carrier", "truck", "generator")}  # fmt: skip
    for n in range(1, (20 if unit_type in kinds else 4) + 1):
        category = rng.choice(kinds.get(unit_type, ("truck", "generator", "communications")))
        identifier = f"{unit.split(maxsplit=1)[0][:3].upper()}-{len(items) + 1:05d}"
        items.append({"unit": unit, "category": category, "identifier": identifier, "description": f"item {n}"})
        day = START + timedelta(days=rng.randrange(365 * 2))
        while True:
            day += timedelta(days=rng.randrange(60, 700))
            if day > END:
                break
            cause = rng.choices(("explosive_incident", "hostile_fire", "accident", "wear", "awaiting_parts"),
                                (30, 10, 15, 35, 10))[0]  # fmt: skip
            changes.append({"equipment": identifier, "effective_on": day.isoformat(), "serviceability": "unserviceable",
                            "cause": cause, "note": ""})  # fmt: skip
            day += timedelta(days=rng.randrange(10, 240))
            if day > END or rng.random() < 0.15:
                break  # never repaired (yet)
            changes.append({"equipment": identifier, "effective_on": day.isoformat(), "serviceability": "serviceable",
                            "cause": "", "note": "repaired"})  # fmt: skip


def _evaluations_of(rng: random.Random, unit: str, component: str, strength: int, out: list[dict[str, str]]) -> None:
    kind = "police_assessment_report" if component == "police" else "military_unit_evaluation"
    for year in range(START.year + 1, END.year + 1):
        day = date(year, rng.randrange(1, 13), rng.randrange(1, 29))
        ratings = {d: rng.choice(_RATINGS) for d in rng.sample(_DOMAINS, 3)}
        out.append({"unit": unit, "kind": kind, "evaluated_on": day.isoformat(), "evaluated_strength": str(strength),
                    "overall_rating": rng.choice(_RATINGS), "evaluator": "Force HQ",
                    "domain_ratings": "; ".join(f"{d}={r}" for d, r in ratings.items())})  # fmt: skip


def _rotations_of(rng: random.Random, unit: str, strength: int, out: list[dict[str, str]]) -> None:
    day = START + timedelta(days=rng.randrange(365))
    while day < END - timedelta(days=30):
        length = rng.randrange(14, 45)
        late = rng.choice((0, 0, 0, 7, 21, -5))
        actual = day + timedelta(days=late)
        out.append({"unit": unit, "planned_start": day.isoformat(),
                    "planned_end": (day + timedelta(days=length)).isoformat(), "actual_start": actual.isoformat(),
                    "actual_end": (actual + timedelta(days=length)).isoformat(), "personnel": str(strength),
                    "available_fraction": "0.5"})  # fmt: skip
        day += timedelta(days=rng.choice((182, 365, 365)))


# ----------------------------------------------------------------------------- the incidents


@dataclass(frozen=True)
class _Spot:
    place: Place
    points: tuple[tuple[float, float], ...]  # coordinates near the place, inside its region
    # For each point, the coordinates within about 450 m of it that are inside the same region:
    # where a near-repeat IED falls, so that a repeat by a border never crosses it.
    near: dict[tuple[float, float], tuple[tuple[float, float], ...]]


def _spots(rng: random.Random) -> list[_Spot]:
    """Each geocoded place with 40 coordinates within ~8 km, every one inside the place's region."""
    boundaries = Boundaries.load("MLI")
    assert boundaries is not None
    spots = []
    for place in _places():
        assert place.latitude is not None and place.longitude is not None
        candidates = [(place.latitude, place.longitude)] + [
            (round(place.latitude + rng.uniform(-0.07, 0.07), 4), round(place.longitude + rng.uniform(-0.07, 0.07), 4))
            for _ in range(60)
        ]
        region = boundaries.canonical_admin1(place.admin1)
        found = boundaries.admin1_at_many(candidates)
        points = tuple(c for c, r in zip(candidates, found, strict=True) if r is not None and r == region)[:40]
        if points:
            spots.append(_Spot(place, points, _near_points(points, region, boundaries, rng)))
    return spots


def _near_points(
    points: tuple[tuple[float, float], ...], region: str | None, boundaries: Boundaries, rng: random.Random
) -> dict[tuple[float, float], tuple[tuple[float, float], ...]]:
    """Up to eight coordinates within ±0.004 degrees of each point, all inside ``region``."""
    candidates = [
        (point, (round(point[0] + rng.uniform(-0.004, 0.004), 4), round(point[1] + rng.uniform(-0.004, 0.004), 4)))
        for point in points
        for _ in range(8)
    ]
    found = boundaries.admin1_at_many([c for _, c in candidates])
    near: dict[tuple[float, float], list[tuple[float, float]]] = {point: [] for point in points}
    for (point, candidate), r in zip(candidates, found, strict=True):
        if r is not None and r == region:
            near[point].append(candidate)
    return {point: tuple(found_near) or (point,) for point, found_near in near.items()}


def _weights(spots: list[_Spot], year: int, rng: random.Random) -> list[float]:
    """Hotspots: a Zipf-like weight per place, the north first, the centre from 2016 on."""
    shift = min(max((year - 2014) / 5, 0.0), 1.0)
    out = []
    for rank, spot in enumerate(spots):
        base = 1.0 / (1 + rank % 23) ** 1.1
        region = spot.place.admin1
        if region in ("Mopti", "Ségou"):
            base *= 0.3 + 3.0 * shift
        elif region in ("Kidal", "Gao", "Ménaka", "Tombouctou", "Taoudénit"):
            base *= 2.5 - shift
        else:
            base *= 0.15
        out.append(base * rng.uniform(0.7, 1.3))
    return out


def _dates(n: int, rng: random.Random) -> list[date]:
    """N dates, sorted, more each year (conflict grew) and in bursts of busy weeks."""
    days = (END - START).days + 1
    weights = []
    burst = 1.0
    for d in range(days):
        if d % 7 == 0:
            burst = rng.choice((0.6, 0.8, 1.0, 1.0, 1.3, 2.0))
        weights.append((1 + 1.5 * d / days) * burst)
    cumulative = list(_accumulate(weights))
    total = cumulative[-1]
    return sorted(START + timedelta(days=bisect.bisect(cumulative, rng.random() * total)) for _ in range(n))


def _accumulate(values: list[float]) -> Iterator[float]:
    running = 0.0
    for value in values:
        running += value
        yield running


def _fatalities(rng: random.Random, mean: float) -> int:
    if mean <= 0 or rng.random() < 0.45:
        return 0
    # Geometric with a long tail: most tolls small, a few massacres.
    value = int(math.log(1 - rng.random()) / math.log(1 - 1 / (1 + mean * 1.8)))
    return min(value, 150)


def _actors(rng: random.Random, event_type: str, sub: str) -> tuple[tuple[str, int], tuple[str, int] | None]:
    armed = rng.choices(_ARMED, [a[2] for a in _ARMED])[0]
    state = rng.choices(_STATE, [s[2] for s in _STATE])[0]
    if event_type == "Protests":
        return ("Protesters (Mali)", 6), None
    if event_type == "Riots":
        return ("Rioters (Mali)", 5), (("Civilians (Mali)", 7) if rng.random() < 0.3 else None)
    if event_type == "Violence against civilians":
        return (armed[0], armed[1]), ("Civilians (Mali)", 7)
    if sub in ("Air/drone strike",):
        return (state[0], state[1]), (armed[0], armed[1])
    target = _MINUSMA if rng.random() < 0.12 else (state[0], state[1])
    if event_type == "Strategic developments":
        return (state[0], state[1]), (armed[0], armed[1]) if rng.random() < 0.6 else None
    return (armed[0], armed[1]), target


def _incidents(n: int, seed: int) -> Iterator[dict[str, str]]:
    """The ACLED rows of ``n`` events, in date order."""
    rng = random.Random(f"bluehelmet-synth-{seed}-incidents")  # noqa: S311 - repeatable data, not secrets
    spots = _spots(rng)
    per_year = {y: list(_accumulate(_weights(spots, y, rng))) for y in range(START.year, END.year + 1)}
    type_cum = list(_accumulate([float(t[1]) for t in _TYPES]))
    recent_ieds: list[tuple[date, _Spot, tuple[float, float]]] = []  # each with its spot's point
    data_id = 0
    for number, day in enumerate(_dates(n, rng), start=1):
        event_type, _, subs, disorder = _TYPES[bisect.bisect(type_cum, rng.random() * type_cum[-1])]
        sub, _, mean = rng.choices(subs, [s[1] for s in subs])[0]
        notes = ""
        if sub == "Disrupted weapons use" and rng.random() < 0.6:
            notes = "An IED was found and defused by the security forces."
        ied = sub == "Remote explosive/landmine/IED" or bool(notes)
        recent_ieds = [r for r in recent_ieds if (day - r[0]).days <= 2]
        if ied and recent_ieds and rng.random() < 0.35:  # a near repeat: within 1 km and 2 days
            _, spot, base = rng.choice(recent_ieds)
            lat, lon = rng.choice(spot.near[base])
        else:
            cum = per_year[day.year]
            spot = spots[bisect.bisect(cum, rng.random() * cum[-1])]
            base = spot.points[0] if rng.random() < 0.5 else rng.choice(spot.points)
            lat, lon = base
        if ied:
            recent_ieds.append((day, spot, base))
        (actor1, inter1), second = _actors(rng, event_type, sub)
        actor2, inter2 = second if second else ("", 0)
        if not notes:
            notes = f"On {day.strftime('%d %B %Y')}, {sub.lower()} near {spot.place.name}."
        row = {
            "iso": "466", "event_id_cnty": f"MLI{number}", "event_id_no_cnty": str(number),
            "event_date": day.isoformat(), "year": str(day.year), "time_precision": rng.choice("1111112"),
            "disorder_type": disorder, "event_type": event_type, "sub_event_type": sub, "actor1": actor1,
            "assoc_actor_1": "", "inter1": str(inter1), "actor2": actor2, "assoc_actor_2": "",
            "inter2": str(inter2) if second else "", "interaction": str(inter1 * 10 + inter2),
            "civilian_targeting": "Civilian targeting" if event_type == "Violence against civilians" else "",
            "iso3": "MLI", "region": "Western Africa", "country": "Mali", "admin1": spot.place.admin1,
            "admin2": spot.place.admin2, "admin3": "", "location": spot.place.name, "latitude": f"{lat}",
            "longitude": f"{lon}", "geo_precision": "1" if (lat, lon) == spot.points[0] else "2",
            "source": rng.choice(_SOURCES), "source_scale": rng.choice(_SCALES), "notes": notes,
            "fatalities": str(_fatalities(rng, mean)), "tags": "", "timestamp": str(1_640_995_200 + number),
        }  # fmt: skip
        for copy in _rows_of(row, rng):
            data_id += 1
            yield {"data_id": str(data_id), **copy}


def _rows_of(row: dict[str, str], rng: random.Random) -> list[dict[str, str]]:
    """An event's rows: usually one; now and then one per actor, adjacent, the same toll."""
    if not row["actor2"] or rng.random() >= 0.005:
        return [row]
    swapped = {**row, "actor1": row["actor2"], "inter1": row["inter2"], "actor2": row["actor1"],
               "inter2": row["inter1"]}  # fmt: skip
    return [row, swapped]
