"""Write the reference mission's incidents: src/bluehelmet/reference/data/incidents.csv.

    .venv/bin/python scripts/build_reference_incidents.py

The letter S/2021/520 gives a few named events and several totals without their parts. This
script writes both, deterministically (a fixed seed, the standard library only), in
bluehelmet's incident columns (`bluehelmet template incident`), references by name:

- the named events, with the letter's paragraph as provenance: the complex attacks on the
  Aguelhok camp (2 April 2021, over 200 attackers) and on the Kerena temporary operating base,
  both with explosives (paras. 17 and 26), and the minibus hijacking between Douentza and Sévaré
  interrupted by MINUSMA police on 25 April 2021 (para. 9);
- "illustrative" incidents made up to reproduce the letter's figures (docs/reference-mission.md):
  * the explosive incidents that damaged 16 vehicles of the two Gao combat convoy companies,
    14 in 2018-2020 and 2 in 2021 (para. 19; 05_equipment.yaml names them);
  * 70 IEDs used in Mali from 1 January to 31 May 2021 ("over 68"), 25 against the mission,
    12 neutralised and 13 detonated (para. 26);
  * civilians killed or injured by explosive incidents: 150 in January-April 2020 and 99 in
    January-April 2021, 34 per cent fewer (para. 27);
  * protection-of-civilians incidents in Ansongo's quartier hydraulique: 10 a week in the 14
    weeks from 31 August to 6 December 2020, before the formed police unit detachment from Gao
    began in Ansongo on 7 December 2020, and 2 a week in the 25 weeks from 7 December 2020 to
    30 May 2021 (para. 4);
  * drones over mission installations, more each month of 2021 (para. 26);
  * road blockages by local populations and dozos in Bandiagara and Douentza cercles from
    December 2020 until the blockages were lifted (para. 24).

The CSV is the reviewable data; this script says how it was made. Coordinates are the
gazetteer's for each place (src/bluehelmet/geography/data/gazetteer.csv), moved at random by
at most a few kilometres (a quarter of a degree for incidents on the roads out of a town).
Running the script again writes the same file.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "bluehelmet"
OUT = PACKAGE / "reference" / "data" / "incidents.csv"
REGIONS = PACKAGE / "geography" / "data" / "admin1.geojson"
SEED = 5202021

#: bluehelmet's incident columns (`bluehelmet template incident`), in order.
COLUMNS = (
    "external_id",
    "event_date",
    "event_time",
    "time_precision",
    "event_type",
    "sub_event_type",
    "category",
    "location",
    "sector",
    "location_name",
    "location_name_fr",
    "admin1",
    "admin2",
    "admin3",
    "latitude",
    "longitude",
    "geo_precision",
    "target",
    "perpetrator",
    "actor1",
    "assoc_actor1",
    "inter1",
    "actor2",
    "assoc_actor2",
    "inter2",
    "interaction",
    "disorder_type",
    "civilian_targeting",
    "explosives_used",
    "operation",
    "responding_units",
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
    "attackers_estimated",
    "source",
    "source_scale",
    "source_timestamp",
    "tags",
    "source_reliability",
    "information_credibility",
    "review_status",
    "notes",
    "provenance",
)

#: Places used, as the shipped gazetteer has them: latitude, longitude, région, cercle, sector.
PLACES: dict[str, tuple[float, float, str, str, str]] = {
    "Gao": (16.27167, -0.04472, "Gao", "Gao", "Sector East"),
    "Ansongo": (15.6597, 0.5022, "Gao", "Ansongo", "Sector East"),
    "Labézanga": (14.96, 0.70, "Gao", "Ansongo", "Sector East"),
    "Tessit": (15.22, 0.29, "Gao", "Ansongo", "Sector East"),
    "In-Tellit": (15.55, -0.46, "Gao", "Gao", "Sector East"),
    "Bourem": (16.955, -0.34861, "Gao", "Bourem", "Sector East"),
    "Inékar": (15.95944, 3.14111, "Gao", "", "Sector East"),
    "Ménaka": (15.9182, 2.4022, "Ménaka", "Ménaka", "Sector East"),
    "Kidal": (18.44111, 1.40778, "Kidal", "Kidal", "Sector North"),
    "Tessalit": (20.20126, 1.01186, "Kidal", "Tessalit", "Sector North"),
    "Aguelhok": (19.46, 0.86, "Kidal", "Tessalit", "Sector North"),
    "Timbuktu": (16.77348, -3.00742, "Tombouctou", "Tombouctou", "Sector West"),
    "Ber": (16.83, -2.53, "Tombouctou", "Tombouctou", "Sector West"),
    "Goundam": (16.41453, -3.67075, "Tombouctou", "Goundam", "Sector West"),
    "Gourma Rharous": (16.87778, -1.92306, "Tombouctou", "Gourma Rharous", "Sector West"),
    "Douentza": (15.00155, -2.94978, "Mopti", "Douentza", "Sector Centre"),
    "Kerena": (15.03, -2.69, "Mopti", "Douentza", "Sector Centre"),
    "Bandiagara": (14.35005, -3.61038, "Mopti", "Bandiagara", "Sector Centre"),
    "Bankass": (14.0775, -3.51594, "Mopti", "Bankass", "Sector Centre"),
    "Koro": (14.064, -3.07539, "Mopti", "Koro", "Sector Centre"),
    "Sévaré": (14.53, -4.09, "Mopti", "Mopti", "Sector Centre"),
    "Djénné": (13.90608, -4.55332, "Mopti", "", "Sector Centre"),
    "Ténenkou": (14.45722, -4.9169, "Mopti", "Ténenkou", "Sector Centre"),
    "Youwarou": (15.3684, -4.2628, "Mopti", "Youwarou", "Sector Centre"),
    "Niono": (14.25054, -5.98679, "Ségou", "Niono", "Sector Centre"),
    "Ké-Macina": (13.9641, -5.35791, "Ségou", "Macina", "Sector Centre"),
}

MINUSMA = "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)"
FAMA = "Military Forces of Mali (2020-2021)"
FAMA_2020 = "Military Forces of Mali (2013-2020)"
BARKHANE = "Military Forces of France (2017-)"
UNIDENTIFIED = "Unidentified Armed Group (Mali)"
CIVILIANS = "Civilians (Mali)"
PROTESTERS = "Protesters (Mali)"
DOZOS = "Dozo Communal Militia (Mali)"
#: ACLED's actor-type codes (inter1, inter2).
INTER = {MINUSMA: 8, FAMA: 1, FAMA_2020: 1, BARKHANE: 8, UNIDENTIFIED: 3, CIVILIANS: 7, PROTESTERS: 6}

ILLUSTRATIVE = "illustrative"
#: When the formed police unit detachment from Gao began in Ansongo (its unit's status_since in
#: 02_units.yaml; the letter says December 2020).
DETACHMENT_ARRIVED = date(2020, 12, 7)
#: The explosive incidents that damaged a combat convoy company vehicle, and the vehicle
#: (05_equipment.yaml): 14 in 2018-2020 and 2 in 2021.
EQUIPMENT_BLASTS = (
    ("2018-03-14", "Bourem", "Gao-Bourem road", "UN-34501"),
    ("2018-06-02", "Gao", "Gao-Ansongo road", "UN-34522"),
    ("2018-09-21", "Inékar", "Gao-Ménaka road near Inékar", "UN-34503"),
    ("2018-11-30", "Bourem", "Gao-Bourem road", "UN-34524"),
    ("2019-02-09", "Gao", "Gao-Ansongo road", "UN-34505"),
    ("2019-05-17", "Bourem", "Gao-Bourem road", "UN-34526"),
    ("2019-07-28", "Inékar", "Gao-Ménaka road near Inékar", "UN-34507"),
    ("2019-10-05", "Ansongo", "Gao-Ansongo road", "UN-34528"),
    ("2019-12-12", "Bourem", "Gao-Bourem road", "UN-34509"),
    ("2020-01-23", "Gao", "Gao-Ansongo road", "UN-34530"),
    ("2020-03-30", "Bourem", "Gao-Bourem road", "UN-34511"),
    ("2020-06-19", "Inékar", "Gao-Ménaka road near Inékar", "UN-34532"),
    ("2020-08-27", "Ansongo", "Gao-Ansongo road", "UN-34513"),
    ("2020-11-14", "Bourem", "Gao-Bourem road", "UN-34534"),
    ("2021-02-03", "Gao", "Gao-Ansongo road", "UN-34515"),
    ("2021-03-14", "Gao", "road south of Gao", "UN-34536"),
)


@dataclass
class Incident:
    """One row; fields not given stay empty (or take bluehelmet's default)."""

    event_date: date
    event_type: str
    sub_event_type: str
    category: str
    place: str | None
    provenance: str
    values: dict[str, object] = field(default_factory=dict)


#: The shipped regions are Natural Earth's nine (Ménaka lies in Gao, Taoudénit in Timbuktu).
NATURAL_EARTH_REGION = {"Gao": "Gao", "Ménaka": "Gao", "Kidal": "Kidal", "Tombouctou": "Timbuktu",
                        "Mopti": "Mopti", "Ségou": "Ségou"}  # fmt: skip


def _rings() -> dict[str, list[list[list[float]]]]:
    shapes = json.loads(REGIONS.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["name"]: f["geometry"]["coordinates"] for f in shapes}


RINGS = _rings()


def inside(region: str, lat: float, lon: float) -> bool:
    """Whether the point lies in the region (even-odd rule over all its rings)."""
    hit = False
    for ring in RINGS[region]:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


def jitter(rng: random.Random, place: str, radius: float) -> tuple[float, float]:
    """A point near ``place``, at most ``radius`` degrees off in each direction, in its region."""
    lat, lon, admin1 = PLACES[place][:3]
    for _ in range(100):
        near = round(lat + rng.uniform(-radius, radius), 4), round(lon + rng.uniform(-radius, radius), 4)
        if inside(NATURAL_EARTH_REGION[admin1], *near):
            return near
    return lat, lon


def actors(first: str, second: str = "", assoc_first: str = "") -> dict[str, object]:
    codes = sorted(c for c in (INTER.get(first), INTER.get(second)) if c is not None)
    interaction = int("".join(str(c) for c in codes)) if len(codes) == 2 else codes[0] * 10
    return {
        "actor1": first,
        "assoc_actor1": assoc_first,
        "inter1": INTER[first],
        "actor2": second,
        "inter2": INTER.get(second, ""),
        "interaction": interaction,
    }


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``parts`` whole numbers of at least 1 that add up to ``total``."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def around(rng: random.Random, mean: int, weeks: int, spread: int) -> list[int]:
    """``weeks`` counts of about ``mean`` (within ``spread``) that add up to ``mean * weeks``."""
    counts = [mean] * weeks
    for _ in range(weeks * 3):
        a, b = rng.randrange(weeks), rng.randrange(weeks)
        if counts[a] < mean + spread and counts[b] > mean - spread:
            counts[a] += 1
            counts[b] -= 1
    return counts


def days_between(rng: random.Random, first: date, last: date, count: int) -> list[date]:
    span = (last - first).days + 1
    return sorted(first + timedelta(days=rng.randrange(span)) for _ in range(count))


# ---------------------------------------------------------------------------- named events


#: The casualty figures of an event S/2021/520 names without giving them: not recorded (an empty
#: cell), never 0. Unknown is not zero.
NOT_GIVEN: dict[str, object] = dict.fromkeys(("fatalities", "killed_civilians", "injured_civilians"), "")


def named_events() -> list[Incident]:
    mid_lat = round((PLACES["Douentza"][0] + PLACES["Sévaré"][0]) / 2, 4)
    mid_lon = round((PLACES["Douentza"][1] + PLACES["Sévaré"][1]) / 2, 4)
    letter = {"source": "S/2021/520", "source_scale": "Other", "source_reliability": "A", **NOT_GIVEN}
    return [
        Incident(
            date(2021, 4, 2),
            "Battles",
            "Armed clash",
            "complex_attack_on_camp",
            "Aguelhok",
            "S/2021/520, paras. 17, 26",
            {
                **actors(UNIDENTIFIED, MINUSMA),
                **letter,
                "information_credibility": "1",
                "location_name": "MINUSMA camp, Aguelhok",
                "target": "mission",
                "perpetrator": "extremist elements",
                "disorder_type": "Political violence",
                "explosives_used": True,
                "attackers_estimated": 200,
                "notes": "Complex attack on the camp by over 200 extremist elements, robustly repelled (para. 17); "
                "explosives used as part of the attack (para. 26). attackers_estimated holds 200 for 'over 200'. "
                "The letter gives no casualty figures: they are not recorded (empty), not 0.",
            },
        ),
        Incident(
            date(2021, 2, 10),
            "Battles",
            "Armed clash",
            "complex_attack_on_camp",
            "Kerena",
            "S/2021/520, para. 26",
            {
                **actors(UNIDENTIFIED, MINUSMA),
                **letter,
                "information_credibility": "1",
                "location_name": "MINUSMA temporary operating base, Kerena",
                "target": "mission",
                "perpetrator": "terrorists",
                "disorder_type": "Political violence",
                "explosives_used": True,
                "notes": "Complex attack on the temporary operating base in which explosives were used (para. 26). "
                "The letter gives neither the date nor casualty figures: the date is the one publicly reported "
                "for the attack; casualties are not recorded (empty), not 0.",
            },
        ),
        Incident(
            date(2021, 4, 25),
            "Violence against civilians",
            "Attack",
            "hijacking",
            None,
            "S/2021/520, para. 9",
            {
                **actors(UNIDENTIFIED, CIVILIANS),
                **letter,
                "information_credibility": "1",
                "sector": "Sector Centre",
                "location_name": "road between Douentza and Sévaré",
                "location_name_fr": "route entre Douentza et Sévaré",
                "admin1": "Mopti",
                "latitude": mid_lat,
                "longitude": mid_lon,
                "geo_precision": "region",
                "target": "civilians",
                "perpetrator": "armed men",
                "disorder_type": "Political violence",
                "civilian_targeting": True,
                "operation": "Buffalo",
                "responding_units": "FPU 1 Mopti",
                "notes": "MINUSMA police effectively interrupted the hijacking of a minibus between Douentza and "
                "Sévaré (para. 9). The exact place on the road is not given: the coordinate is the midpoint.",
            },
        ),
    ]


# ---------------------------------------------------------------------------- IEDs


def ied(
    rng: random.Random, day: date, place: str, *, detonated: bool, target: str, road: str = "", **extra: object
) -> Incident:
    """An IED that detonated (Explosions/Remote violence) or was found and neutralised
    (Strategic developments / Disrupted weapons use)."""
    victim = {"mission": MINUSMA, "national_forces": FAMA, "international_forces": BARKHANE, "civilians": CIVILIANS}
    if detonated:
        who = actors(UNIDENTIFIED, victim[target])
        kinds = ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied_detonated")
        disorder = "Political violence"
    else:
        finder = victim[target] if target != "civilians" else FAMA
        who = actors(finder, UNIDENTIFIED)
        kinds = ("Strategic developments", "Disrupted weapons use", "ied_neutralised")
        disorder = "Strategic developments"
    lat, lon = jitter(rng, place, 0.25 if road else 0.05)
    values: dict[str, object] = {
        **who, "latitude": lat, "longitude": lon, "geo_precision": "near", "target": target,
        "location_name": road or place, "disorder_type": disorder, "explosives_used": True,
        "civilian_targeting": target == "civilians" and detonated,
        "source": "MINUSMA JOC", "source_scale": "Other", "source_reliability": "B", "information_credibility": "2",
    }  # fmt: skip
    values.update(extra)
    return Incident(day, *kinds, place, ILLUSTRATIVE, values)


def with_casualties(incident: Incident, civilians: int, rng: random.Random) -> Incident:
    killed = rng.randint(0, civilians // 2)
    incident.values["killed_civilians"] = killed
    incident.values["injured_civilians"] = civilians - killed
    incident.values["fatalities"] = killed
    return incident


def equipment_ieds(rng: random.Random) -> list[Incident]:
    rows = []
    for day, place, road, vehicle in EQUIPMENT_BLASTS:
        note = f"IED struck a vehicle of a Gao combat convoy company ({vehicle}), not replaced (para. 19)."
        blast = ied(rng, date.fromisoformat(day), place, detonated=True, target="mission", road=road, notes=note)
        blast.values.update(NOT_GIVEN)  # para. 19 counts the vehicles, not the casualties
        rows.append(blast)
    return rows


MISSION_PLACES = ("Gao", "Ansongo", "Bourem", "Kidal", "Tessalit", "Aguelhok", "Ménaka", "Douentza", "Ber",
                  "Timbuktu", "Goundam", "Bandiagara", "Sévaré", "Tessit")  # fmt: skip
CENTRE_PLACES = ("Bandiagara", "Douentza", "Bankass", "Koro", "Djénné", "Ténenkou", "Youwarou", "Niono",
                 "Ké-Macina", "Sévaré")  # fmt: skip
FOREIGN_FORCE_PLACES = ("Gao", "Ménaka", "Gourma Rharous", "Inékar", "Ansongo")


def ieds_2021(rng: random.Random) -> list[Incident]:
    """70 IEDs from 1 January to 31 May 2021 with the two equipment blasts of 2021 already
    written: here the other 68. Against the mission 12 neutralised and 11 more detonated."""
    first, last = date(2021, 1, 1), date(2021, 5, 31)
    rows = []
    plan = (  # (target, detonated, how many, places)
        ("mission", False, 12, MISSION_PLACES),
        ("mission", True, 11, MISSION_PLACES),
        ("national_forces", True, 15, (*CENTRE_PLACES, "Gourma Rharous", "Ansongo")),
        ("national_forces", False, 3, CENTRE_PLACES),
        ("international_forces", True, 5, FOREIGN_FORCE_PLACES),
        ("international_forces", False, 2, FOREIGN_FORCE_PLACES),
        ("civilians", True, 18, CENTRE_PLACES),
        ("civilians", False, 2, CENTRE_PLACES),
    )
    for target, detonated, count, places in plan:
        for day in days_between(rng, first, last, count):
            place = rng.choice(places)
            road = f"road out of {place}" if rng.random() < 0.5 else ""
            rows.append(ied(rng, day, place, detonated=detonated, target=target, road=road))
    # Civilians killed or injured: 99 in January-April (para. 27), spread over the detonations
    # against civilians in those months; May's are outside the comparison.
    civilian_blasts = [r for r in rows if r.values["target"] == "civilians" and r.category == "ied_detonated"]
    jan_apr = [r for r in civilian_blasts if r.event_date < date(2021, 5, 1)]
    for row, toll in zip(jan_apr, split(rng, 99, len(jan_apr)), strict=True):
        with_casualties(row, toll, rng)
    for row in civilian_blasts:
        if row.event_date >= date(2021, 5, 1):
            with_casualties(row, rng.randint(1, 6), rng)
    return rows


def explosive_baseline_2020(rng: random.Random) -> list[Incident]:
    """January-April 2020: explosive incidents with 150 civilians killed or injured."""
    rows = []
    days = days_between(rng, date(2020, 1, 1), date(2020, 4, 30), 28)
    for day, toll in zip(days, split(rng, 150, len(days)), strict=True):
        target = "civilians" if rng.random() < 0.75 else "national_forces"
        row = ied(rng, day, rng.choice(CENTRE_PLACES), detonated=True, target=target)
        if target == "national_forces":
            row.values.update(actors(UNIDENTIFIED, FAMA_2020))
        rows.append(with_casualties(row, toll, rng))
    return rows


# ---------------------------------------------------------------------------- the rest


def protection_of_civilians(rng: random.Random) -> list[Incident]:
    """Ansongo's quartier hydraulique: 10 a week before the detachment came, 2 a week after."""
    periods = (
        (date(2020, 8, 31), around(rng, 10, 14, 2)),  # 14 weeks before the detachment came
        (DETACHMENT_ARRIVED, around(rng, 2, 25, 1)),  # 25 weeks from its arrival to 30 May 2021
    )
    rows = []
    for monday, weekly in periods:
        for week, count in enumerate(weekly):
            start = monday + timedelta(weeks=week)
            for day in days_between(rng, start, start + timedelta(days=6), count):
                lat, lon = jitter(rng, "Ansongo", 0.004)
                abduction = rng.random() < 0.15
                killed = 1 if rng.random() < 0.1 else 0
                rows.append(
                    Incident(
                        day, "Violence against civilians", "Abduction/forced disappearance" if abduction else "Attack",
                        "protection_of_civilians", "Ansongo", ILLUSTRATIVE,
                        {
                            **actors(UNIDENTIFIED, CIVILIANS), "location_name": "quartier hydraulique, Ansongo",
                            "admin3": "Ansongo", "latitude": lat, "longitude": lon, "geo_precision": "exact",
                            "target": "civilians", "civilian_targeting": True, "disorder_type": "Political violence",
                            "killed_civilians": killed, "fatalities": killed,
                            "injured_civilians": rng.choice((0, 0, 1, 1, 2)) if not abduction else 0,
                            "operation": "Seka" if day >= DETACHMENT_ARRIVED else "",
                            "source": "MINUSMA JOC", "source_scale": "Other", "source_reliability": "B",
                            "information_credibility": "2",
                        },
                    )
                )  # fmt: skip
    return rows


def drones(rng: random.Random) -> list[Incident]:
    """Unidentified drones over mission installations, more each month of 2021."""
    camps = ("Gao", "Kidal", "Tessalit", "Aguelhok", "Ménaka", "Timbuktu", "Sévaré", "Douentza", "Ansongo")
    rows = []
    for month, count in zip((1, 2, 3, 4, 5), (1, 2, 4, 5, 7), strict=True):
        last = (date(2021, month + 1, 1) if month < 12 else date(2022, 1, 1)) - timedelta(days=1)
        for day in days_between(rng, date(2021, month, 1), last, count):
            camp = rng.choice(camps)
            lat, lon = jitter(rng, camp, 0.01)
            rows.append(
                Incident(
                    day, "Strategic developments", "Other", "drone_over_installation", camp, ILLUSTRATIVE,
                    {
                        **actors(UNIDENTIFIED),
                        "location_name": f"MINUSMA camp, {camp}", "latitude": lat, "longitude": lon,
                        "geo_precision": "exact", "target": "mission", "disorder_type": "Strategic developments",
                        "source": "MINUSMA JOC", "source_scale": "Other", "source_reliability": "B",
                        "information_credibility": "3",
                        "notes": "Unidentified drone observed flying over the camp.",
                    },
                )
            )  # fmt: skip
    return rows


def road_blockages(rng: random.Random) -> list[Incident]:
    """Blockages by local populations and dozos, from December 2020 until they were lifted
    (15 April 2021 in Bandiagara cercle, 20 March in Douentza cercle: 07_convoys_and_movement.yaml)."""
    rows = []
    for place, first, last, count in (
        ("Bandiagara", date(2020, 12, 3), date(2021, 4, 10), 9),
        ("Douentza", date(2020, 12, 10), date(2021, 3, 15), 5),
    ):
        days = [first, *days_between(rng, first + timedelta(days=1), last - timedelta(days=1), count - 2), last]
        for day in days:
            lat, lon = jitter(rng, place, 0.1)
            rows.append(
                Incident(
                    day, "Protests", "Peaceful protest", "road_blockage", place, ILLUSTRATIVE,
                    {
                        **actors(PROTESTERS, assoc_first=DOZOS), "location_name": f"road near {place}",
                        "latitude": lat, "longitude": lon, "geo_precision": "near", "target": "mission",
                        "disorder_type": "Demonstrations", "source": "MINUSMA JOC", "source_scale": "Other",
                        "source_reliability": "B", "information_credibility": "2",
                        "notes": "Local population and dozos blocked the road to a MINUSMA patrol.",
                    },
                )
            )  # fmt: skip
    return rows


def row_of(incident: Incident, number: int) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(COLUMNS, "")
    if incident.place is not None:
        lat, lon, admin1, admin2, sector = PLACES[incident.place]
        row.update(location=incident.place, sector=sector, admin1=admin1, admin2=admin2, latitude=lat, longitude=lon)
    row.update(
        external_id=f"BH-REF-{number:04d}",
        event_date=incident.event_date.isoformat(),
        time_precision="day",
        event_type=incident.event_type,
        sub_event_type=incident.sub_event_type,
        category=incident.category,
        geo_precision="exact",
        review_status="verified",
        provenance=incident.provenance,
    )
    row.update(incident.values)
    for name in ("killed_civilians", "injured_civilians", "fatalities"):
        if name not in incident.values:  # made up with none; NOT_GIVEN stays empty
            row[name] = row[name] or 0
    return {k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()}


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)  # noqa: S311 - reproducible made-up data, not security
    fixed = named_events() + equipment_ieds(rng)
    generated = ieds_2021(rng) + explosive_baseline_2020(rng) + protection_of_civilians(rng) + drones(rng)
    generated += road_blockages(rng)
    generated.sort(key=lambda i: (i.event_date, i.category, i.place or ""))
    return [row_of(incident, n) for n, incident in enumerate(fixed + generated, start=1)]


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} incidents to {OUT}")


if __name__ == "__main__":
    main()
