"""Access beyond what tests/test_web_auth.py and tests/test_web_access.py already prove: sessions
(fixation, expiry, forgery), argon2 hashes, the sign-in brake per address, security headers on
every kind of answer, CSRF on every page form, sector walls on the pages, and no SQL built
from strings anywhere in the source."""

from __future__ import annotations

import ast
import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

import bluehelmet
from bluehelmet.config import Settings
from bluehelmet.services.database import Database
from bluehelmet.storage.accounts import account
from bluehelmet.web.app import create_app
from bluehelmet.web.security import MAX_FAILURES
from tests.test_web_api import PASSWORD, World, build_world
from tests.test_web_pages import csrf_of

SECRET = "a-test-secret-key-long-and-random-enough-0123456789"
COOKIE = "bluehelmet_session"


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    settings = Settings(database_url=db.settings.database_url, secret_key=SECRET)
    built.client = TestClient(create_app(settings, db=db), follow_redirects=False)
    with built.client:
        yield built


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    token = csrf_of(client.get("/signin").text)
    return client.post("/signin", data={"name": name, "password": password, "csrf_token": token}).status_code


def _cookie(session: dict[str, object], *, age: float = 0, secret: str = SECRET) -> str:
    """A session cookie as Starlette signs it, ``age`` seconds old."""

    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age)

    data = base64.b64encode(json.dumps(session).encode())
    return Aged(secret).sign(data).decode()


def test_a_session_from_before_sign_in_is_not_the_session_after(world: World) -> None:
    client = world.client
    client.get("/signin")
    before = client.cookies.get(COOKIE)
    assert _sign_in(client, "analyst-user") == 303
    after = client.cookies.get(COOKIE)
    assert before and after and before != after
    assert client.get("/api/records/incident").status_code == 200
    client.cookies.clear()
    client.cookies.set(COOKIE, before)  # the cookie someone planted before sign-in
    assert client.get("/api/records/incident").status_code == 401


def test_an_expired_or_forged_session_is_anonymous(world: World) -> None:
    client = world.client
    hours = world.db.settings.session_hours
    fresh = _cookie({"account": "admin-user", "generation": 0})  # the account's session generation
    client.cookies.clear()
    client.cookies.set(COOKIE, fresh)
    assert client.get("/api/records/incident").status_code == 200  # the forgery is faithful
    for cookie in (
        _cookie({"account": "admin-user", "generation": 0}, age=hours * 3600 + 60),  # past its max-age
        _cookie({"account": "admin-user", "generation": 0}, secret="another key"),  # not signed by this server
        _cookie({"account": "admin-user"}),  # no session generation: from before it was kept, or forged
        fresh[:-3] + ("AAA" if not fresh.endswith("AAA") else "BBB"),  # tampered
        base64.b64encode(b'{"account": "admin-user"}').decode(),  # not signed at all
    ):
        client.cookies.set(COOKIE, cookie)
        assert client.get("/api/records/incident").status_code == 401, cookie
        assert client.get("/situation").status_code == 303
    client.cookies.set(COOKIE, _cookie({"account": "nobody"}))  # an account that does not exist
    assert client.get("/api/records/incident").status_code == 401


def test_the_products_password_hash_keeps_a_safe_cost() -> None:
    """The suite hashes at the lowest cost (tests/conftest.py); the product at RFC 9106's second
    profile, never below OWASP's least for argon2id (19 MiB, 2 passes)."""
    from argon2 import Parameters, Type, extract_parameters  # noqa: PLC0415

    from bluehelmet.services.accounts import HASH_LANES, HASH_MEMORY_KIB, HASH_TIME_COST  # noqa: PLC0415

    assert HASH_MEMORY_KIB >= 19_456 and HASH_TIME_COST >= 2
    made = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=HASH_LANES).hash("x")
    assert extract_parameters(made) == Parameters(
        type=Type.ID, version=19, salt_len=16, hash_len=32, time_cost=3, memory_cost=65_536, parallelism=4
    )


