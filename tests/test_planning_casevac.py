"""Casualty-evacuation coverage: times never rise when a facility is added, the suggestion is
never worse than greedy, the JSON contract, and the reference mission on the records."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluehelmet.domain.places import Location
from bluehelmet.domain.units import Component, Unit, UnitType
from bluehelmet.planning.casevac import (
    AviationAsset,
    CoverageProblem,
    Facility,
    TargetPlace,
    baseline_suggestion,
    coverage,
    point_times,
    suggest,
)
from bluehelmet.planning.casevac_files import coverage_problem_from_json
from bluehelmet.planning.reading import InvalidProblem
from bluehelmet.services.database import Database
from bluehelmet.services.planning_coverage import medical_and_aviation
from tests.test_planning_rotations import invoke

latitudes, longitudes = st.floats(14.0, 20.0), st.floats(-4.0, 4.0)
facilities = st.builds(
    Facility,
    st.uuids().map(str),
    st.sampled_from(["level_1", "level_2", "forward_surgical_team"]),
    latitudes,
    longitudes,
)
aircraft = st.builds(AviationAsset, st.uuids().map(str), latitudes, longitudes, st.floats(100, 300), st.floats(0, 60),
                     st.booleans(), st.booleans())  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(facilities, max_size=4),
    st.lists(aircraft, max_size=3),
    facilities,
    st.lists(st.tuples(latitudes, longitudes), min_size=1, max_size=20),
)
def test_adding_a_facility_never_increases_a_time(
    present: list[Facility], air: list[AviationAsset], added: Facility, points: list[tuple[float, float]]
) -> None:
    problem = CoverageProblem(facilities=tuple(present), aviation=tuple(air))
    lat, lon = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    before = point_times(problem, lat, lon)
    after = point_times(replace(problem, facilities=(*present, added)), lat, lon)
    for key in before:
        assert np.all(after[key] <= before[key] + 1e-9)
        assert np.all(before[f"advanced_{key.split('_')[1]}"] <= before[f"surgery_{key.split('_')[1]}"] + 1e-9)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(latitudes, longitudes), min_size=1, max_size=8), st.integers(1, 3))
def test_the_suggestion_is_never_worse_than_greedy(places: list[tuple[float, float]], count: int) -> None:
    problem = CoverageProblem(
        facilities=(Facility("L2", "level_2", 16.27, -0.04),),
        aviation=(AviationAsset("heli", 16.27, -0.04),),
        places=tuple(TargetPlace(f"p{i}", "task", (p,)) for i, p in enumerate(places)),
        suggest_count=count,
    )
    for asset in ("forward_surgical_team", "helicopter"):
        best, greedy = suggest(problem, asset, time_limit=2, workers=1), baseline_suggestion(problem, asset)
        assert len(best.places_covered) >= len(greedy.places_covered)
        assert len(best.sites) <= count


PROBLEM: dict[str, Any] = {
    "area": {"type": "Polygon", "coordinates": [[[-1, 15], [1, 15], [1, 17], [-1, 17], [-1, 15]]]},
    "resolution": 5,
    "facilities": [{"id": "L2 Gao", "level": "level_2", "latitude": 16.27, "longitude": -0.04}],
    "aviation": [{"id": "heli Gao", "latitude": 16.27, "longitude": -0.04, "speed_kmh": 200, "launch_delay_min": 20}],
    "places": [{"id": "Gao", "kind": "base", "points": [[16.27, -0.04]]},
               {"id": "Tessit", "kind": "task", "points": [[15.01, 0.29]]},
               {"id": "Gao-Tessit", "kind": "route", "points": [[16.27, -0.04], [15.01, 0.29]]}],
}  # fmt: skip


def test_places_outside_the_targets_and_the_suggestion(tmp_path: Path) -> None:
    plan = coverage(coverage_problem_from_json(PROBLEM))
    assert plan.cell_count > 100 and plan.cells
    assert plan.outside_day["base"] == () and plan.outside_day["task"] == ("Tessit",)
    assert plan.outside_day["route"] == ("Gao-Tessit",)
    # The only site is the base: a team there changes nothing, so nothing is suggested.
    fst = next(s for s in plan.suggestions if s.asset == "forward_surgical_team")
    assert fst.sites == () and fst.places_covered == () and fst.gains == ()
    tessit = next(p for p in plan.places if p.id == "Tessit")
    assert tessit.via == {
        "advanced_day": "heli Gao to L2 Gao", "surgery_day": "heli Gao to L2 Gao",
        "advanced_night": "by road to L2 Gao", "surgery_night": "by road to L2 Gao",
    }  # fmt: skip
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(PROBLEM))
    data = json.loads(invoke("coverage", "casevac", str(path), "--json", "--cells").stdout)
    assert data["outside_targets"]["day"]["task"] == ["Tessit"]
    assert len(data["cells"]) == data["cell_count"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["facilities"][0].update(level="level_9"), "facilities[0].level: expected one of"),
        (lambda d: d["facilities"][0].update(latitude=95), "facilities[0].latitude: must be between -90 and 90"),
        (lambda d: d["places"][0].update(kind="camp"), "places[0].kind: expected one of base, task, route"),
        (lambda d: d["places"][0].update(points=[[16.27]]), r"places[0].points[0]: expected [latitude, longitude]"),
        (lambda d: d.update(resolution=16), "resolution: H3 resolutions go from 0 to 15"),
        (lambda d: d.update(area={"type": "Point"}), "area: expected a GeoJSON Polygon"),
        (lambda d: d["facilities"][0].update(hours="nights"), "facilities[0].hours: expected one of 24h, day, night"),
    ],
)
def test_a_malformed_coverage_problem_is_refused_with_the_field(change: Any, message: str) -> None:
    data = json.loads(json.dumps(PROBLEM))
    change(data)
    with pytest.raises(InvalidProblem) as error:
        coverage_problem_from_json(data)
    assert message in str(error.value)


def test_the_reference_mission_coverage_on_the_records(reference_db: Database) -> None:
    url = reference_db.engine.url.render_as_string(hide_password=False)
    result = invoke("--db", url, "coverage", "casevac", "--resolution", "5", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cell_count"] > 1000
    # The mobile task force's patrol to Tessit is outside the targets (S/2021/520, para. 14).
    assert "task Tessit" in data["outside_targets"]["day"]["task"]
    assert "base Gao" not in data["outside_targets"]["day"]["base"]
    assert [s["asset"] for s in data["suggestions"]] == [
        "level_1", "forward_surgical_team", "helicopter", "night_helicopter"
    ]  # fmt: skip
    # A battalion's own level 1 is counted and named: Ansongo has advanced care on the spot.
    level_1 = {f["id"]: f for f in data["facilities"] if f["level"] == "level_1"}
    assert level_1["level 1 of INFBAT Ansongo"]["hours"] == "24h"
    assert level_1["level 1 of INFBAT Ansongo"]["source"] == "INFBAT Ansongo's own level 1"
    ansongo = next(p for p in data["places"] if p["id"] == "base Ansongo")
    assert ansongo["advanced_day"] == 0.0 and ansongo["via"]["advanced_day"] == "by road to level 1 of INFBAT Ansongo"
    assert ansongo["via"]["surgery_day"] == "AVN Timbuktu to MED L2 Gao"
    # Sites only at bases, camps or airfields: never the village a task went to.
    bases = {p["id"] for p in data["places"] if p["kind"] == "base"}
    villages = {p["id"].removeprefix("task ") for p in data["places"] if p["kind"] == "task"} - {
        b.removeprefix("base ") for b in bases
    }
    assert "Sokoura" in villages
    for suggestion in data["suggestions"]:
        assert suggestion["sites"] and set(suggestion["sites"]) <= bases, suggestion
        assert suggestion["gains"] and all(g["after"] < g["before"] for g in suggestion["gains"] if g["before"])
    text = invoke("--db", url, "coverage", "casevac", "--resolution", "4").stdout
    assert re.search(r"^level 1 of INFBAT Ansongo +level 1 +24h +15.66, 0.50$", text, re.M)
    assert "- base Ansongo: by road to level 1 of INFBAT Ansongo / AVN Timbuktu to MED L2 Gao;" in text
    assert "one more night helicopter: base " in text and " min saved" in text
    assert "task Sokoura" not in " ".join(s["sites"][0] for s in data["suggestions"])


def test_a_facility_keeps_its_hours_and_a_level_1_site_saves_minutes_where_it_does_not_cover() -> None:
    problem = CoverageProblem(
        facilities=(Facility("L2 Gao", "level_2", 16.27, -0.04), Facility("L1 day", "level_1", 15.66, 0.50, "day")),
        aviation=(),
        places=(
            TargetPlace("Ansongo", "base", ((15.66, 0.50),)),
            TargetPlace("Ménaka", "base", ((15.92, 2.40),)),
            TargetPlace("Tessit", "task", ((15.01, 0.29),)),
        ),
    )
    plan = coverage(problem, time_limit=2, with_cells=False)
    ansongo = next(p for p in plan.places if p.id == "Ansongo")
    # Open by day only: by night the advanced care is the level 2 at Gao, by road.
    assert ansongo.advanced_day == 0.0 and ansongo.via["advanced_day"] == "by road to L1 day"
    assert ansongo.advanced_night is not None and ansongo.advanced_night > 60
    assert ansongo.via["advanced_night"] == "by road to L2 Gao"
    level_1 = next(s for s in plan.suggestions if s.asset == "level_1")
    # Ménaka is the one base a level 1 brings within the hour; Tessit is a task, never a site.
    assert level_1.sites == ("Ménaka",) and level_1.places_covered == ("Ménaka",)
    gains = {(g.place, g.measure): g for g in level_1.gains}
    assert gains["Ménaka", "advanced_day"].after == 0.0
    assert gains["Ménaka", "advanced_day"].saved == gains["Ménaka", "advanced_day"].before
    # A night helicopter at Ansongo shortens Tessit's night even where it does not bring it within target.
    night = next(s for s in plan.suggestions if s.asset == "night_helicopter")
    assert night.sites and all(g.before is None or g.after is None or g.after < g.before for g in night.gains)


@pytest.mark.parametrize(
    ("command", "content", "message"),
    [
        (
            ("coverage", "casevac"),
            b'{"facilities": [], "ground_speed_kmh": NaN}',
            "NaN is not a number a problem may hold",
        ),
        (
            ("coverage", "casevac"),
            b'{"facilities": [], "ground_speed_kmh": 1e300}',
            "ground_speed_kmh: 1e+300 is not a",
        ),
        (("coverage", "casevac"), b'{"facilities": [\xff]}', "is not UTF-8"),
        (("coverage", "casevac"), b"[" * 3000 + b"]" * 3000, "nests lists and objects deeper than 20 levels"),
        (
            ("coverage", "casevac"),
            json.dumps({**PROBLEM, "resolution": 12}).encode(),
            "resolution: H3 resolution 12 cuts the area into about",
        ),
        (("plan", "tasking"), b'{"units": [\xfe]}', "is not UTF-8"),
        (("plan", "caveat-impact"), b'{"units": [], "tasks": [], "caveats": Infinity}', "Infinity is not a number"),
    ],
)
def test_bad_input_is_refused_in_one_line_without_a_traceback(
    tmp_path: Path, command: tuple[str, str], content: bytes, message: str
) -> None:
    path = tmp_path / "problem.json"
    path.write_bytes(content)
    result = invoke(*command, str(path))
    assert result.exit_code == 1, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output


def test_a_battalions_own_level_1_is_counted_once_and_other_units_bring_none() -> None:
    gao = Location(id=1, mission_id=1, name="Gao", latitude=16.27, longitude=-0.04)
    kidal = Location(id=2, mission_id=1, name="Kidal", latitude=18.44, longitude=1.41)

    def unit(ident: int, name: str, kind: UnitType, base: int, parent: int | None = None) -> Unit:
        return Unit(id=ident, mission_id=1, name=name, component=Component.MILITARY, unit_type=kind, base_id=base,
                    parent_id=parent)  # fmt: skip

    units = [
        unit(1, "INFBAT Gao", UnitType.INFANTRY_BATTALION, 1),
        unit(2, "INFBAT Kidal", UnitType.INFANTRY_BATTALION, 2),
        unit(3, "INFBAT Kidal L1", UnitType.MEDICAL_LEVEL_1, 2, parent=2),  # its level 1, recorded
        unit(4, "FPU Gao", UnitType.FORMED_POLICE_UNIT, 1),
        unit(5, "INFCOY Gao", UnitType.INFANTRY_COMPANY, 1),  # a company brings none of its own
    ]
    facilities, _ = medical_and_aviation(units, {1: gao, 2: kidal})
    assert [(f.id, f.level, f.source) for f in facilities] == [
        ("level 1 of INFBAT Gao", "level_1", "INFBAT Gao's own level 1"),
        ("INFBAT Kidal L1", "level_1", ""),
        ("level 1 of FPU Gao", "level_1", "FPU Gao's own level 1"),
    ]
