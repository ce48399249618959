"""The scoping matrix: every route and fragment of the application, enumerated from the app
itself, for mission x sector x role, over two missions whose sectors share their names
(``tests/twin_missions.py``).

Each route is classified by a rule (a read, a record by id, a create...) or by name in
``WRITES``; a route that no rule classifies fails ``test_every_route_is_classified`` with the
route named, so a new route is covered as soon as it is merged, or says it must be classified.
For every class: no account of the whole mission gets a 500 (two live missions included); a
sector account's answers never hold a record of another sector or of the other mission (each
record's name says its mission and sector, so a leak shows as a name), and whatever it sends
at another sector's records changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from bluehelmet.domain.access import Role
from bluehelmet.services import accounts, attachments, records, watch
from bluehelmet.services.database import Database
from tests.twin_missions import MISSIONS, PASSWORD, Twins, build_twins

#: Routes that need nothing: the health check, the schema and its pages, signing in and out, assets.
OPEN = {"/healthz", "/openapi.json", "/api/docs", "/docs/oauth2-redirect", "/api/docs/oauth2-redirect", "/signin",
        "/signout", "/static/{path:path}", "/"}  # fmt: skip
#: Writes that name no record in their path, each with what it is sent (by a sector account, at
#: other sectors' records): "batch" review, "verify" ticks, "create", or "refused" (the sector
#: role may not call it at all: imports, the letter).
WRITES = {
    ("POST", "/api/review/incidents"): "batch",
    ("POST", "/incidents/verify"): "verify",
    ("POST", "/incidents/new"): "create",
    ("POST", "/api/reports/letter"): "refused",
    ("POST", "/imports/{kind}"): "refused",
    ("POST", "/imports/layout/{layout}"): "refused",
    ("POST", "/accounts/{name}/{action}"): "refused",
    ("POST", "/api/accounts/{name}/disable"): "refused",
    ("POST", "/api/accounts/{name}/enable"): "refused",
    ("POST", "/api/accounts/{name}/reset-password"): "refused",
    ("POST", "/api/accounts/{name}/revoke-tokens"): "refused",
    # Drafts of the letter are mission-wide: a sector account may neither start nor change one.
    ("POST", "/api/reports/drafts"): "refused",
    ("PUT", "/api/reports/drafts/{name}/paragraphs/{paragraph}"): "refused",
    ("POST", "/api/reports/drafts/{name}/refresh"): "refused",
    ("POST", "/reports/drafts"): "refused",
    ("POST", "/reports/drafts/{name}/paragraphs/{paragraph}"): "refused",
    ("POST", "/reports/drafts/{name}/refresh"): "refused",
    # A saved rotation plan rewrites the planned days mission-wide (the airlift is shared).
    ("POST", "/planning/save"): "refused",
    # Gateways post messages with a shared secret or Twilio's signature, never an account's token.
    ("POST", "/api/intake/messages"): "refused",
    # Sync: only node tokens push (an account's token is refused); conflicts are an admin's to resolve.
    ("POST", "/api/sync/push"): "refused",
    ("POST", "/conflicts/sync"): "refused",
    ("POST", "/conflicts/{record_uid}"): "refused",
}
_ID = re.compile(r"\{(record_id|incident_id|attachment_id)(:int)?\}")
#: The records of each account's own sector: everything else the world holds is foreign to it.
SECTORS = {"sector": ("MINUSMA", "east"), "west": ("MINUSMA", "west"), "m2east": ("MINUSCA", "east")}


@pytest.fixture
def twins(db: Database) -> Iterator[Twins]:
    built = build_twins(db)
    accounts.add_account(db, "tester", "m2east-user", "sector", sector="Sector East", mission=MISSIONS[1],
                         password=PASSWORD)  # fmt: skip
    built.tokens["m2east"] = accounts.issue_token(db, "tester", "m2east-user")
    _raise_alerts(db, built)
    with db.transaction("tester") as tx:  # a file on each incident, its bytes naming the incident
        for key in [k for k in built.ids if k.endswith(".incident")]:
            name = records.get(tx, "Incident", built.ids[key]).external_id  # type: ignore[attr-defined]
            content = b"%PDF-1.4\n% " + name.encode() + b"\n%%EOF\n"
            kept = attachments.attach(tx, "Incident", built.ids[key], content, filename=f"{name}.pdf")
            built.ids[key.replace(".incident", ".attachment")] = kept.id or 0
    with built.client:
        yield built


def _raise_alerts(db: Database, twins: Twins) -> None:
    """Alerts in each sector of each mission: every incident near every operation of its mission,
    so an alert of one sector may name another sector's operation (hidden from sector accounts)."""
    for m in ("m1", "m2"):
        with db.transaction("tester") as tx:
            records.create(tx, "AlertRule", {"mission_id": twins.ids[m], "name": "Near operations", "kind": "proximity",
                                             "distance_km": 500, "targets": ["operations"]})  # fmt: skip
    watch.run(db, "tester", date(2021, 4, 3))
    with db.transaction("tester") as tx:
        for alert in records.list_records(tx, "Alert"):
            named = sorted((str(k), int(i)) for k, i in alert.records)  # type: ignore[attr-defined]
            for key in [k for k in twins.ids if k.endswith(".incident")]:
                prefix = key.removesuffix(".incident")
                if named == [("Incident", twins.ids[key]), ("Operation", twins.ids[f"{prefix}.operation"])]:
                    twins.ids[f"{prefix}.alert"] = alert.id or 0
    assert sum(k.endswith(".alert") for k in twins.ids) == 4  # one of its own in each sector of each mission


