"""Pages measure against the period they show, not the server's clock: "late" and "Equipment
serviceability <date>" are judged on the data's last day; the Operations page's default period
covers the data for an admin and a sector account; a rotation not started by the period's end
shows no actual bar or date."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from bluehelmet.services import records
from bluehelmet.services.database import Database
from tests.factories import make
from tests.test_web_api import World, build_world


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    ids = built.ids
    with db.transaction("tester") as tx:
        mission, east = ids["mission"], ids["sector_east"]
        for side in ("east", "west"):  # the operations end before the data does
            records.update(tx, "Operation", ids[f"operation_{side}"], {"end_on": "2021-03-31"}, 1)
        make(tx, "Incident", mission_id=mission, sector_id=east, location_id=ids["location_east"],
             external_id="I-may", event_date="2021-05-20")  # fmt: skip
        make(tx, "Operation", mission_id=mission, name="Farrier", start_on="2021-01-10", end_on=None,
             sector_ids=[east], location_ids=[ids["location_east"]], unit_ids=[])  # fmt: skip
        project = make(
            tx, "InfrastructureProject", mission_id=mission, name="Mopti camp", location_id=ids["location_east"]
        )
        make(
            tx, "ProjectMilestone", project_id=project.id, name="Fence done", start_on="2021-04-01", due_on="2021-05-15"
        )
        make(
            tx, "ProjectMilestone", project_id=project.id, name="Gate done", start_on="2021-04-01", due_on="2021-07-01"
        )
        unit = make(tx, "Unit", mission_id=mission, name="INFBAT Later", sector_id=east, unit_type="infantry_battalion")
        make(tx, "Rotation", mission_id=mission, unit_id=unit.id, planned_start="2021-05-01", planned_end="2021-05-21",
             actual_start="2021-06-10", actual_end="2021-06-30")  # fmt: skip
    with built.client:
        yield built


def _get(world: World, role: str, path: str, **params: str) -> str:
    answer = world.client.get(path, headers=world.headers(role), params=params)
    assert answer.status_code == 200, answer.text[:300]
    return html.unescape(answer.text)


def test_late_and_serviceability_are_judged_on_the_datas_last_day(world: World) -> None:
    page = _get(world, "admin", "/capabilities")
    assert 'name="on" value="2021-05-31"' in page
    fence = re.search(r"Fence done: 2021-05-15(.*?)</div>", page)
    gate = re.search(r"Gate done: 2021-07-01(.*?)</div>", page)
    assert fence and gate and "late" in fence.group(1) and "late" not in gate.group(1)  # not late on 31 May 2021
    later = _get(world, "admin", "/capabilities", on="2021-08-01")
    assert re.search(r"Gate done: 2021-07-01 <span class=\"badge bad\">late", later)
    forces = _get(world, "admin", "/forces")
    assert re.search(r"Equipment serviceability <span class=\"small muted\">31 May 2021</span>", forces)
    forces_fr = _get(world, "sector", "/forces", lang="fr")
    assert "31 mai 2021" in forces_fr


def test_the_operations_default_period_covers_the_data(world: World) -> None:
    for role in ("admin", "sector"):
        page = _get(world, role, "/operations")
        found = re.search(r'name="to" value="([0-9-]+)"', page)
        assert found and found.group(1) >= "2021-05-31", (role, found and found.group(1))
        assert "Farrier" in page  # under way: it reaches the data's end


def test_a_rotation_not_started_by_the_periods_end_shows_no_actual(world: World) -> None:
    page = _get(world, "admin", "/rotations", **{"from": "2021-04-01", "to": "2021-05-31"})
    row = re.search(r'title="INFBAT Later">INFBAT Later</div>(.*?)</div></div>', page, re.S)
    assert row and "bar planned" in row.group(1) and "bar actual" not in row.group(1)
    assert "2021-06-10" not in page and "not yet known" in page
    later = _get(world, "admin", "/rotations", **{"from": "2021-04-01", "to": "2021-07-31"})
    assert "2021-06-10" in later
