"""Accounts, sign-in and the rules of access: passwords, tokens, sessions, CSRF, the brake on
guessing, security headers, and which role may do what where."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from bluehelmet.cli import cli
from bluehelmet.domain.access import Action, Principal, Role, permits
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import access, accounts, records
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from bluehelmet.web.security import MAX_FAILURES

PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    accounts.add_account(db, "tester", "boss", "admin", password=PASSWORD)
    with TestClient(create_app(db.settings, db=db)) as c:
        yield c


def _token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, password: str = PASSWORD, name: str = "boss") -> int:
    form = {"name": name, "password": password, "csrf_token": _token(client)}
    return client.post("/signin", data=form, follow_redirects=False).status_code


# ---------------------------------------------------------------------------- accounts


def test_passwords_are_hashed_checked_and_audited(db: Database) -> None:
    account, secret = accounts.add_account(db, "tester", "analyst1", "analyst")
    assert len(secret) >= accounts.MIN_PASSWORD_LENGTH
    assert accounts.authenticate(db, "analyst1", secret) == account
    assert accounts.authenticate(db, "analyst1", secret + "x") is None
    assert accounts.authenticate(db, "nobody", secret) is None
    (entry,) = accounts.account_history(db, "tester", account.id)
    assert entry.after == {"name": "analyst1", "role": "analyst", "grants": [], "active": True}
    assert "password_hash" not in str(entry.after)


@pytest.mark.parametrize("bad", ["short", "            ", "aaaaaaaaaaaaaaaa", " leading space ok?"])
def test_weak_passwords_are_refused(db: Database, bad: str) -> None:
    with pytest.raises(BluehelmetError, match="password"):
        accounts.add_account(db, "tester", "weak", "viewer", password=bad)


def test_a_sector_account_needs_its_sector_and_only_it_has_one(reference_db: Database) -> None:
    with pytest.raises(BluehelmetError, match="--sector"):
        accounts.add_account(reference_db, "tester", "s1", "sector")
    with pytest.raises(BluehelmetError, match="--sector"):
        accounts.add_account(reference_db, "tester", "s1", "viewer", sector="Sector Centre")
    with pytest.raises(BluehelmetError, match="no sector"):
        accounts.add_account(reference_db, "tester", "s1", "sector", sector="Sector Nowhere")


def test_tokens_speak_for_their_account_until_unknown(db: Database) -> None:
    accounts.add_account(db, "tester", "script", "reporting", password=PASSWORD)
    token = accounts.issue_token(db, "tester", "script")
    assert accounts.principal_for_token(db, token) == Principal("script", Role.REPORTING, None)
    assert accounts.principal_for_token(db, token[:-2] + "xx") is None
    assert accounts.principal_for_token(db, "not-a-token") is None


def test_reading_a_token_gives_its_connection_back_as_the_writes_need_it(db: Database) -> None:
    """The token's holder is read in one statement outside a transaction; the connection goes
    back to the pool as it was: a transaction after it is still one (what it wrote before an
    error is undone), and on SQLite no ``read_uncommitted`` pragma is sent to switch it back,
    which expired every statement the connection had prepared (each write after a token read
    compiled all its statements again: about 4 ms of processor time a creation)."""
    accounts.add_account(db, "tester", "script", "reporting", password=PASSWORD)
    token = accounts.issue_token(db, "tester", "script")
    sent: list[str] = []
    if db.engine.dialect.name == "sqlite":

        @event.listens_for(db.engine, "checkout")
        def trace(connection: Any, _record: Any, _proxy: Any) -> None:
            connection.set_trace_callback(sent.append)

    for _ in range(3):
        assert accounts.principal_for_token(db, token) == Principal("script", Role.REPORTING, None)
        with pytest.raises(RuntimeError, match="undone"), db.transaction("tester") as tx:
            tx.session.execute(text("UPDATE account SET active = :no WHERE name = 'script'"), {"no": False})
            raise RuntimeError("undone")
    assert accounts.principal_for_token(db, token) == Principal("script", Role.REPORTING, None)
    assert not [statement for statement in sent if "read_uncommitted" in statement.lower()]
    assert sent or db.engine.dialect.name != "sqlite"  # the trace saw the statements


# ---------------------------------------------------------------------------- the rules


def test_anonymous_may_do_nothing() -> None:
    assert not any(permits(None, action, "Incident") for action in Action)


@pytest.mark.parametrize(
    ("role", "action", "kind", "expected"),
    [
        (Role.VIEWER, Action.READ, "Incident", True),
        (Role.VIEWER, Action.WRITE, "Incident", False),
        (Role.VIEWER, Action.REPORT, None, False),
        (Role.REPORTING, Action.REPORT, None, True),
        (Role.REPORTING, Action.WRITE, "Incident", False),
        (Role.ANALYST, Action.WRITE, "Incident", True),
        (Role.ANALYST, Action.REVIEW, "Incident", True),
        (Role.ANALYST, Action.WRITE, "Evaluation", False),
        (Role.EVALUATOR, Action.WRITE, "Evaluation", True),
        (Role.EVALUATOR, Action.WRITE, "Caveat", True),
        (Role.EVALUATOR, Action.WRITE, "Incident", False),
        (Role.SECTOR, Action.WRITE, "Incident", True),
        (Role.SECTOR, Action.WRITE, "Unit", False),
        (Role.SECTOR, Action.REPORT, None, False),
        (Role.ANALYST, Action.ADMINISTER, None, False),
        (Role.ADMIN, Action.ADMINISTER, None, True),
    ],
)
def test_what_each_role_may_do(role: Role, action: Action, kind: str | None, expected: bool) -> None:
    assert permits(Principal("someone", role, 1 if role == Role.SECTOR else None), action, kind) is expected


def test_a_sector_user_reaches_only_records_of_their_sector(reference_db: Database) -> None:
    with reference_db.transaction("tester") as tx:
        sectors = {s.name: s.id for s in records.list_records(tx, "Sector")}  # type: ignore[attr-defined]
        units = {u.name: u for u in records.list_records(tx, "Unit")}  # type: ignore[attr-defined]
        centre = Principal("centre", Role.SECTOR, sectors["Sector Centre"])
        east = Principal("east", Role.SECTOR, sectors["Sector East"])
        douentza = units["INFBAT Douentza"]
        assert access.sectors_of(tx, douentza) == {sectors["Sector Centre"]}
        assert access.allowed(tx, centre, Action.READ, douentza)
        assert not access.allowed(tx, east, Action.READ, douentza)
        assert not access.allowed(tx, centre, Action.WRITE, douentza)  # units are not theirs to change
        incidents = records.list_records(tx, "Incident", {"location_name": "MINUSMA camp, Aguelhok"})
        assert incidents and all(not access.allowed(tx, centre, Action.READ, i) for i in incidents)
        kidal = [i for i in records.list_records(tx, "Incident") if access.allowed(tx, centre, Action.WRITE, i)]
        assert kidal and all(access.sectors_of(tx, i) == {sectors["Sector Centre"]} for i in kidal)
        sector = records.get(tx, "Sector", sectors["Sector East"])
        assert access.allowed(tx, centre, Action.READ, sector)  # the reference kinds are seen by all
        transition = records.list_records(tx, "TransitionActivity")[0]
        assert not access.allowed(tx, centre, Action.READ, transition)  # mission-wide: no sector's


# ---------------------------------------------------------------------------- sign-in


def test_sign_in_starts_a_fresh_session_in_a_safe_cookie(client: TestClient) -> None:
    client.get("/signin")
    before = client.cookies.get("bluehelmet_session")
    form = {"name": "boss", "password": PASSWORD, "csrf_token": _token(client)}
    response = client.post("/signin", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    assert client.cookies.get("bluehelmet_session") != before


def test_sign_in_refuses_a_missing_csrf_token_and_wrong_passwords(client: TestClient) -> None:
    client.get("/signin")
    assert client.post("/signin", data={"name": "boss", "password": PASSWORD}).status_code == 403
    assert _sign_in(client, "wrong password!") == 401
    assert _sign_in(client) == 303


def test_guessing_is_braked_after_a_few_failures(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert _sign_in(client, "wrong password!") == 401
    assert _sign_in(client) == 429  # even the right password waits


def test_an_open_redirect_after_sign_in_is_refused(client: TestClient) -> None:
    form = {"name": "boss", "password": PASSWORD, "csrf_token": _token(client), "next": "//evil.example/"}
    assert client.post("/signin", data=form, follow_redirects=False).headers["location"] == "/"


def test_sign_out_needs_the_csrf_token(client: TestClient) -> None:
    assert _sign_in(client) == 303
    assert client.post("/signout", data={}).status_code == 403
    token = client.cookies.get("bluehelmet_session")
    assert token


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    headers = client.get("/healthz").headers
    assert client.get("/healthz").json() == {"status": "ok"}
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


# ---------------------------------------------------------------------------- the commands


def test_user_commands(db: Database) -> None:
    url = db.engine.url.render_as_string(False)
    runner = CliRunner()
    made = runner.invoke(cli, ["--db", url, "user", "add", "ops1", "--role", "analyst", "--json"])
    assert made.exit_code == 0, made.output
    assert '"password": "' in made.output
    given = runner.invoke(cli, ["--db", url, "user", "add", "ops2", "--role", "viewer", "--password-stdin"],
                          input=PASSWORD + "\n")  # fmt: skip
    assert given.exit_code == 0 and PASSWORD not in given.output
    assert accounts.authenticate(db, "ops2", PASSWORD) is not None
    again = runner.invoke(cli, ["--db", url, "user", "add", "ops2", "--role", "viewer"])
    assert again.exit_code == 1 and again.output.strip() == "error: there is already an account 'ops2'"
    listed = runner.invoke(cli, ["--db", url, "user", "list"])
    assert "ops1" in listed.output and "analyst" in listed.output
    token = runner.invoke(cli, ["--db", url, "user", "token", "ops1"]).output.strip()
    assert accounts.principal_for_token(db, token) == Principal("ops1", Role.ANALYST, None)
