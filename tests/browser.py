"""What the browser tests share: the application served from a thread on a free loopback port
(uvicorn), over a module's own copy of the reference mission with the accounts it signs in as;
a page watched for console errors; the sign-in form filled; and Debian's chromium driven by
Playwright. Without chromium or Playwright the tests are skipped with the reason, except under
CI=true, where that is a failure."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.conftest import copy_of

CHROMIUM = os.environ.get("BLUEHELMET_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
SHOTS = Path(__file__).parents[1] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery staple"

sync_api = pytest.importorskip("playwright.sync_api") if os.environ.get("CI") != "true" else None
if sync_api is None:
    import playwright.sync_api as sync_api  # under CI=true a missing Playwright is a failure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served on a free loopback port from a thread while the block runs; its address."""
    port = free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(10)


def reference_copy(tmp_path_factory: pytest.TempPathFactory, reference_file: Path, name: str) -> Database:
    """A copy of the reference mission of its own for a module's browser tests."""
    path = copy_of(reference_file, tmp_path_factory.mktemp(name) / "mission.db")
    return Database(Settings(database_url=f"sqlite:///{path}", secret_key="b" * 40))


def served_with(db: Database, *people: tuple[str, str, str | None]) -> Iterator[str]:
    """The application over ``db`` served for a module's tests (a fixture's body: ``yield from``),
    with an account of ``PASSWORD`` for each of ``people`` (name, role, sector); ``db`` closed after."""
    for name, role, sector in people:
        accounts.add_account(db, "tester", name, role, sector=sector, password=PASSWORD)
    with serving(create_app(db.settings, db=db)) as url:
        yield url
    db.close()


def watched(browser: Any, server: str, width: int = 1280) -> tuple[Any, list[str]]:
    """A new page of ``server`` in a window ``width`` px wide, and the list its console errors and
    uncaught exceptions are added to (each after the page's address)."""
    page = browser.new_context(base_url=server, viewport={"width": width, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    return page, errors


def sign_in(page: Any, name: str, at: str = "/signin") -> None:
    """Open ``at`` (the sign-in form, or a page that asks for it) and sign in as ``name``."""
    page.goto(at)
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")


def chromium() -> Iterator[Any]:
    """Debian's chromium, launched for a module's tests (a fixture's body: ``yield from``)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no chromium at {CHROMIUM} (CI=true: the browser tests must run)")
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