def test_passwords_are_argon2id_hashes_and_never_stored_plain(world: World) -> None:
    with world.db.engine.connect() as conn:
        hashes = list(conn.scalars(select(account.c.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_the_brake_counts_failures_from_one_address_across_names(world: World) -> None:
    for n in range(MAX_FAILURES):
        assert _sign_in(world.client, f"guess-{n}", "wrong password!") == 401
    assert _sign_in(world.client, "viewer-user") == 429  # a real account, a right password: still braked


def test_every_kind_of_answer_carries_the_security_headers(world: World) -> None:
    client = world.client
    answers = [client.get(p) for p in ("/signin", "/situation", "/api/records/incident", "/healthz", "/nowhere",
                                       "/static/app.css", "/openapi.json")]  # fmt: skip
    assert _sign_in(client, "admin-user") == 303
    answers += [client.get(p) for p in ("/situation", "/incidents", "/api/records/incident", "/api/export/incident")]
    answers.append(client.post("/api/records/incident", json={}))  # refused by CSRF: still the headers
    for answer in answers:
        headers = answer.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], answer.url
        assert "script-src 'self'" in headers["content-security-policy"], answer.url
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY", answer.url


def _page_forms(world: World) -> list[str]:
    """Every page route (not the API) that takes a POST, with its parameters filled in."""
    paths = []
    for context in iter_route_contexts(world.client.app.routes):  # type: ignore[attr-defined]
        path = str(context.path)
        if "POST" in (context.methods or set()) and not path.startswith("/api/"):
            paths.append(path.replace("{record_id:int}", str(world.ids["incident_east"])).replace("{kind}", "Sector"))
    return paths


def test_every_page_form_needs_the_csrf_token(world: World) -> None:
    client = world.client
    assert _sign_in(client, "admin-user") == 303
    token = csrf_of(client.get("/incidents/new").text)
    forms = _page_forms(world)
    assert len(forms) >= 7, forms
    for path in forms:
        if path == "/signout":
            continue  # last: it ends the session
        base = {"name": "admin-user", "password": "not the password"} if path == "/signin" else {}
        for data in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
            answer = client.post(path, data={**base, **data})
            assert answer.status_code == 403, (path, data, answer.status_code)
        header = client.post(path, data=base, headers={"X-CSRF-Token": "forged"})
        assert header.status_code == 403, path
        accepted = client.post(path, data={**base, "csrf_token": token})
        assert accepted.status_code != 403, (path, accepted.text[:300])
    assert client.post("/signout", data={}).status_code == 403
    assert client.post("/signout", data={"csrf_token": token}).status_code == 303
    assert client.get("/api/records/incident").status_code == 401


def test_a_sector_account_reaches_no_other_sectors_record_through_the_pages(world: World) -> None:
    client = world.client
    assert _sign_in(client, "sector-user") == 303
    token = csrf_of(client.get("/incidents/new").text)
    west = world.ids["incident_west"]
    assert client.get(f"/incidents/{west}").status_code == 404
    assert client.get("/audit", params={"kind": "Incident", "id": west}).status_code == 404
    assert f"/incidents/{west}" not in client.get("/incidents", params={"q": "I-"}).text
    assert f"/incidents/{west}" not in client.get("/incidents", params={"q": "I-west"}).text  # search
    for path, form in ((f"/incidents/{west}", {"version": "1", "notes": "mine"}),
                       (f"/incidents/{west}/review", {"status": "verified", "version": "1"}),
                       ("/incidents/verify", {"ids": str(west), f"version_{west}": "1"})):  # fmt: skip
        answer = client.post(path, data={"csrf_token": token, **form})
        assert answer.status_code in (303, 403, 404, 409, 422), (path, answer.status_code)  # checked below
    hexagons = client.get("/api/map/hexagons").json()
    assert hexagons["incidents"] == 2  # east and by-place, not west
    with world.db.transaction("tester") as tx:
        from bluehelmet.services import records  # noqa: PLC0415

        incident = records.get(tx, "Incident", west)
        assert (incident.version, getattr(incident, "review_status", None)) == (1, "draft")


# ---------------------------------------------------------------------------- no SQL from strings

SOURCE = Path(bluehelmet.__file__).parent
#: Calls that hand SQL text to the database.
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript", "literal_column"}
#: Where text SQL is built from pieces, and why that is safe: only the schema's own names and
#: constants go in, never input.
ALLOWED = {
    # Migrations write DDL (triggers, functions) from constant names: no input reaches them.
    "storage/migrations/",
}


def _built(node: ast.expr) -> bool:
    """Whether an expression builds a string from pieces (f-string, %, +, .format)."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return any(isinstance(side, ast.Constant | ast.JoinedStr | ast.BinOp) for side in (node.left, node.right))
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant))  # fmt: skip


def _name(call: ast.Call) -> str:
    """The SQL-taking function a call names ('' for others: ``row.text(...)`` is not SQLAlchemy's ``text``)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if not isinstance(func, ast.Attribute):
        return ""
    if func.attr == "text":
        return "text" if isinstance(func.value, ast.Name) and func.value.id in {"sa", "sqlalchemy"} else ""
    return func.attr


def test_no_sql_is_built_from_strings() -> None:
    found = []
    checked = 0
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if any(relative.startswith(prefix) for prefix in ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _name(node) in SQL_CALLS and node.args:
                checked += 1
                if _built(node.args[0]):
                    found.append(f"{relative}:{node.lineno}")
    assert checked > 20
    assert found == [], "SQL built from strings (use bound parameters and SQLAlchemy expressions)"


def test_the_scan_catches_what_it_looks_for() -> None:
    samples = ['conn.execute(text(f"SELECT * FROM t WHERE a = {x}"))', 'conn.execute("DELETE FROM t WHERE a = %s" % x)',
               'session.execute(text("SELECT " + column))', 'conn.exec_driver_sql("DROP {}".format(name))',
               'select(literal_column(f"\'{value}\'"))']  # fmt: skip
    for sample in samples:
        calls = [n for n in ast.walk(ast.parse(sample)) if isinstance(n, ast.Call) and _name(n) in SQL_CALLS]
        assert any(c.args and _built(c.args[0]) for c in calls), sample
    assert not _built(ast.parse('text("SELECT 1")').body[0].value.args[0])  # type: ignore[attr-defined]
