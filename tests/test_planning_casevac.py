"""Casualty-evacuation coverage: times never rise when a facility is added, the suggestion is
never worse than greedy, the JSON contract, and the reference mission on the records."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    fst = next(s for s in plan.suggestions if s.asset == "forward_surgical_team")
    assert fst.sites == ("Tessit",) and set(fst.places_covered) == {"Tessit"}
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
    assert {s["asset"] for s in data["suggestions"]} == {"forward_surgical_team", "helicopter"}
