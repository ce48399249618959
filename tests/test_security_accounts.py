"""Accounts an operator can trust (findings 11, 12): disable, enable, a new password and
revoked tokens from the command line, the API and the Accounts page; sessions carry a
generation, so a cookie replayed after sign-out, disabling or a new password fails, and
re-enabling an account does not revive it; one password rule (length and a blocklist of
common passwords) for the command line, the API and the sign-in form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bluehelmet.cli import cli
from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.services.passwords import check_password, common
from bluehelmet.web.app import create_app

PASSWORD = "a sound passphrase 42"


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    accounts.add_account(db, "tester", "boss", "admin", password=PASSWORD)
    accounts.add_account(db, "tester", "field", "viewer", password=PASSWORD)
    app = create_app(Settings(database_url=db.settings.database_url, secret_key="k" * 40), db=db)
    with TestClient(app, follow_redirects=False) as built:
        yield built


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in; the session cookie as it was sent back."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert token
    answer = client.post("/signin", data={"name": name, "password": password, "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.text[:300]
    return str(client.cookies["bluehelmet_session"])


def _with_cookie(client: TestClient, cookie: str) -> int:
    fresh = TestClient(client.app, follow_redirects=False)
    fresh.cookies.set("bluehelmet_session", cookie)
    return fresh.get("/api/records/mission").status_code


def test_a_cookie_replayed_after_sign_out_fails(client: TestClient) -> None:
    cookie = _sign_in(client, "field")
    assert _with_cookie(client, cookie) == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/about").text)
    assert csrf
    assert client.post("/signout", data={"csrf_token": csrf.group(1)}).status_code == 303
    assert _with_cookie(client, cookie) == 401


def test_disabling_ends_sessions_and_enabling_does_not_revive_them(client: TestClient, db: Database) -> None:
    cookie = _sign_in(client, "field")
    token = accounts.issue_token(db, "tester", "field")
    accounts.set_active(db, "tester", "field", False)
    assert _with_cookie(client, cookie) == 401
    assert client.get("/api/records/mission", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    accounts.set_active(db, "tester", "field", True)
    assert _with_cookie(client, cookie) == 401  # re-enabled: the old cookie stays dead
    assert _with_cookie(client, _sign_in(client, "field")) == 200


def test_a_new_password_ends_sessions(client: TestClient, db: Database) -> None:
    cookie = _sign_in(client, "field")
    accounts.reset_password(db, "tester", "field", "another sound passphrase 7")
    assert _with_cookie(client, cookie) == 401


def test_the_command_line_disables_enables_resets_and_revokes(db: Database) -> None:
    accounts.add_account(db, "tester", "field", "viewer", password=PASSWORD)
    token = accounts.issue_token(db, "tester", "field")
    url = db.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def run(*args: str, given: str | None = None) -> str:
        done = runner.invoke(cli, ["--db", url, "user", *args], input=given)
        assert done.exit_code == 0, done.output
        return done.output

    assert "disabled" in run("disable", "field")
    assert accounts.authenticate(db, "field", PASSWORD) is None
    assert "enabled" in run("enable", "field")
    assert accounts.authenticate(db, "field", PASSWORD) is not None
    assert "1 token(s) of field revoked" in run("revoke-token", "field")
    assert accounts.principal_for_token(db, token) is None
    run("reset-password", "field", "--password-stdin", given="a brand new passphrase 9\n")
    assert accounts.authenticate(db, "field", "a brand new passphrase 9") is not None
    refused = runner.invoke(cli, ["--db", url, "user", "reset-password", "field", "--password-stdin"],
                            input="Password1234\n")  # fmt: skip
    assert refused.exit_code != 0 and "most common" in refused.output


def test_admins_manage_accounts_through_the_api_and_the_page(client: TestClient, db: Database) -> None:
    admin = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'boss')}"}
    viewer = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'field')}"}
    assert client.post("/api/accounts/boss/disable", headers=viewer).status_code == 403
    listed = client.get("/api/accounts", headers=admin).json()["accounts"]
    assert {a["name"]: a["active"] for a in listed} == {"boss": True, "field": True}
    assert client.post("/api/accounts/field/revoke-tokens", headers=admin).json()["revoked"] == 1
    assert client.get("/api/records/mission", headers=viewer).status_code == 401
    assert client.post("/api/accounts/field/disable", headers=admin).json()["active"] is False
    assert client.post("/api/accounts/field/enable", headers=admin).json()["active"] is True
    secret = client.post("/api/accounts/field/reset-password", headers=admin).json()["password"]
    assert accounts.authenticate(db, "field", secret) is not None
    page = client.get("/accounts", headers=admin)
    assert page.status_code == 200 and "field" in page.text and "Revoke tokens" in page.text
    done = client.post("/accounts/field/disable", headers=admin)
    assert done.status_code == 200 and "The account is disabled" in done.text
    again = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'boss')}"}
    accounts.add_account(db, "tester", "watcher", "viewer", password=PASSWORD)
    watcher = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'watcher')}"}
    assert client.get("/accounts", headers=watcher).status_code == 403
    assert client.get("/accounts", headers=again).status_code == 200


@pytest.mark.parametrize(
    "password", ["password1234", "Password1234!", "qwertyuiop12", "MINUSMA 2023!", "123456789012", "adminadmin12",
                 "passwordpassword", "x" * 201],
)  # fmt: skip
def test_common_or_overlong_passwords_are_refused_everywhere(password: str) -> None:
    with pytest.raises(BluehelmetError):
        check_password(password)


def test_a_passphrase_is_accepted_and_the_form_keeps_the_same_length_rule(client: TestClient) -> None:
    assert not common("a sound passphrase 42") and not common("correct horse battery staple")
    check_password("a sound passphrase 42")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert token
    long = client.post("/signin", data={"name": "boss", "password": "y" * 201, "csrf_token": token.group(1)})
    assert long.status_code == 422  # the form takes what the rule allows, and not a character more
