"""The sign-in brake counted atomically before the password is checked, and proxy headers
believed only from configured proxies (finding 6)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from fastapi.testclient import TestClient

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.services.signin_brake import SignInBrake
from bluehelmet.web.app import create_app

PASSWORD = "a sound passphrase 42"


def test_thirty_parallel_attempts_with_a_limit_of_five_let_five_through(db: Database) -> None:
    brake = SignInBrake(db, max_failures=5)
    start = Barrier(30)

    def one(_: int) -> bool:
        start.wait()
        return brake.attempt("name:boss", "addr:198.51.100.7")

    with ThreadPoolExecutor(max_workers=30) as pool:
        through = list(pool.map(one, range(30)))
    assert sum(through) == 5
    assert not brake.attempt("name:boss")  # and the name stays braked


def test_parallel_wrong_passwords_through_the_sign_in_form_reach_the_check_at_most_five_times(db: Database) -> None:
    accounts.add_account(db, "tester", "boss", "admin", password=PASSWORD)
    app = create_app(Settings(database_url=db.settings.database_url, secret_key="k" * 40), db=db)
    clients = [TestClient(app) for _ in range(10)]
    tokens = []
    for client in clients:
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
        assert found
        tokens.append(found.group(1))
    start = Barrier(30)

    def one(n: int) -> int:
        client, token = clients[n % 10], tokens[n % 10]
        start.wait()
        form = {"name": "boss", "password": f"wrong guess {n}", "csrf_token": token}
        return client.post("/signin", data=form, follow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(one, range(30)))
    assert answers.count(401) <= 5 and answers.count(429) >= 25, answers
    right = {"name": "boss", "password": PASSWORD, "csrf_token": tokens[0]}
    assert clients[0].post("/signin", data=right, follow_redirects=False).status_code == 429


def _sign_in_from(client: TestClient, forwarded: str, password: str) -> int:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found
    form = {"name": f"user{forwarded}", "password": password, "csrf_token": found.group(1)}
    return client.post("/signin", data=form, headers={"X-Forwarded-For": forwarded}, follow_redirects=False).status_code


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(db: Database) -> None:
    untrusted = TestClient(create_app(Settings(database_url=db.settings.database_url, secret_key="k" * 40), db=db))
    # Each attempt names another account and claims another address: the connection's address counts.
    answers = [_sign_in_from(untrusted, f"203.0.113.{n}", "wrong password here") for n in range(8)]
    assert answers[:5] == [401] * 5 and answers[5:] == [429] * 3


def test_a_trusted_proxy_forwards_the_clients_address(db: Database) -> None:
    settings = Settings(database_url=db.settings.database_url, secret_key="k" * 40, trusted_proxies=("testclient",))
    behind = TestClient(create_app(settings, db=db))
    answers = [_sign_in_from(behind, f"203.0.113.{n}", "wrong password here") for n in range(8)]
    assert answers == [401] * 8  # eight clients, one failure each: none braked
