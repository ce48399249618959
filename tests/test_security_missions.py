"""The scoping matrix over missions: accounts of every role granted the first mission only,
both missions, or a sector of each, against every route of the application (enumerated from the
app, as ``tests/test_security_matrix.py`` does, with its classification). An account granted
the first mission never reads a record of the second (pages, htmx fragments, map layers,
downloads, the API), and whatever it sends at the second's records changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bluehelmet.domain.access import Role
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from tests.test_security_matrix import _PARAMS, _filled, _routes, classify
from tests.test_security_matrix import twins as matrix_twins
from tests.twin_missions import MISSIONS, PASSWORD, Twins

__all__ = ["matrix_twins"]

A, B = MISSIONS
HQ = [r.value for r in Role if r != Role.SECTOR]
BOTH = {(m, s) for m in MISSIONS for s in ("east", "west")}
#: What each account reaches: (mission, side) of the records it may read.
REACH: dict[str, set[tuple[str, str]]] = {
    **{f"a-{role}": {(A, "east"), (A, "west")} for role in HQ},
    **{f"both-{role}": BOTH for role in HQ},
    "sector": {(A, "east")},
    "twosector": {(A, "east"), (B, "west")},
}
LIMITED = [who for who, reach in REACH.items() if reach != BOTH]


@pytest.fixture
def twins(matrix_twins: Twins, db: Database) -> Iterator[Twins]:
    for role in HQ:
        for who, missions in (("a", [A]), ("both", [A, B])):
            accounts.add_account(db, "tester", f"{who}-{role}-user", role, missions=missions, password=PASSWORD)
            matrix_twins.tokens[f"{who}-{role}"] = accounts.issue_token(db, "tester", f"{who}-{role}-user")
    accounts.add_account(db, "tester", "twosector-user", "sector", sectors=[f"{A}:Sector East", f"{B}:Sector West"],
                         password=PASSWORD)  # fmt: skip
    matrix_twins.tokens["twosector"] = accounts.issue_token(db, "tester", "twosector-user")
    yield matrix_twins


def _foreign(who: str) -> list[str]:
    names = []
    for m in MISSIONS:
        for s in ("east", "west"):
            if (m, s) not in REACH[who]:
                names += [f"{m}-{s}", f"{m} {s} town", f"Operation {m} {s}", f"MPV-{m}-{s}"]
    return names


def _clean(who: str, answer: Any, route: str) -> None:
    assert answer.status_code < 500, (who, route, answer.status_code, answer.text[:300])
    leaked = [name for name in _foreign(who) if name in answer.text]
    assert not leaked, (who, route, answer.status_code, leaked, answer.text[:300])


def _foreign_ids(twins: Twins, path: str, who: str) -> list[int]:
    """Ids of records outside ``who``'s reach of the kind the path is about (else an id of nothing)."""
    import re  # noqa: PLC0415

    kind = {"incident": "incident", "location": "location", "operation": "operation", "unit": "unit",
            "equipment_item": "equipment", "sector": "sector", "mission": "mission"}  # fmt: skip
    found = re.match(r"/api/records/([a-z_]+)/", path)
    name = kind.get(found.group(1)) if found else ("incident" if "incident" in path else None)
    name = "alert" if path.startswith("/alerts/") else name
    if "{attachment_id}" in path:
        name = "attachment"
    inside = {f"{'m1' if m == A else 'm2'}.{s}" for m, s in REACH[who]}
    ids = [v for k, v in twins.ids.items() if name and k.endswith(f".{name}") and k.rsplit(".", 1)[0] not in inside]
    if name in ("sector", "mission"):  # the frame every account reads within its own missions
        missions = {f"{'m1' if m == A else 'm2'}" for m, _ in REACH[who]}
        ids = [v for k, v in twins.ids.items() if k.endswith(f".{name}") and k.split(".")[0] not in missions]
        ids += [twins.ids["m2"]] if name == "mission" and "m2" not in missions else []
    return ids or [999_999]


