"""The REST API on a real database (SQLite and PostgreSQL): records, review, analysis, map,
files and the letter, called as a script would, with an API token per role."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bluehelmet.cli import cli
from bluehelmet.domain.access import Role
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.factories import data, make

PASSWORD = "a long enough password"


@dataclass
class World:
    """A small mission with two sectors, and an API token for an account of every role (the
    sector account is Sector East's)."""

    db: Database
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def headers(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, role: str | None, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=self.headers(role), **kwargs)


def _id(record: object) -> int:
    value = getattr(record, "id", None)
    assert isinstance(value, int)
    return value


def build_world(db: Database) -> World:
    ids: dict[str, int] = {}
    with db.transaction("tester") as tx:
        mission = ids["mission"] = _id(make(tx, "Mission", name="MINUSMA"))
        for side in ("east", "west"):
            sector = ids[f"sector_{side}"] = _id(make(tx, "Sector", mission_id=mission, name=f"Sector {side.title()}"))
            place = ids[f"location_{side}"] = _id(
                make(tx, "Location", mission_id=mission, name=f"Place {side}", sector_id=sector)
            )
            ids[f"incident_{side}"] = _id(
                make(
                    tx,
                    "Incident",
                    mission_id=mission,
                    sector_id=sector,
                    location_id=place,
                    external_id=f"I-{side}",
                    review_status="draft",
                )
            )
            ids[f"operation_{side}"] = _id(
                make(tx, "Operation", mission_id=mission, sector_ids=[sector], location_ids=[place])
            )
        # Of Sector East through its place only.
        ids["incident_by_place"] = _id(
            make(
                tx,
                "Incident",
                mission_id=mission,
                sector_id=None,
                location_id=ids["location_east"],
                external_id="I-p",
                review_status="draft",
            )
        )
    world = World(db, TestClient(create_app(db.settings, db=db)), ids=ids)
    for role in Role:
        name = f"{role.value}-user"
        sector = "Sector East" if role == Role.SECTOR else None
        accounts.add_account(db, "tester", name, role.value, sector=sector, password=PASSWORD)
        world.tokens[role.value] = accounts.issue_token(db, "tester", name)
    return world


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


def incident_body(world: World, **overrides: Any) -> dict[str, Any]:
    with world.db.transaction("tester") as tx:
        values = data(tx, "Incident", mission_id=world.ids["mission"])
    values.update({"location_id": world.ids["location_east"], "sector_id": world.ids["sector_east"], **overrides})
    return values


def test_a_record_is_created_changed_deleted_restored_and_its_history_kept(world: World) -> None:
    created = world.call("analyst", "POST", "/api/records/incident", json=incident_body(world, external_id="X-1"))
    assert created.status_code == 201, created.text
    incident = created.json()
    assert incident["version"] == 1 and incident["created_by"] == "analyst-user"
    path = f"/api/records/incident/{incident['id']}"
    assert world.call("viewer", "GET", path).json()["external_id"] == "X-1"

    changed = world.call("analyst", "PATCH", path, json={"version": 1, "fatalities": 4})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["fatalities"], changed.json()["version"]) == (4, 2)

    stale = world.call("analyst", "PATCH", path, json={"version": 1, "fatalities": 9})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2 and stale.json()["current"]["fatalities"] == 4

    deleted = world.call("analyst", "DELETE", path, params={"version": 2})
    assert deleted.status_code == 200 and deleted.json()["deleted_at"]
    assert world.call("analyst", "GET", path).status_code == 404
    assert world.call("analyst", "GET", path, params={"include_deleted": True}).status_code == 200
    assert world.call("analyst", "POST", path + "/restore", params={"version": 2}).status_code == 409
    restored = world.call("analyst", "POST", path + "/restore", params={"version": 3})
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None

    history = world.call("viewer", "GET", path + "/history").json()["entries"]
    assert [(e["action"], e["version"], e["actor"]) for e in history] == [
        ("create", 1, "analyst-user"),
        ("update", 2, "analyst-user"),
        ("delete", 3, "analyst-user"),
        ("restore", 4, "analyst-user"),
    ]
    assert history[1]["before"]["fatalities"] != 4 and history[1]["after"]["fatalities"] == 4


