"""Request bodies are counted as they arrive and stopped at their route's limit (finding 5).

The application is driven as a server drives it, through ASGI, with a body of 1 GB offered in
64 KiB chunks, with and without a ``Content-Length``: the test counts what the server pulled,
the peak of the memory Python allocated (tracemalloc) and the peak size of the temporary folder
(where the multipart parser spools uploads), and each must stay far under 50 MB, with limits
set small (1 MB uploads, 64 KiB other bodies).
"""

from __future__ import annotations

import asyncio
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from bluehelmet.web.limits import SIGNIN_LIMIT

GIGABYTE = 1024**3
CHUNK = 64 * 1024
PEAK = 50 * 1024 * 1024
PASSWORD = "a sound passphrase 42"


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Path]:
    """The temporary folder uploads are spooled to, for this test only."""
    folder = tmp_path / "spool"
    folder.mkdir()
    before, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = before


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _multipart_head(boundary: bytes) -> bytes:
    return b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n' + \
        b"Content-Type: text/csv\r\n\r\nname\n"  # fmt: skip


def _drive(app: Any, path: str, headers: dict[str, str], spool: Path, *, declared: bool) -> dict[str, Any]:
    """POST 1 GB to ``path``; what the server answered and what it took."""
    boundary = b"bluehelmetboundary"
    head = _multipart_head(boundary)
    pulled, peak_disk, status = 0, 0, 0
    sent_all = False
    all_headers = {"content-type": f"multipart/form-data; boundary={boundary.decode()}", **headers}
    if declared:
        all_headers["content-length"] = str(GIGABYTE)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
             "client": ("203.0.113.9", 5000), "server": ("testserver", 80)}  # fmt: skip
    filler = b"x" * CHUNK

    async def receive() -> dict[str, Any]:
        nonlocal pulled, peak_disk, sent_all
        if sent_all:
            await asyncio.sleep(0)
            return {"type": "http.disconnect"}
        peak_disk = max(peak_disk, _size(spool))
        chunk = head if pulled == 0 else filler
        pulled += len(chunk)
        if pulled >= GIGABYTE:
            sent_all = True
            return {"type": "http.request", "body": chunk, "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    tracemalloc.start()
    try:
        asyncio.run(app(scope, receive, send))
        _, peak_memory = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"status": status, "pulled": pulled, "memory": peak_memory, "disk": max(peak_disk, _size(spool))}


@pytest.fixture
def app(db: Database) -> Any:
    settings = Settings(database_url=db.settings.database_url, secret_key="k" * 40, upload_limit_mb=1,
                        request_limit_kb=64)  # fmt: skip
    return create_app(settings, db=db)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_gigabyte_to_sign_in_is_refused_before_it_is_spooled(app: Any, spool: Path, declared: bool) -> None:
    took = _drive(app, "/signin", {}, spool, declared=declared)
    assert took["status"] == 413
    assert took["pulled"] <= (0 if declared else SIGNIN_LIMIT + CHUNK)
    assert took["memory"] < PEAK and took["disk"] < PEAK, took


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_gigabyte_import_with_a_token_stops_at_the_upload_limit(
    app: Any, db: Database, spool: Path, declared: bool
) -> None:
    accounts.add_account(db, "tester", "importer", "analyst", password=PASSWORD)
    token = accounts.issue_token(db, "tester", "importer")
    took = _drive(app, "/api/import/incident", {"authorization": f"Bearer {token}"}, spool, declared=declared)
    assert took["status"] == 413, took
    assert took["pulled"] <= (0 if declared else 1024 * 1024 + 64 * 1024 + CHUNK)
    assert took["memory"] < PEAK and took["disk"] < 2 * 1024 * 1024, took
    assert _size(spool) == 0  # nothing left behind


def test_a_record_body_past_the_request_limit_is_refused(app: Any, db: Database) -> None:
    accounts.add_account(db, "tester", "writer", "analyst", password=PASSWORD)
    token = accounts.issue_token(db, "tester", "writer")
    with TestClient(app) as client:
        big = client.post("/api/records/incident", content=b'{"notes": "' + b"x" * 70_000 + b'"}',
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})  # fmt: skip
        assert big.status_code == 413 and "limit" in big.json()["detail"]
        small = client.post("/api/records/incident", json={"notes": "x"}, headers={"Authorization": f"Bearer {token}"})
        assert small.status_code == 422  # under the limit: read, and refused for what it says
