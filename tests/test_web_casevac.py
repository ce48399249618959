"""The casualty-evacuation layer of the Situation map: the cells beyond 10-1-2, from the records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def client(reference_db: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    name = f"casevac-{reference_db.engine.dialect.name}"
    if not any(a.name == name for a in accounts.list_accounts(reference_db, "tester")):
        accounts.add_account(reference_db, "tester", name, "viewer", password=PASSWORD)
    token = accounts.issue_token(reference_db, "tester", name)
    with TestClient(create_app(reference_db.settings, db=reference_db)) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def test_the_layer_lists_only_cells_beyond_the_targets(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    day = c.get("/api/map/casevac?resolution=4", headers=auth)
    assert day.status_code == 200
    layer = day.json()
    assert layer["type"] == "FeatureCollection" and layer["resolution"] == 4 and not layer["night"]
    assert 0 < len(layer["features"]) < layer["cells"]  # some of Mali is within reach, most is not
    for feature in layer["features"]:
        p = feature["properties"]
        assert not (p["advanced_within_hour"] and p["surgery_within_two_hours"])
        assert p["surgery_minutes"] is None or (p["surgery_minutes"] > 120) == (not p["surgery_within_two_hours"])
    assert layer["shares"]["both"] == pytest.approx(1 - len(layer["features"]) / layer["cells"], abs=0.001)
    # Each shade's cells merged into one outline, for a fill without seams between cells.
    assert [a["shade"] for a in layer["areas"]] == ["surgery", "advanced"]
    assert {a["geometry"]["type"] for a in layer["areas"]} <= {"Polygon", "MultiPolygon"}
    night = c.get("/api/map/casevac?resolution=4&night=true", headers=auth).json()
    assert len(night["features"]) >= len(layer["features"])  # helicopters fly by day only, unless recorded otherwise


def test_the_layer_needs_a_signed_in_caller_and_a_sane_resolution(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    assert c.get("/api/map/casevac").status_code == 401
    assert c.get("/api/map/casevac?resolution=9", headers=auth).status_code == 422
