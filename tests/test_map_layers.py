"""The map's orientation layers (place names by zoom, bases and camps, sector outlines), hotspot
names that never repeat, and months without incidents shown as zero, on both backends; every
layer keeps a sector account to its sector."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.distance import distance_km
from bluehelmet.services import map_layers, map_places, records
from bluehelmet.services.database import Database
from bluehelmet.services.map_places import HotspotName, Landmark, hotspot_names
from bluehelmet.web.pages.situation import months_between
from tests.factories import make
from tests.test_web_api import PASSWORD, World, build_world
from tests.test_web_pages import csrf_of

ADMIN = Principal("admin-user", Role.ADMIN)
#: (sector side, place, kind, latitude, longitude, admin-1, admin-2): real places of Mali.
PLACES = [
    ("east", "Gao", "town", 16.27167, -0.04472, "Gao", "Gao"),
    ("east", "Ansongo", "town", 15.6597, 0.5022, "Gao", "Ansongo"),
    ("east", "Tessit", "village", 15.22, 0.29, "Gao", "Ansongo"),
    ("east", "Camp Labézanga", "camp", 14.96, 0.70, "Gao", "Ansongo"),
    ("west", "Kidal", "town", 18.4411, 1.4078, "Kidal", "Kidal"),
    ("west", "Aguelhok", "village", 19.4613, 0.8587, "Kidal", "Tessalit"),
    # A place of Sector West in Gao region: outvoted there, Gao stays Sector East's.
    ("west", "Bourem", "town", 16.9680, -0.3504, "Gao", "Bourem"),
]


def _place_world(db: Database) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db.transaction("tester") as tx:
        mission = ids["mission"] = make(tx, "Mission", name="MINUSMA").id or 0
        for side in ("east", "west"):
            ids[f"sector_{side}"] = make(tx, "Sector", mission_id=mission, name=f"Sector {side.title()}").id or 0
        areas: dict[tuple[str, str], int] = {}
        for side, name, kind, lat, lon, admin1, admin2 in PLACES:
            if (admin1, "") not in areas:
                areas[admin1, ""] = make(tx, "AdminArea", mission_id=mission, level="admin1", name=admin1).id or 0
            if (admin1, admin2) not in areas:
                areas[admin1, admin2] = make(tx, "AdminArea", mission_id=mission, level="admin2", name=admin2,
                                             parent_id=areas[admin1, ""]).id or 0  # fmt: skip
            ids[name] = make(tx, "Location", mission_id=mission, name=name, kind=kind, latitude=lat, longitude=lon,
                             admin1_id=areas[admin1, ""], admin2_id=areas[admin1, admin2],
                             sector_id=ids[f"sector_{side}"], variants=[]).id or 0  # fmt: skip
        for base, unit in (("Gao", "GAO-INF-BN"), ("Gao", "GAO-ENG-COY"), ("Kidal", "KIDAL-INF-BN")):
            side = "east" if base == "Gao" else "west"
            make(tx, "Unit", mission_id=mission, name=unit, base_id=ids[base], sector_id=ids[f"sector_{side}"])
    return ids


@pytest.fixture
def placed(db: Database) -> dict[str, int]:
    return _place_world(db)


def _props(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["name"]: f["properties"] for f in collection["features"]}


def test_places_carry_the_zoom_from_which_their_name_is_shown(db: Database, placed: dict[str, int]) -> None:
    shown = _props(map_places.places(db, ADMIN))
    assert shown["Gao"]["rank"] == 1 and shown["Kidal"]["rank"] == 1  # the regions' seats
    assert shown["Ansongo"]["rank"] == 2  # the seat of its cercle
    assert shown["Camp Labézanga"]["rank"] == 2  # a camp
    assert shown["Tessit"]["rank"] == 3
    assert shown["Gao"]["label_zoom"] < shown["Ansongo"]["label_zoom"] < shown["Tessit"]["label_zoom"]
    assert shown["Tessit"]["admin2"] == "Ansongo" and shown["Tessit"]["admin1"] == "Gao"


def test_bases_are_the_places_units_are_based_at_and_the_camps(db: Database, placed: dict[str, int]) -> None:
    shown = _props(map_places.bases(db, ADMIN))
    assert sorted(shown) == ["Camp Labézanga", "Gao", "Kidal"]
    assert shown["Gao"]["units"] == ["GAO-ENG-COY", "GAO-INF-BN"] and shown["Gao"]["unit_count"] == 2
    assert shown["Camp Labézanga"]["unit_count"] == 0


def test_a_sector_is_the_union_of_the_regions_that_hold_most_of_its_places(
    db: Database, placed: dict[str, int]
) -> None:
    layer = map_places.sectors(db, ADMIN)
    outlines = {f["properties"]["name"]: f for f in layer["features"]}
    assert outlines["Sector East"]["properties"]["regions"] == ["Gao"]
    assert outlines["Sector West"]["properties"]["regions"] == ["Kidal"]  # outvoted in Gao
    east, west = shape(outlines["Sector East"]["geometry"]), shape(outlines["Sector West"]["geometry"])
    assert east.contains(shapely.Point(0.5022, 15.6597)) and not east.contains(shapely.Point(1.4078, 18.4411))
    assert west.contains(shapely.Point(1.4078, 18.4411))
    assert east.intersection(west).area < 1e-6  # outlines share at most an edge
    assert not {"Sector East", "Sector West"} & set(layer["without_outline"])  # (the factories add empty sectors)


def test_a_sector_account_sees_its_own_places_bases_and_outline_only(db: Database, placed: dict[str, int]) -> None:
    east = Principal("sector-user", Role.SECTOR, placed["sector_east"])
    assert "Kidal" not in _props(map_places.places(db, east)) and "Gao" in _props(map_places.places(db, east))
    assert sorted(_props(map_places.bases(db, east))) == ["Camp Labézanga", "Gao"]
    assert sorted(_props(map_places.sectors(db, east))) == ["Sector East"]
    names = map_places.name_points(db, east, [(18.45, 1.41)])  # next to Kidal: named from the sector's places
    assert names[0].place != "Kidal"


def _landmark(name: str, lat: float, lon: float, admin2: str = "Ansongo") -> Landmark:
    return Landmark(0, name, "town", lat, lon, "Gao", admin2, None)


def test_hotspot_names_give_place_admin2_distance_and_direction_and_never_repeat() -> None:
    near = [_landmark("Ansongo", 15.6597, 0.5022), _landmark("Inékar", 15.95, 3.15, "Ménaka")]
    points = [(15.6597, 0.5022), (15.75, 0.5022), (15.6597, 0.62), (15.95, 3.25), (15.96, 3.25), (15.965, 3.25)]
    names = hotspot_names(points, near)
    assert names[0] == HotspotName("Ansongo", "Ansongo", None, "")  # at the place itself
    assert (names[1].place, names[1].km, names[1].bearing) == ("Ansongo", 10.0, "N")
    assert (names[2].km, names[2].bearing) == (13.0, "E")
    assert {n.place for n in names[3:]} == {"Inékar"} and {n.admin2 for n in names[3:]} == {"Ménaka"}
    assert len(set(names)) == len(names)  # three cells east of Inékar: three names
    same = hotspot_names([(15.0, 1.0), (15.0, 1.0)], near)
    assert same[0] != same[1] or same[0].detail  # the very same point: the coordinates say it
    assert hotspot_names([(15.0, 1.0)], [])[0].detail == "15.000, 1.000"


def test_among_thousands_of_places_a_hotspot_is_named_by_the_nearest_as_one_by_one() -> None:
    """With many places the distances are worked out all at once; the name is the one the exact,
    one-by-one comparison gives (ties to the name, then the id), twins included."""
    rng = random.Random(5)
    near = [Landmark(n, f"P{n % 700}", "town", round(rng.uniform(14, 18), 3), round(rng.uniform(-4, 2), 3), "", "",
                     None) for n in range(1500)]  # fmt: skip
    near.append(replace(near[10], id=5000, name="A twin"))  # the same point as P10, a name before it
    points = [(rng.uniform(14, 18), rng.uniform(-4, 2)) for _ in range(60)] + [(near[10].latitude, near[10].longitude)]
    names = hotspot_names(points, near)
    for (lat, lon), name in zip(points, names, strict=True):
        best = min(near, key=lambda p: (distance_km(lat, lon, p.latitude, p.longitude), p.name, p.id))
        assert name.place == best.name
    assert names[-1].place == "A twin"


def test_months_between_leave_no_month_out() -> None:
    assert months_between("2020-11", "2021-02") == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert months_between("2021-03", "2021-03") == ["2021-03"]
    assert months_between("9999-11", "9999-12") == ["9999-11", "9999-12"]  # the last month ends the count


def _signed_in(world: World, name: str) -> None:
    token = csrf_of(world.client.get("/signin").text)
    answer = world.client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code in (200, 303)


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with db.transaction("tester") as tx:
        for side, month in (("east", "2021-01-10"), ("west", "2021-03-20")):
            (incident,) = records.list_records(tx, "Incident", {"external_id": f"I-{side}"})
            records.update(tx, "Incident", incident.id or 0, {"event_date": month, "review_status": "verified"},
                           incident.version)  # fmt: skip
    with built.client:
        yield built


def test_the_situation_page_shows_empty_months_as_zero_and_names_hotspots(world: World) -> None:
    _signed_in(world, "analyst-user")
    page = world.client.get("/situation", params={"from": "2021-01-01", "to": "2021-04-30"}).text
    trend = json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', page, re.S)[1])
    assert trend["months"] == ["2021-01", "2021-02", "2021-03", "2021-04"]
    assert sum(s["data"][1] for s in trend["series"]) == 0  # February: no incident, shown as 0
    assert sum(sum(s["data"]) for s in trend["series"]) == 2
    centuries = world.client.get("/situation", params={"from": "0001-01-01", "to": "9999-12-31"})
    assert centuries.status_code == 200 and '"2021-02"' in centuries.text and '"1999-01"' not in centuries.text
    rows = re.findall(r'<span class="near-place">([^<]+)</span>', page)
    assert rows, "the hotspots are named by their place"
    table = re.search(r'<table class="data" id="hotspots">(.*?)</table>', page, re.S)
    assert table is not None
    names = re.findall(r"<tr><td>(.*?)</td>", table[1], re.S)
    assert len(names) == len(set(names))


def test_the_map_layers_answer_over_the_api_within_the_scope(world: World) -> None:
    for layer in ("sectors", "places", "bases"):
        admin = world.call("admin", "GET", f"/api/map/{layer}")
        assert admin.status_code == 200 and admin.json()["type"] == "FeatureCollection", admin.text[:200]
        mine = world.call("sector", "GET", f"/api/map/{layer}")
        assert mine.status_code == 200
        assert "Place west" not in mine.text and "Sector West" not in mine.text, layer
        assert world.call(None, "GET", f"/api/map/{layer}").status_code == 401
    assert "Place west" in world.call("admin", "GET", "/api/map/places").text


def test_an_operation_across_sectors_shows_a_sector_account_its_own_places_only(
    db: Database, placed: dict[str, int]
) -> None:
    with db.transaction("tester") as tx:
        both = {"sector_ids": [placed["sector_east"], placed["sector_west"]],
                "location_ids": [placed["Gao"], placed["Kidal"]]}  # fmt: skip
        make(tx, "Operation", mission_id=placed["mission"], name="Mongoose", start_on="2021-01-01", end_on=None, **both)
    east = Principal("sector-user", Role.SECTOR, placed["sector_east"])
    everyone = map_layers.operations(db, ADMIN, None, None)
    mine = map_layers.operations(db, east, None, None)
    assert sorted(f["properties"]["place"] for f in everyone["features"] if f["properties"]["name"] == "Mongoose") == [
        "Gao", "Kidal",
    ]  # fmt: skip
    assert [f["properties"]["place"] for f in mine["features"] if f["properties"]["name"] == "Mongoose"] == ["Gao"]


def test_a_hotspot_carries_its_places_french_name_for_the_french_page() -> None:
    river = Landmark(1, "Niger River", "other", 16.0, -0.5, "Gao", "Gao", None, name_fr="fleuve Niger")
    (name,) = hotspot_names([(16.1, -0.5)], [river])
    assert (name.place, name.place_fr, name.bearing) == ("Niger River", "fleuve Niger", "N")