def test_input_is_parsed_strictly_and_refusals_name_the_field(world: World) -> None:
    body = incident_body(world, fatalities=False)
    refused = world.call("analyst", "POST", "/api/records/incident", json=body)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["detail"]] == ["fatalities"]

    unknown = world.call("analyst", "POST", "/api/records/incident", json=incident_body(world, colour="blue"))
    assert unknown.status_code == 422
    assert {"field": "colour", "reason": "is not a field of this kind of record"}.items() <= unknown.json()["detail"][
        0
    ].items()

    path = f"/api/records/incident/{world.ids['incident_east']}"
    for change, named in (
        ({"version": "1", "fatalities": 1}, "version"),
        ({"fatalities": 1}, "version"),
        ({"version": 1, "fatalities": "3"}, "fatalities"),
        ({"version": 1, "id": 5}, "id"),
    ):
        answer = world.call("analyst", "PATCH", path, json=change)
        assert answer.status_code == 422, change
        assert [p["field"] for p in answer.json()["detail"]] == [named]
    assert world.call("analyst", "POST", "/api/records/incident", json=[1, 2]).status_code == 422
    bad_date = world.call("analyst", "GET", "/api/records/incident", params={"event_date_from": "2021-13-01"})
    assert bad_date.status_code == 422 and bad_date.json()["detail"][0]["field"] == "event_date_from"


def test_lists_filter_strictly_and_page_with_a_next_link(world: World) -> None:
    for day in ("2022-01-03", "2022-01-10", "2022-02-01"):
        body = incident_body(world, event_date=day, external_id=f"L-{day}", fatalities=12)
        assert world.call("analyst", "POST", "/api/records/incident", json=body).status_code == 201
    url = "/api/records/incident"
    window = {"event_date_from": "2022-01-01", "event_date_to": "2022-01-31", "limit": 1}
    first = world.call("viewer", "GET", url, params=window).json()
    assert (first["total"], len(first["records"]), first["offset"]) == (2, 1, 0)
    following = world.call("viewer", "GET", first["next"]).json()
    assert following["next"] is None and following["records"][0]["external_id"] == "L-2022-01-10"
    assert world.call("viewer", "GET", url, params={"from": "2022-01-05", "to": "2022-12-31"}).json()["total"] == 2
    assert world.call("viewer", "GET", url, params={"fatalities": 12, "from": "2022-01-01"}).json()["total"] == 3
    either = [("external_id", "L-2022-01-03"), ("external_id", "I-east")]
    assert world.call("viewer", "GET", url, params=either).json()["total"] == 2
    assert world.call("viewer", "GET", url, params={"category": "null"}).json()["total"] == 0

    for params, named in (
        ({"colour": "blue"}, "colour"),
        ({"fatalities": "false"}, "fatalities"),
        ({"fatalities": "2.5"}, "fatalities"),
        ({"event_type": "Picnic"}, "event_type"),
        ({"limit": 1001}, "limit"),
        ({"responding_unit_ids": "1"}, "responding_unit_ids"),
    ):
        answer = world.call("viewer", "GET", url, params=params)
        assert answer.status_code == 422, params
        assert answer.json()["detail"][0]["field"] == named


def test_the_review_moves_incidents_with_their_version_and_a_batch_is_all_or_nothing(world: World) -> None:
    east, west = world.ids["incident_east"], world.ids["incident_west"]
    verified = world.call("analyst", "POST", f"/api/review/incidents/{east}", json={"status": "verified", "version": 1})
    assert verified.status_code == 200 and verified.json()["review_status"] == "verified"
    stale = world.call("analyst", "POST", f"/api/review/incidents/{east}", json={"status": "draft", "version": 1})
    assert stale.status_code == 409 and stale.json()["current"]["review_status"] == "verified"
    skipping = world.call("analyst", "POST", f"/api/review/incidents/{east}", json={"status": "rejected", "version": 2})
    assert skipping.status_code == 422 and skipping.json()["detail"][0]["field"] == "review_status"
    assert (
        world.call(
            "viewer", "POST", f"/api/review/incidents/{west}", json={"status": "verified", "version": 1}
        ).status_code
        == 403
    )

    batch = {"items": [{"id": west, "version": 1}, {"id": world.ids["incident_by_place"], "version": 7}]}
    refused = world.call("analyst", "POST", "/api/review/incidents", json=batch)
    assert refused.status_code == 422 and [p["field"] for p in refused.json()["detail"]] == ["items.1"]
    assert world.call("viewer", "GET", f"/api/records/incident/{west}").json()["review_status"] == "draft"
    batch["items"][1]["version"] = 1
    done = world.call("analyst", "POST", "/api/review/incidents", json=batch)
    assert done.status_code == 200, done.text
    assert [r["review_status"] for r in done.json()["records"]] == ["verified", "verified"]
    assert (
        world.call("analyst", "POST", "/api/review/incidents", json={"items": [{"id": 1, "version": True}]}).status_code
        == 422
    )
    # Setting the status through a plain change is the reviewers' too: an evaluator cannot write incidents at all.
    assert world.call("evaluator", "PATCH", f"/api/records/incident/{west}", json={"version": 2}).status_code == 403