@pytest.mark.parametrize("who", LIMITED)
def test_an_account_reaches_nothing_outside_its_missions_and_sectors_through_any_route(twins: Twins, who: str) -> None:
    checked = 0
    for method, path in _routes(twins):
        how = classify(method, path)
        route = f"{method} {path}"
        if how == "read":
            for mission in (None, *MISSIONS):
                params = {**_PARAMS, **({"mission": mission} if mission else {})}
                answer = twins.call(who, method, _filled(path, 1), params=params)
                _clean(who, answer, route)
                if mission is None and who.startswith("a-"):
                    assert B not in answer.text, (who, route)  # not even the other mission's name
        elif how == "record":
            for record_id in _foreign_ids(twins, path, who):
                target = _filled(path, record_id)
                if method == "GET":
                    answer = twins.call(who, method, target, params={"include_deleted": "true"})
                elif path.startswith("/api/"):
                    body = {"status": "verified", "version": 1} if "/review" in path else {"version": 1, "notes": "x"}
                    answer = twins.call(who, method, target, json=body, params={"version": 1})
                else:
                    answer = twins.call(who, method, target, data={"version": "1", "status": "verified", "notes": "x"},
                                        headers={"HX-Request": "true"})  # fmt: skip
                _clean(who, answer, route)
                assert method == "GET" or answer.status_code in (403, 404, 422), (who, route, answer.status_code)
                if method == "GET" and path.startswith("/incidents/"):
                    assert answer.status_code == 404, (who, route, answer.status_code)
                if method == "GET" and path.startswith("/api/records/"):
                    assert answer.status_code == 404, (who, route, answer.status_code)
        elif how == "batch":
            items = [{"id": i, "version": 1} for i in _foreign_ids(twins, "/incident", who)]
            answer = twins.call(who, method, path, json={"status": "verified", "items": items})
            _clean(who, answer, route)
            assert answer.status_code in (403, 422), (who, route, answer.status_code)
        elif how == "verify":
            picks = [f"{i}:1" for i in _foreign_ids(twins, "/incident", who)]
            answer = twins.call(who, method, path, data={"pick": picks})
            _clean(who, answer, route)
            assert answer.status_code == 403 or f"refused={len(picks)}" in answer.headers.get("location", "")
        elif how == "create":
            body = {"name": "x", "mission_id": twins.ids["m2"], "sector_id": twins.ids["m2.east.sector"]}
            answer = twins.call(who, method, _filled(path, 0), json=body)
            _clean(who, answer, route)
            assert answer.status_code in (403, 422), (who, route, answer.status_code)
        elif how == "refused":
            answer = twins.call(who, method, _filled(path, 0), params={"mission": B},
                                json={"mission": B, "from": "2021-01-01", "to": "2021-12-31", "name": "x"})  # fmt: skip
            _clean(who, answer, route)
            assert answer.status_code >= 400, (who, route, answer.status_code)
        checked += 1
    assert checked > 300
    with twins.db.transaction("tester") as tx:  # whatever was sent, no record of the world changed
        for key, record_id in twins.ids.items():
            kind = key.rsplit(".", 1)[-1]
            if "." not in key or kind not in ("incident", "location", "operation", "unit", "alert"):
                continue
            assert records.get(tx, kind.title(), record_id).version == 1, (who, key)
        for kind in ("Location", "Incident", "Unit", "Operation", "Sector"):
            made = [r for r in records.list_records(tx, kind) if r.created_by == f"{who}-user"]
            assert not made, (who, kind)


@pytest.mark.parametrize("role", HQ)
def test_an_account_of_both_missions_reads_both_and_one_of_the_first_only_the_first(twins: Twins, role: str) -> None:
    for record in ("m1.east.incident", "m2.west.incident"):
        path = f"/api/records/incident/{twins.ids[record]}"
        assert twins.call(f"both-{role}", "GET", path).status_code == 200
        # outside the account's missions exactly as outside a sector's: refused, naming nothing
        assert twins.call(f"a-{role}", "GET", path).status_code == (200 if record.startswith("m1") else 404)
    listed = twins.call(f"a-{role}", "GET", "/api/records/mission").json()
    assert [m["name"] for m in listed["records"]] == [A]
    other = twins.call(f"a-{role}", "GET", "/api/stats/incidents", params={"mission": B})
    nowhere = twins.call(f"a-{role}", "GET", "/api/stats/incidents", params={"mission": "Nowhere"})
    assert other.status_code == nowhere.status_code == 422  # as a mission that does not exist
    assert other.text == nowhere.text.replace("Nowhere", B)
    assert twins.call(f"both-{role}", "GET", "/api/stats/incidents", params={"mission": B}).status_code == 200


def test_a_sector_account_of_two_missions_reads_its_sector_of_each(twins: Twins) -> None:
    for record, status in (("m1.east.incident", 200), ("m1.west.incident", 404), ("m2.west.incident", 200),
                           ("m2.east.incident", 404)):  # fmt: skip
        assert twins.call("twosector", "GET", f"/api/records/incident/{twins.ids[record]}").status_code == status
    answer = twins.call("twosector", "GET", "/api/records/incident").json()
    assert sorted(i["external_id"] for i in answer["records"]) == sorted([f"{A}-east", f"{B}-west"])


def test_a_sector_account_of_two_missions_counts_its_own_sector_in_each_analysis(twins: Twins) -> None:
    """Sector names repeat across missions: the account's sector of the mission asked is counted,
    never the sector of the same name it holds in the other mission."""
    for mission, own, other in ((A, "Sector East", "Sector West"), (B, "Sector West", "Sector East")):
        answer = twins.call("twosector", "GET", "/api/stats/incidents", params={"mission": mission, "by": "sector"})
        assert answer.status_code == 200 and own in answer.text and other not in answer.text, (mission, answer.text)
        cells = twins.call("twosector", "GET", "/api/map/hexagons", params={"mission": mission, "resolution": 5})
        assert sum(f["properties"]["count"] for f in cells.json()["features"]) == 1, (mission, cells.text[:300])
