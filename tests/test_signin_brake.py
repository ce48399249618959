"""The brake on guessing passwords, kept in the database: failures made through two application
instances over one database (two workers of `bluehelmet serve --workers N`) are counted
together; they leave the count when the window passes or a right password is given; the table
keeps digests, not what was typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bluehelmet.services.database import Database
from bluehelmet.services.signin_brake import SignInBrake
from bluehelmet.storage.accounts import signin_failure
from bluehelmet.web.app import create_app
from bluehelmet.web.security import MAX_FAILURES
from tests.test_web_workers import apps, boss, sign_in

#: The account, the applications' fixture and the sign-in of the workers' tests: the same brake.
__all__ = ["apps", "boss"]


def test_the_brake_counts_the_failures_made_through_two_workers_together(boss: Database,
                                                                         apps: list[FastAPI]) -> None:  # fmt: skip
    one, other = create_app(boss.settings), create_app(boss.settings)  # each over a Database of its own
    apps += [one, other]
    with TestClient(one) as first, TestClient(other) as second:
        for n in range(MAX_FAILURES):
            assert sign_in(first if n % 2 else second, "wrong password!") == 401
        assert sign_in(first) == 429 and sign_in(second) == 429  # even the right password waits


def test_the_brake_forgets_failures_after_the_window_and_after_a_right_password(boss: Database) -> None:
    now = [datetime(2026, 12, 3, 12, 0, tzinfo=UTC)]
    brake = SignInBrake(boss, max_failures=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        brake.failed("name:boss", "addr:10.0.0.7")
    assert brake.blocked("name:boss") and brake.blocked("addr:10.0.0.7", "name:other")
    assert not brake.blocked("name:other")
    now[0] += timedelta(seconds=61)
    assert not brake.blocked("name:boss")
    brake.failed("name:someone")  # removes the failures that no longer count
    with boss.engine.connect() as conn:
        kept = conn.execute(select(signin_failure.c.key_digest)).scalars().all()
    assert len(kept) == 1 and "someone" not in kept[0]  # a digest, not the name typed
    for _ in range(2):
        brake.failed("name:boss")
    assert not brake.blocked("name:boss")
    brake.failed("name:boss")
    assert brake.blocked("name:boss")
    brake.succeeded("name:boss")
    assert not brake.blocked("name:boss")