def _cli_json(world: World, *arguments: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", world.db.settings.database_url, "stats", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


#: Each topic of `bluehelmet stats`, asked of the API and of the command.
TOPICS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("incidents", {"by": "year,event_type", "from": "2020-01-01"},
     ["--by", "year,event_type", "--from", "2020-01-01", "--include-drafts"]),
    ("incidents", {"by": "year,event_type", "from": "2020-01-01", "status": "verified"},
     ["--by", "year,event_type", "--from", "2020-01-01"]),
    ("rate", {"from": "2021-01-01", "to": "2021-12-31", "split": "2021-04-01"},
     ["--from", "2021-01-01", "--to", "2021-12-31", "--split", "2021-04-01"]),
    ("compare", {"from": "2021-01-01", "to": "2021-12-31", "measure": "fatalities"},
     ["--from", "2021-01-01", "--to", "2021-12-31", "--measure", "fatalities"]),
    ("ied", {"category": ["ied_detonated"]}, ["--category", "ied_detonated"]),
    ("hotspots", {"resolution": 5}, ["--resolution", "5"]),
    ("equipment", {"on": "2021-06-30"}, ["--on", "2021-06-30"]),
    ("performance", {"from": "2021-01-01", "to": "2021-12-31"}, ["--from", "2021-01-01", "--to", "2021-12-31"]),
    ("caveats", {"on": "2021-06-30"}, ["--on", "2021-06-30"]),
    ("rotations", {"from": "2021-01-01", "to": "2021-03-31", "daily": True},
     ["--from", "2021-01-01", "--to", "2021-03-31", "--daily"]),
    ("rotations", {"from": "2021-01-01", "to": "2021-03-31"}, ["--from", "2021-01-01", "--to", "2021-03-31"]),
    ("convoys", {"from": "2021-01-01", "to": "2021-12-31"}, ["--from", "2021-01-01", "--to", "2021-12-31"]),
    ("capabilities", {"open": True}, ["--open"]),
    ("transition", {"on": "2021-06-30"}, ["--on", "2021-06-30"]),
    ("missions", {"from": "2021-01-01", "to": "2021-12-31"}, ["--from", "2021-01-01", "--to", "2021-12-31"]),
]  # fmt: skip