def routes(twins: Twins) -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(twins.client.app.routes):  # type: ignore[attr-defined]
        for method in sorted((context.methods or set()) - {"HEAD"}):
            if str(context.path) not in OPEN:
                found.append((method, str(context.path)))
    return found


def classify(method: str, path: str) -> str | None:
    """How the matrix calls a route: "read", "record" (it names a record by id), "create" (a
    new record of a kind), "bulk" (new records of a kind, all or nothing), "import", or what
    ``WRITES`` says; None: not classified."""
    if _ID.search(path):
        return "record"
    if (method, path) in WRITES:
        return WRITES[(method, path)]
    if method == "GET":
        return "read"
    if method == "POST" and re.fullmatch(r"/api/records/[a-z_]+", path):
        return "create"
    if method == "POST" and re.fullmatch(r"/api/records/[a-z_]+/bulk", path):
        return "bulk"
    if method == "POST" and path.startswith("/api/import/"):
        return "refused"
    return None


def test_every_route_is_classified(twins: Twins) -> None:
    unclassified = [f"{m} {p}" for m, p in routes(twins) if classify(m, p) is None]
    assert not unclassified, (
        "routes the scoping matrix cannot classify (add each to WRITES in tests/test_security_matrix.py, "
        f"saying what a sector account sends it at another sector's records): {unclassified}"
    )
    assert len(routes(twins)) > 300


SIDES = ("east", "west")
_PREFIX = dict(zip(MISSIONS, ("m1", "m2"), strict=True))  # how ``Twins.ids`` keys name each mission
_KINDS = {"incident": "incident", "location": "location", "operation": "operation", "unit": "unit",
          "equipment_item": "equipment", "sector": "sector", "mission": "mission"}  # fmt: skip


def foreign_names(reach: set[tuple[str, str]]) -> list[str]:
    """The names of the records outside ``reach`` (mission, side), as the world spells them."""
    names = []
    for m in MISSIONS:
        for s in SIDES:
            if (m, s) not in reach:
                names += [f"{m}-{s}", f"{m} {s} town", f"Operation {m} {s}", f"MPV-{m}-{s}"]
    return names


def record_kind(path: str) -> str | None:
    """The kind of record a route's path is about, as ``Twins.ids`` keys end (None: none)."""
    found = re.match(r"/api/records/([a-z_]+)/", path)
    name = _KINDS.get(found.group(1)) if found else ("incident" if "incident" in path else None)
    name = "alert" if path.startswith("/alerts/") else name
    return "attachment" if "{attachment_id}" in path else name


def foreign_ids(twins: Twins, path: str, reach: set[tuple[str, str]]) -> list[int]:
    """Ids of records outside ``reach`` of the kind the path is about (else an id of nothing)."""
    name = record_kind(path)
    inside = {f"{_PREFIX[m]}.{s}" for m, s in reach}
    ids = [v for k, v in twins.ids.items() if name and k.endswith(f".{name}") and k.rsplit(".", 1)[0] not in inside]
    return ids or [999_999]


def filled(path: str, record_id: int) -> str:
    path = path.replace("{name}", "admin-user").replace("{action}", "disable")
    return _ID.sub(str(record_id), path).replace("{kind}", "incident").replace("{path:path}", "x")


PARAMS = {"split": "2021-06-01", "from": "2020-01-01", "to": "2022-12-31", "by": "sector"}
#: What a read route is asked beside ``PARAMS``: the search looks for a word every mission's and
#: sector's records hold (tests/test_search_records.py asks more words).
_ASKED = {"/api/search": {"q": "town", "limit": "100"}, "/search": {"q": "Operation"}}


def assert_clean(who: str, reach: set[tuple[str, str]], answer: Any, route: str) -> None:
    """The answer did not fail and names no record outside ``reach``."""
    assert answer.status_code < 500, (who, route, answer.status_code, answer.text[:300])
    leaked = [name for name in foreign_names(reach) if name in answer.text]
    assert not leaked, (who, route, answer.status_code, leaked, answer.text[:300])


