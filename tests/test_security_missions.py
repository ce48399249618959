"""The scoping matrix over missions: accounts of every role granted the first mission only,
both missions, or a sector of each, against every route of the application (enumerated from the
app, as ``tests/test_security_matrix.py`` does, with its classification). An account granted
the first mission never reads a record of the second (pages, htmx fragments, map layers,
downloads, the API), and whatever it sends at the second's records changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bluehelmet.domain.access import Role
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from tests.test_security_matrix import (
    PARAMS,
    SIDES,
    assert_clean,
    assert_nothing_changed,
    classify,
    filled,
    foreign_ids,
    record_kind,
    routes,
    send_at_record,
)
from tests.test_security_matrix import twins as matrix_twins
from tests.twin_missions import MISSIONS, PASSWORD, Twins

__all__ = ["matrix_twins"]

A, B = MISSIONS
HQ = [r.value for r in Role if r != Role.SECTOR]
BOTH = {(m, s) for m in MISSIONS for s in SIDES}
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


def _foreign_ids(twins: Twins, path: str, who: str) -> list[int]:
    """Ids of records outside ``who``'s reach of the kind the path is about (else an id of nothing):
    the sectors and the missions are the frame every account reads within its own missions."""
    reach = REACH[who]
    if record_kind(path) == "mission":
        return [twins.ids["m2"]] if all(m == A for m, _ in reach) else [999_999]
    if record_kind(path) == "sector":
        reach = {(m, s) for m, _ in reach for s in SIDES}
    return foreign_ids(twins, path, reach)


@pytest.mark.parametrize("who", LIMITED)
def test_an_account_reaches_nothing_outside_its_missions_and_sectors_through_any_route(twins: Twins, who: str) -> None:
    reach = REACH[who]
    checked = 0
    for method, path in routes(twins):
        how = classify(method, path)
        route = f"{method} {path}"
        if how == "read":
            for mission in (None, *MISSIONS):
                params = {**PARAMS, **({"mission": mission} if mission else {})}
                answer = twins.call(who, method, filled(path, 1), params=params)
                assert_clean(who, reach, answer, route)
                if mission is None and who.startswith("a-"):
                    assert B not in answer.text, (who, route)  # not even the other mission's name
        elif how == "record":
            for record_id in _foreign_ids(twins, path, who):
                answer = send_at_record(twins, who, reach, method, path, record_id)
                if method == "GET" and path.startswith("/api/records/"):
                    assert answer.status_code == 404, (who, route, answer.status_code)
        elif how == "batch":
            items = [{"id": i, "version": 1} for i in _foreign_ids(twins, "/incident", who)]
            answer = twins.call(who, method, path, json={"status": "verified", "items": items})
            assert_clean(who, reach, answer, route)
            assert answer.status_code in (403, 422), (who, route, answer.status_code)
        elif how == "verify":
            picks = [f"{i}:1" for i in _foreign_ids(twins, "/incident", who)]
            answer = twins.call(who, method, path, data={"pick": picks})
            assert_clean(who, reach, answer, route)
            assert answer.status_code == 403 or f"refused={len(picks)}" in answer.headers.get("location", "")
        elif how == "create":
            body = {"name": "x", "mission_id": twins.ids["m2"], "sector_id": twins.ids["m2.east.sector"]}
            answer = twins.call(who, method, filled(path, 0), json=body)
            assert_clean(who, reach, answer, route)
            assert answer.status_code in (403, 422), (who, route, answer.status_code)
        elif how == "refused":
            answer = twins.call(who, method, filled(path, 0), params={"mission": B},
                                json={"mission": B, "from": "2021-01-01", "to": "2021-12-31", "name": "x"})  # fmt: skip
            assert_clean(who, reach, answer, route)
            assert answer.status_code >= 400, (who, route, answer.status_code)
        checked += 1
    assert checked > 300
    assert_nothing_changed(twins, who)
    with twins.db.transaction("tester") as tx:  # nor was any record made
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
