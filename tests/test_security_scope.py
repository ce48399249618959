"""The scoping leaks of issue 28, each a regression test: two live missions whose sectors share
their names, a sector account of the first mission's Sector East, and one of its Sector West,
which has no units (``tests/twin_missions.py``). Every door scopes by mission id and sector id
(``services.scope``); what lies outside answers as what does not exist, naming nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bluehelmet.services import records
from bluehelmet.services.database import Database
from tests.factories import data
from tests.twin_missions import Twins, build_twins


@pytest.fixture
def twins(db: Database) -> Iterator[Twins]:
    built = build_twins(db)
    with built.client:
        yield built


def test_the_review_fragment_answers_404_outside_the_sector_and_for_unknown_or_deleted_ids(twins: Twins) -> None:
    west = twins.ids["m1.west.incident"]
    with twins.db.transaction("tester") as tx:
        gone = twins.ids["m1.east.operation"]
        deleted = records.create(tx, "Incident", data(tx, "Incident", mission_id=twins.ids["m1"],
                                                      sector_id=twins.ids["m1.east.sector"],
                                                      location_id=twins.ids["m1.east.location"]))  # fmt: skip
        records.delete(tx, "Incident", deleted.id or 0, 1)
    form = {"version": "1", "status": "verified"}
    for record_id in (west, twins.ids["m2.east.incident"], 999_999, deleted.id, 2**31, 10**30):
        answer = twins.call("sector", "POST", f"/incidents/{record_id}/review", data=form,
                            headers={"HX-Request": "true"})  # fmt: skip
        assert answer.status_code == 404, (record_id, answer.status_code, answer.text[:200])
        assert "MINUSMA-west" not in answer.text and "MINUSCA" not in answer.text
    with twins.db.transaction("tester") as tx:
        assert records.get(tx, "Incident", west).review_status == "draft"
    assert gone  # the ids of the world are there: the refusals above are not for want of records
    mine = twins.call("sector", "POST", f"/incidents/{twins.ids['m1.east.incident']}/review", data=form,
                      headers={"HX-Request": "true"})  # fmt: skip
    assert mine.status_code == 200 and "MINUSMA-east" in mine.text


def test_a_sector_with_no_units_sees_no_equipment_not_the_whole_missions(twins: Twins) -> None:
    admin = twins.call("admin", "GET", "/forces", params={"mission": "MINUSMA"})
    assert admin.status_code == 200 and "MINUSMA-east-MED" in admin.text
    west = twins.call("west", "GET", "/forces")
    assert west.status_code == 200
    assert "MINUSMA-east-MED" not in west.text and "MINUSCA" not in west.text
    east = twins.call("sector", "GET", "/forces")
    assert "MINUSMA-east-MED" in east.text and "MINUSCA-east-MED" not in east.text


def test_the_casevac_layer_of_a_sector_is_computed_from_its_own_units(twins: Twins) -> None:
    whole = twins.call("admin", "GET", "/api/map/casevac", params={"mission": "MINUSMA"}).json()
    assert whole["shares"]["surgery"] > 0
    west = twins.call("west", "GET", "/api/map/casevac").json()
    assert west["shares"] == {"advanced_care": 0.0, "surgery": 0.0, "both": 0.0}
    assert len(west["features"]) == west["cells"]  # no cell within reach: every cell is drawn as a gap


@pytest.mark.parametrize(
    "path",
    ["/api/stats/incidents", "/api/map/hexagons", "/api/stats/hotspots", "/api/stats/ied", "/api/map/operations"],
)
def test_analyses_of_another_mission_with_a_sector_of_the_same_name_are_refused(twins: Twins, path: str) -> None:
    params = {"mission": "MINUSCA", "by": "sector"}
    assert twins.call("admin", "GET", path, params=params).status_code == 200
    other = twins.call("sector", "GET", path, params=params)
    assert other.status_code == 422 and "no mission called 'MINUSCA'" in other.text
    own = twins.call("sector", "GET", path, params={"by": "sector"})
    assert own.status_code == 200 and "MINUSCA" not in own.text


def test_a_sector_counts_only_its_own_incidents_of_its_own_mission(twins: Twins) -> None:
    rows = twins.call("sector", "GET", "/api/stats/incidents", params={"by": "sector"}).json()["rows"]
    assert [(r["sector"], r["events"]) for r in rows] == [("Sector East", 1)]
    assert twins.call("sector", "GET", "/api/map/hexagons").json()["incidents"] == 1
    named = twins.call("sector", "GET", "/api/stats/incidents", params={"mission": "MINUSMA", "by": "sector"})
    assert [r["events"] for r in named.json()["rows"]] == [1]


@pytest.mark.parametrize("page", ["/situation", "/forces", "/rotations", "/capabilities", "/reports", "/transition",
                                  "/incidents", "/operations", "/about", "/incidents/new"])  # fmt: skip
def test_pages_answer_with_a_second_live_mission(twins: Twins, page: str) -> None:
    for who in ("admin", "analyst", "sector", "west"):
        answer = twins.call(who, "GET", page)
        assert answer.status_code in (200, 403), (who, page, answer.status_code)
        assert answer.status_code == 200 or who in ("sector", "west")
    chosen = twins.call("admin", "GET", page, params={"mission": "MINUSCA"})
    assert chosen.status_code == 200


def test_ids_beyond_the_columns_in_urls_are_not_found(twins: Twins) -> None:
    for big in (2**31, 2**63, 10**30):
        assert twins.call("admin", "GET", f"/incidents/{big}").status_code == 404
        assert twins.call("admin", "GET", f"/api/records/incident/{big}").status_code in (404, 422)
        assert twins.call("admin", "GET", f"/api/records/incident/{big}/history").status_code in (404, 422)


def test_a_lone_surrogate_in_json_is_refused_with_422(twins: Twins) -> None:
    headers = {"Authorization": f"Bearer {twins.tokens['admin']}", "Content-Type": "application/json"}
    for path, field in ((f"/api/records/location/{twins.ids['m1.east.location']}", "name"),
                        (f"/api/records/incident/{twins.ids['m1.east.incident']}", "notes")):  # fmt: skip
        body = b'{"version": 1, "%s": "a\\ud800b"}' % field.encode()
        answer = twins.client.patch(path, content=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert "lone surrogate" in answer.text


def test_a_write_referring_to_another_sectors_record_is_refused_without_naming_it(twins: Twins) -> None:
    ids = twins.ids
    with twins.db.transaction("tester") as tx:
        body = data(tx, "Incident", mission_id=ids["m1"])
    body.update({"sector_id": ids["m1.east.sector"], "location_id": ids["m1.west.location"],
                 "responding_unit_ids": [], "external_id": "SNEAK-1"})  # fmt: skip
    refused = twins.call("sector", "POST", "/api/records/incident", json=body)
    assert refused.status_code == 422, refused.text
    assert "location_id" in refused.text and "outside your sector" in refused.text
    assert (
        "MINUSMA west town" not in refused.text
        and str(ids["m1.west.location"]) not in refused.json()["detail"][0]["reason"]
    )
    body["location_id"] = ids["m2.east.location"]  # the other mission's sector of the same name
    assert twins.call("sector", "POST", "/api/records/incident", json=body).status_code == 422
    east = ids["m1.east.incident"]
    unit = twins.call("sector", "PATCH", f"/api/records/incident/{east}",
                      json={"version": 1, "responding_unit_ids": [ids["m2.east.unit"]]})  # fmt: skip
    assert unit.status_code == 422 and "MINUSCA" not in unit.text
    exported = twins.call("sector", "GET", "/api/export/incident").text
    assert "MINUSMA west town" not in exported and "SNEAK-1" not in exported
    foreign = twins.call("sector", "GET", f"/api/records/incident/{ids['m1.west.incident']}")
    assert foreign.status_code == 404 and "MINUSMA-west" not in foreign.text


def test_about_shows_a_sector_account_its_own_counts_not_the_missions(twins: Twins) -> None:
    def count(who: str, kind: str) -> str:
        page = twins.call(who, "GET", "/about").text
        row = page.split(f"<td>{kind}</td>", 1)[1]
        return row.split('<td class="num">', 1)[1].split("<", 1)[0]

    assert count("admin", "Incident") == "4"
    assert count("sector", "Incident") == "1"
    assert count("sector", "Operation") == "1"
    assert "Counts of the live records your sector may read." in twins.call("sector", "GET", "/about").text


@pytest.mark.parametrize(
    ("name", "reason"),
    [("Sector\u200b East", "invisible"), ("Sector \u202eEast", "invisible"), ("S" * 301, "at most 300")],
)
def test_names_with_invisible_characters_or_too_long_are_refused(twins: Twins, name: str, reason: str) -> None:
    answer = twins.call("admin", "POST", "/api/records/sector", json={"mission_id": twins.ids["m1"], "name": name})
    assert answer.status_code == 422 and reason in answer.text, answer.text


def test_text_is_normalised_and_bounded_by_kind(twins: Twins) -> None:
    decomposed = "Se\u0301gou"  # "Ségou" as an e and a combining accent
    made = twins.call("admin", "POST", "/api/records/sector", json={"mission_id": twins.ids["m1"], "name": decomposed})
    assert made.status_code == 201 and made.json()["name"] == "S\u00e9gou"
    again = twins.call(
        "admin", "POST", "/api/records/sector", json={"mission_id": twins.ids["m1"], "name": "S\u00e9gou"}
    )
    assert again.status_code == 409 or again.status_code == 422, again.text  # one sector, not two
    path = f"/api/records/incident/{twins.ids['m1.east.incident']}"
    huge = twins.call("admin", "PATCH", path, json={"version": 1, "notes": "x" * 20_001})
    assert huge.status_code == 422 and "at most 20,000" in huge.text
    long_code = twins.call("admin", "PATCH", path, json={"version": 1, "external_id": "X" * 101})
    assert long_code.status_code == 422 and "at most 100" in long_code.text
    fine = twins.call("admin", "PATCH", path, json={"version": 1, "notes": "Témoin \u200b cité: " + "x" * 5000})
    assert fine.status_code == 200  # notes are text: a zero-width space there is kept, not refused
