"""``POST /api/records/{kind}/bulk`` on both backends: many records in one transaction, all or
nothing, each checked and scoped as a single creation is, every refused record named by its
index; hostile bodies answered with a clear 4xx; the audit and the rollups exact afterwards; and
a single creation still stored and audited as the service stores it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bluehelmet.domain.alerts import Alert
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.records import snapshot
from bluehelmet.services import bulk, records, rollups, watch
from bluehelmet.services.database import Database
from bluehelmet.web.limits import BULK_LIMIT
from tests.factories import data
from tests.test_watch_triggers import _alerts, _ied, _today, api  # noqa: F401 - the fixture
from tests.test_web_api import World, build_world, incident_body

BULK = "/api/records/incident/bulk"
#: What differs between two records made from the same values: who and when, and their identity.
STAMPS = {"id", "uid", "created_at", "updated_at", "created_by", "updated_by"}


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


def _bodies(world: World, count: int, prefix: str = "B") -> list[dict[str, Any]]:
    base = incident_body(world, responding_unit_ids=[])  # the factory's unit is of no sector
    return [{**base, "external_id": f"{prefix}-{n}", "fatalities": 4 + n % 4} for n in range(count)]


def _count(world: World) -> int:
    with world.db.transaction("tester") as tx:
        return records.count(tx, "Incident", include_deleted=True)


def _audit_count(world: World) -> int:
    with world.db.transaction("tester") as tx:
        return sum(len(records.history(tx, "Incident", r.id or 0)) for r in records.list_records(
            tx, "Incident", include_deleted=True))  # fmt: skip


def _without(values: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in names}


def test_a_bulk_creates_every_record_in_order_each_audited_and_counted(world: World) -> None:
    sent = _bodies(world, 25)
    answer = world.call("analyst", "POST", BULK, json={"records": sent})
    assert answer.status_code == 201, answer.text
    ids = answer.json()["ids"]
    assert answer.json()["created"] == 25 and ids == sorted(ids) and len(set(ids)) == 25
    with world.db.transaction("tester") as tx:
        for body, record_id in zip(sent, ids, strict=True):
            record = records.get(tx, "Incident", record_id)
            stored = snapshot(record)
            assert {k: stored[k] for k in body} == body
            assert (stored["version"], stored["created_by"]) == (1, "analyst-user")
            (entry,) = records.history(tx, "Incident", record_id)
            assert (entry.action, entry.actor, entry.version, entry.before) == ("create", "analyst-user", 1, None)
            assert entry.after == stored  # the full after-image, whatever form it is stored in
    assert rollups.check(world.db) == []
    listed = world.call("viewer", "GET", "/api/records/incident", params={"external_id": "B-24"}).json()
    assert [r["id"] for r in listed["records"]] == [ids[-1]]


def test_one_bad_record_at_the_end_writes_nothing_and_is_named_by_its_index(world: World) -> None:
    before, audited = _count(world), _audit_count(world)
    sent = _bodies(world, 30)
    sent[-1] = {**sent[-1], "fatalities": -1, "sub_event_type": "Peaceful protest"}
    answer = world.call("analyst", "POST", BULK, json={"records": sent})
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    assert {(p["index"], p["field"]) for p in problems} == {(29, "fatalities"), (29, "sub_event_type")}
    assert all(p["reason"] for p in problems)
    assert (_count(world), _audit_count(world)) == (before, audited)
    assert rollups.check(world.db) == []


def test_every_refused_record_is_named_parse_and_rules_alike(world: World) -> None:
    sent = _bodies(world, 6)
    sent[1] = {**sent[1], "fatalities": "3"}  # a string is not a number
    sent[3] = {**sent[3], "colour": "red"}  # no such field
    sent[4] = "not a record"
    answer = world.call("analyst", "POST", BULK, json={"records": sent})
    assert answer.status_code == 422
    named = {(p["index"], p["field"]) for p in answer.json()["detail"]}
    assert named == {(1, "fatalities"), (3, "colour"), (4, "(record)")}


def test_natural_keys_are_unique_within_the_list_and_against_what_is_stored(world: World) -> None:
    sent = _bodies(world, 4)
    sent[3] = {**sent[3], "external_id": "B-1"}
    sent[2] = {**sent[2], "external_id": "I-east"}  # held by a stored incident
    answer = world.call("analyst", "POST", BULK, json={"records": sent})
    assert answer.status_code == 422
    problems = {p["index"]: p["reason"] for p in answer.json()["detail"]}
    assert set(problems) == {2, 3}
    assert "record 1 of this list" in problems[3] and "already has" in problems[2]


def test_a_sector_accounts_bulk_with_one_record_of_another_sector_is_refused_whole(world: World) -> None:
    before, audited = _count(world), _audit_count(world)
    ids = world.ids
    sent = _bodies(world, 3, prefix="S")
    outside = {**sent[2], "sector_id": ids["sector_west"], "location_id": ids["location_west"]}
    answer = world.call("sector", "POST", BULK, json={"records": [*sent[:2], outside]})
    assert answer.status_code == 403, answer.text
    assert "records[2]" in answer.json()["detail"] and "Sector West" not in answer.text
    by_place = {**sent[2], "sector_id": None, "location_id": ids["location_west"]}  # placed in the west
    assert world.call("sector", "POST", BULK, json={"records": [*sent[:2], by_place]}).status_code == 403
    assert (_count(world), _audit_count(world)) == (before, audited)
    mine = world.call("sector", "POST", BULK, json={"records": sent})
    assert mine.status_code == 201, mine.text
    assert _count(world) == before + 3


def test_a_reference_outside_the_sector_is_refused_naming_only_the_field(world: World) -> None:
    sent = _bodies(world, 2, prefix="R")
    sent[1] = {**sent[1], "responding_unit_ids": [999_999], "location_id": world.ids["location_west"]}
    answer = world.call("sector", "POST", BULK, json={"records": sent})
    assert answer.status_code in (403, 422)
    assert "Place west" not in answer.text


def test_setting_the_review_status_needs_the_review_permission(world: World) -> None:
    sent = _bodies(world, 2, prefix="V")
    sent[1] = {**sent[1], "review_status": "verified"}
    assert world.call("evaluator", "POST", BULK, json={"records": sent}).status_code == 403
    assert world.call("viewer", "POST", BULK, json={"records": sent}).status_code == 403
    assert world.call(None, "POST", BULK, json={"records": sent}).status_code == 401


def _raw(world: World, path: str, raw: bytes) -> Any:
    headers = {**world.headers("analyst"), "content-type": "application/json"}
    return world.client.request("POST", path, content=raw, headers=headers)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"records": [{"fatalities": NaN}]}', "NaN"),
        (b'{"records": [{"fatalities": Infinity}]}', "Infinity"),
        (b'{"records": [{"notes": "a", "notes": "b"}]}', "twice"),
        (b'{"records": [{"notes": "caf\xe9"}]}', "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nests"),
        (b'{"records": [', "not JSON"),
        (b"", "empty"),
        (b'{"records": []}', "empty"),
        (b'{"records": {}}', "list"),
        (b'[{"notes": "x"}]', "list"),
        (b'{"records": [], "more": 1}', "list"),
    ],
)
def test_a_hostile_body_gets_a_clear_refusal(world: World, raw: bytes, reason: str) -> None:
    before = _count(world)
    answer = _raw(world, BULK, raw)
    assert answer.status_code == 422, answer.text
    assert reason in json.dumps(answer.json()["detail"])
    assert _count(world) == before


def test_too_many_records_or_too_many_bytes_is_413(world: World) -> None:
    before = _count(world)
    one = incident_body(world)
    many = {"records": [{**one, "external_id": f"M-{n}"} for n in range(bulk.MAX_RECORDS + 1)]}
    answer = world.call("analyst", "POST", BULK, json=many)
    assert answer.status_code == 413 and f"at most {bulk.MAX_RECORDS:,}" in answer.json()["detail"]
    huge = b'{"records": [{"notes": "' + b"x" * BULK_LIMIT + b'"}]}'
    answer = _raw(world, BULK, huge)
    assert answer.status_code == 413
    single = _raw(world, "/api/records/incident", huge[:2_000_000])
    assert single.status_code == 413  # a single record keeps the smaller limit
    assert _count(world) == before


def test_a_bulk_record_is_the_record_and_audit_a_single_creation_makes(world: World) -> None:
    body = incident_body(world, external_id="SAME-1", notes="Café, Gao", fatalities=None)
    single = world.call("analyst", "POST", "/api/records/incident", json=body)
    assert single.status_code == 201, single.text
    many = world.call("analyst", "POST", BULK, json={"records": [{**body, "external_id": "SAME-2"}]})
    assert many.status_code == 201, many.text
    with world.db.transaction("analyst-user") as tx:
        direct = records.create(tx, "Incident", {**body, "external_id": "SAME-3"})
        direct_id = direct.id or 0
    with world.db.transaction("tester") as tx:
        made = [(single.json()["id"], "SAME-1"), (many.json()["ids"][0], "SAME-2"), (direct_id, "SAME-3")]
        images = []
        for record_id, external_id in made:
            stored = snapshot(records.get(tx, "Incident", record_id))
            (entry,) = records.history(tx, "Incident", record_id)
            assert entry.after == stored and (entry.action, entry.version, entry.actor) == ("create", 1, "analyst-user")
            assert stored["external_id"] == external_id and stored["fatalities"] is None  # unknown stays unknown
            images.append(_without(stored, STAMPS | {"external_id"}))
    assert images[0] == images[1] == images[2]
    assert single.json() == snapshot_of(world, single.json()["id"])


def test_a_bulk_of_varied_incidents_stores_what_creating_them_one_by_one_stores(world: World) -> None:
    """Written in bulk (rows by the driver, audit from the rows, rollups by set), the records,
    their after-images and the rollups are those of the same incidents created one at a time."""
    base = incident_body(world, responding_unit_ids=[])
    varied = [
        {**base, "event_date": f"2021-0{1 + n % 9}-{10 + n % 17}", "fatalities": None if n % 3 == 0 else 4 + n,
         "notes": f"Note {n}, Café" if n % 2 else ""}
        | ({"sector_id": None} if n % 4 == 1 else {})  # the sector the rollups count comes from the place
        for n in range(40)
    ]  # fmt: skip
    many = world.call("analyst", "POST", BULK, json={"records": [{**b, "external_id": f"M-{n}"} for n, b in
                                                                 enumerate(varied)]})  # fmt: skip
    assert many.status_code == 201, many.text
    singles = []
    for n, body in enumerate(varied):
        answer = world.call("analyst", "POST", "/api/records/incident", json={**body, "external_id": f"S-{n}"})
        assert answer.status_code == 201, answer.text
        singles.append(answer.json()["id"])
    with world.db.transaction("tester") as tx:
        for bulk_id, single_id in zip(many.json()["ids"], singles, strict=True):
            pair = []
            for record_id in (bulk_id, single_id):
                stored = snapshot(records.get(tx, "Incident", record_id))
                (entry,) = records.history(tx, "Incident", record_id)
                assert entry.after == stored and (entry.action, entry.actor) == ("create", "analyst-user")
                pair.append(_without(stored, STAMPS | {"external_id"}))
            assert pair[0] == pair[1]
    assert rollups.check(world.db) == []


def test_a_bulk_and_single_creations_give_the_same_records_and_the_same_problems(world: World) -> None:
    """A mix of good bodies and bodies wrong in every way a parse or a rule refuses: the bulk
    names, for each bad one, exactly the problems its single creation is answered with, and
    writes nothing; the good ones, sent in bulk, are the records their single creations are."""
    base = incident_body(world, responding_unit_ids=[])
    without_date = {k: v for k, v in base.items() if k != "event_date"}
    mixed = [
        {**base, "fatalities": 7, "notes": "Café, Gao"},
        {**base, "fatalities": "3"},  # text is not a number
        {**base, "event_date": "2021-3-4"},  # not YYYY-MM-DD
        {**base, "event_type": "battles"},  # not a choice, as spelled
        {**base, "colour": "red"},  # no such field
        {**base, "fatalities": None, "event_date": "2021-02-03", "event_time": "06:30"},
        {**base, "fatalities": -1, "sub_event_type": "Peaceful protest"},  # two rules broken
        {**base, "longitude": None},  # a latitude alone
        without_date,  # a required field missing
        {**base, "location_id": 2**31 - 2},  # no such place
        {**base, "killed_civilians": 2, "tags": "a;b", "latitude": 16.27, "longitude": -0.04},
        {**base, "fatalities": True, "event_date": "2021-02-30"},  # a truth is no number; no such day
        {**base, "fatalities": 2**31},  # past what a database column holds
        {**base, "killed_civilians": -(2**31) - 5, "notes": "a\x00b"},  # too small, and a NUL character
    ]
    bodies = [{**body, "external_id": f"MIX-{n}"} for n, body in enumerate(mixed)]
    before, audited = _count(world), _audit_count(world)
    many = world.call("analyst", "POST", BULK, json={"records": bodies})
    assert many.status_code == 422, many.text
    assert (_count(world), _audit_count(world)) == (before, audited)
    by_index: dict[int, list[dict[str, Any]]] = {}
    for problem in many.json()["detail"]:
        by_index.setdefault(problem.pop("index"), []).append(problem)
    singles: dict[int, int] = {}
    for n, body in enumerate(bodies):
        alone = world.call("analyst", "POST", "/api/records/incident", json=body)
        if alone.status_code == 201:
            assert n not in by_index, (n, by_index.get(n))
            singles[n] = alone.json()["id"]
        else:
            assert alone.status_code == 422, alone.text
            assert by_index.pop(n) == alone.json()["detail"], n
    assert by_index == {} and sorted(singles) == [0, 5, 10]
    good = [{**bodies[n], "external_id": f"MIX-BULK-{n}"} for n in singles]
    again = world.call("analyst", "POST", BULK, json={"records": good})
    assert again.status_code == 201, again.text
    with world.db.transaction("tester") as tx:
        for bulk_id, single_id in zip(again.json()["ids"], singles.values(), strict=True):
            pair = []
            for record_id in (bulk_id, single_id):
                stored = snapshot(records.get(tx, "Incident", record_id))
                (entry,) = records.history(tx, "Incident", record_id)
                assert entry.after == stored and (entry.action, entry.version) == ("create", 1)
                pair.append(_without(stored, STAMPS | {"external_id"}))
            assert pair[0] == pair[1]
    assert rollups.check(world.db) == []


def snapshot_of(world: World, record_id: int) -> dict[str, Any]:
    with world.db.transaction("tester") as tx:
        return snapshot(records.get(tx, "Incident", record_id))


def test_every_kind_has_a_bulk_route_that_creates_and_audits(world: World) -> None:
    for cls in ENTITIES:
        kind = entity_name(cls)
        with world.db.transaction("tester") as tx:
            body = data(tx, cls.__name__)  # in a mission of its own: no natural key is taken
        answer = world.call("admin", "POST", f"/api/records/{kind}/bulk", json={"records": [body]})
        assert answer.status_code == 201, (kind, answer.text)
        (record_id,) = answer.json()["ids"]
        with world.db.transaction("tester") as tx:
            (entry,) = records.history(tx, cls, record_id)
            assert (entry.action, entry.actor) == ("create", "admin-user"), kind
            assert entry.after == snapshot(records.get(tx, cls, record_id)), kind


def test_a_bulk_of_incidents_raises_the_alerts_they_make_fire(
    db: Database,
    api: Any,  # noqa: F811 - the fixture of tests/test_watch_triggers.py
) -> None:
    client, watch_world, headers = api
    today = _today(db)
    sent = [_ied(watch_world, today - timedelta(days=30), external_id="OLD"),
            _ied(watch_world, today, external_id="NOW")]  # fmt: skip
    made = client.post(BULK, json={"records": sent}, headers=headers)
    assert made.status_code == 201, made.text
    (alert,) = [a for a in _alerts(db) if isinstance(a, Alert)]
    assert alert.records[0] == ["Incident", made.json()["ids"][1]]


def test_a_write_while_an_evaluation_waits_is_covered_by_it(
    db: Database,
    api: Any,  # noqa: F811 - the fixture of tests/test_watch_triggers.py
) -> None:
    client, watch_world, headers = api
    waiting = client.app.state.after_writes
    key = ("Incident", watch_world.mission_id)
    assert waiting.queue(key, ("Incident", 0, watch_world.mission_id, True))  # an evaluation is waiting
    made = client.post("/api/records/incident", json=_ied(watch_world, _today(db)), headers=headers)
    assert made.status_code == 201, made.text
    assert _alerts(db) == []  # not evaluated a second time: the waiting evaluation covers it
    covered = waiting.take(key)
    assert covered == ("Incident", made.json()["id"], watch_world.mission_id, True)  # the latest write
    assert waiting.take(key) is None and waiting.queue(key, covered)  # taken: the next write schedules one
    waiting.take(key)
    watch.after_incident(db, "ana", covered[1])  # what the waiting evaluation runs
    (alert,) = _alerts(db)
    assert alert.records[0] == ["Incident", made.json()["id"]]
    again = client.post("/api/records/incident", json=_ied(watch_world, _today(db), external_id="X2"),
                        headers=headers)  # fmt: skip
    assert again.status_code == 201 and len(_alerts(db)) == 2  # nothing waiting: evaluated after its answer