def test_the_analysis_answers_what_the_cli_prints(world: World) -> None:
    stats = cli.get_command(click.Context(cli), "stats")  # the command line loads its groups lazily
    assert {t for t, _, _ in TOPICS} == set(stats.commands)  # type: ignore[union-attr]
    for topic, params, arguments in TOPICS:
        answer = world.call("reporting", "GET", f"/api/stats/{topic}", params=params)
        assert answer.status_code == 200, (topic, answer.text)
        assert answer.json() == _cli_json(world, topic, *arguments), topic
    refused = world.call("reporting", "GET", "/api/stats/incidents", params={"by": "colour"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "by"


def test_map_layers_are_geojson(world: World) -> None:
    regions = world.call("viewer", "GET", "/api/map/boundaries").json()
    assert regions["type"] == "FeatureCollection" and len(regions["features"]) >= 8
    assert {"name", "iso_3166_2"} <= set(regions["features"][0]["properties"])
    cells = world.call("viewer", "GET", "/api/map/hexagons", params={"resolution": 5}).json()
    assert sum(f["properties"]["count"] for f in cells["features"]) == cells["incidents"] == 3
    ring = cells["features"][0]["geometry"]["coordinates"][0]
    assert cells["features"][0]["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 7
    filtered = world.call("viewer", "GET", "/api/map/hexagons", params={"category": "hijacking"}).json()
    assert filtered["features"] == []
    assert world.call("viewer", "GET", "/api/map/hexagons", params={"resolution": 16}).status_code == 422
    places = world.call("viewer", "GET", "/api/map/operations", params={"from": "2021-01-01"}).json()
    assert len(places["features"]) == 2
    assert {"name", "operation_type"} <= set(places["features"][0]["properties"])
    assert world.call("viewer", "GET", "/api/map/operations", params={"from": "2030-01-01"}).json()["features"] == []


def test_exports_stream_every_format(world: World) -> None:
    assert world.call("viewer", "GET", "/api/export/incident").status_code == 403
    answer = world.call("reporting", "GET", "/api/export/incident", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert sorted(r["external_id"] for r in rows) == ["I-east", "I-p", "I-west"]
    assert rows[0]["location"].startswith("Place")
    hxl = world.call("reporting", "GET", "/api/export/incident", params={"format": "hxl"}).content.decode("utf-8-sig")
    assert hxl.splitlines()[1].startswith("#")
    geojson = world.call("reporting", "GET", "/api/export/incident", params={"format": "geojson"}).json()
    assert len(geojson["features"]) == 3
    xlsx = world.call("reporting", "GET", "/api/export/sector", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.content))
    assert world.call("reporting", "GET", "/api/export/sector", params={"format": "geojson"}).status_code == 422
    assert world.call("reporting", "GET", "/api/export/sector", params={"from": "2021-01-01"}).status_code == 422


def _upload(world: World, role: str, kind: str, text: str, **params: Any) -> Any:
    files = {"file": ("sectors.csv", text.encode(), "text/csv")}
    return world.call(role, "POST", f"/api/import/{kind}", files=files, params=params)


def test_an_upload_is_loaded_all_or_nothing_with_row_problems(world: World) -> None:
    good = "name\nSector North\nSector South\n"
    dry = _upload(world, "admin", "sector", good, dry_run=True)
    assert dry.status_code == 200 and dry.json()["created"] == 2 and not dry.json()["written"]
    assert world.call("admin", "GET", "/api/records/sector", params={"name": "Sector North"}).json()["total"] == 0
    bad = "name,colour\nSector North,blue\n,\n"
    refused = _upload(world, "admin", "sector", bad)
    assert refused.status_code == 422
    report = refused.json()
    assert report["problem_count"] >= 1 and {"row", "column", "value", "reason"} <= set(report["problems"][0])
    loaded = _upload(world, "admin", "sector", good)
    assert loaded.status_code == 200 and loaded.json()["created"] == 2
    assert world.call("admin", "GET", "/api/records/sector", params={"name": "Sector North"}).json()["total"] == 1
    again = _upload(world, "admin", "sector", good).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    with world.db.transaction("tester") as tx:
        north = records.list_records(tx, "Sector", {"name": "Sector North"})[0]
        assert [e.actor for e in records.history(tx, "Sector", _id(north))] == ["admin-user"]
    assert world.call("admin", "POST", "/api/import/sector").status_code == 422
    not_acled = _upload(world, "analyst", "acled", "a,b\n1,2\n")
    assert not_acled.status_code == 422 and not_acled.json()["detail"][0]["field"] == "file"


def test_an_upload_over_the_limit_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from bluehelmet.web.api import files  # noqa: PLC0415

    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", 10)
    answer = _upload(world, "admin", "sector", "name\n" + "Sector Far Away\n" * 100)
    assert answer.status_code == 413


def test_the_letter_comes_in_the_format_asked(world: World) -> None:
    period = {"from": "2021-01-01", "to": "2021-06-30"}
    html = world.call("reporting", "POST", "/api/reports/letter", json={**period, "format": "html", "lang": "fr"})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html") and b"<html" in html.content.lower()
    text = world.call("reporting", "POST", "/api/reports/letter", json={**period, "format": "md", "charts": False})
    assert text.headers["content-type"].startswith("text/markdown")
    bundle = world.call("reporting", "POST", "/api/reports/letter", json={**period, "format": "md"})
    assert bundle.headers["content-type"] == "application/zip"
    assert any(n.endswith(".md") for n in zipfile.ZipFile(io.BytesIO(bundle.content)).namelist())
    backwards = world.call("reporting", "POST", "/api/reports/letter", json={"from": "2021-06-30", "to": "2021-01-01"})
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["field"] == "to"
    assert world.call("viewer", "POST", "/api/reports/letter", json=period).status_code == 403