def send_at_record(twins: Twins, who: str, reach: set[tuple[str, str]], method: str, path: str, record_id: int) -> Any:
    """``who`` reads or changes a record outside its reach through the route (the API's JSON, or a
    page's form as htmx sends it): nothing leaks, a change is refused, an incident's page is 404."""
    route, target = f"{method} {path}", filled(path, record_id)
    if method == "GET":
        answer = twins.call(who, method, target, params={"include_deleted": "true"})
    elif path.startswith("/api/"):
        body = {"status": "verified", "version": 1} if "/review" in path else {"version": 1, "notes": "x"}
        answer = twins.call(who, method, target, json=body, params={"version": 1})
    else:
        answer = twins.call(who, method, target, data={"version": "1", "status": "verified", "notes": "x"},
                            headers={"HX-Request": "true"})  # fmt: skip
    assert_clean(who, reach, answer, route)
    assert method == "GET" or answer.status_code in (403, 404, 422), (who, route, answer.status_code)
    if method == "GET" and path.startswith("/incidents/"):
        assert answer.status_code == 404, (who, route, answer.status_code)
    return answer


def assert_nothing_changed(twins: Twins, who: str) -> None:
    """Whatever ``who`` sent, every record of the world is at its first version."""
    with twins.db.transaction("tester") as tx:
        for key, record_id in twins.ids.items():
            kind = key.rsplit(".", 1)[-1]
            if "." not in key or kind not in ("incident", "location", "operation", "unit", "alert"):
                continue
            assert records.get(tx, kind.title(), record_id).version == 1, (who, key)


@pytest.mark.parametrize("who", list(SECTORS))
def test_a_sector_account_reaches_nothing_outside_its_sector_through_any_route(twins: Twins, who: str) -> None:
    reach = {SECTORS[who]}
    checked = 0
    for method, path in routes(twins):
        how = classify(method, path)
        route = f"{method} {path}"
        if how == "read":
            for mission in (None, *MISSIONS):
                params = {**PARAMS, **_ASKED.get(path, {}), **({"mission": mission} if mission else {})}
                assert_clean(who, reach, twins.call(who, method, filled(path, 1), params=params), route)
        elif how == "record":
            for record_id in foreign_ids(twins, path, reach):
                send_at_record(twins, who, reach, method, path, record_id)
        elif how == "batch":
            items = [{"id": i, "version": 1} for i in foreign_ids(twins, "/incident", reach)]
            answer = twins.call(who, method, path, json={"status": "verified", "items": items})
            assert_clean(who, reach, answer, route)
            assert answer.status_code == 422
        elif how == "verify":
            picks = [f"{i}:1" for i in foreign_ids(twins, "/incident", reach)]
            answer = twins.call(who, method, path, data={"pick": picks})
            assert_clean(who, reach, answer, route)
            assert f"refused={len(picks)}" in answer.headers.get("location", ""), answer.headers
        elif how == "create":
            answer = twins.call(who, method, filled(path, 0), json={"name": "x"}, data=None)
            assert_clean(who, reach, answer, route)
            assert answer.status_code in (403, 422), (who, route, answer.status_code)
        elif how == "bulk":  # records placed in other sectors, beside one that names nothing
            places = foreign_ids(twins, "/api/records/location/", reach)
            sectors = foreign_ids(twins, "/api/records/sector/", reach)
            sent = [{"name": "x"}, *({"name": f"x{n}", "location_id": p, "sector_id": s}
                                      for n, (p, s) in enumerate(zip(places, sectors, strict=False)))]  # fmt: skip
            answer = twins.call(who, method, path, json={"records": sent})
            assert_clean(who, reach, answer, route)
            assert answer.status_code in (403, 422), (who, route, answer.status_code)
        elif how == "refused":
            answer = twins.call(who, method, filled(path, 0), files={"file": ("t.csv", b"name\n", "text/csv")})
            assert_clean(who, reach, answer, route)
            assert answer.status_code == 403, (who, route, answer.status_code)
        checked += 1
    assert checked > 300
    assert_nothing_changed(twins, who)


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.SECTOR])
def test_no_route_fails_an_account_of_the_whole_mission_with_two_live_missions(twins: Twins, role: str) -> None:
    for method, path in routes(twins):
        if method != "GET" or _ID.search(path):
            continue
        for mission in (None, MISSIONS[1]):
            params = {**PARAMS, **({"mission": mission} if mission else {})}
            answer = twins.call(role, method, filled(path, 1), params=params)
            assert answer.status_code < 500, (role, path, mission, answer.text[:300])
