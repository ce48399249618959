"""The Data quality page's Storage section: the database's size by table, in English and in
French, for an administrator only (the sizes are of every mission's records)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bluehelmet.services import storage_size
from bluehelmet.services.database import Database
from tests.test_web_pages import app_client, db, loaded, sign_in

__all__ = ["app_client", "db", "loaded"]  # the fixtures, shared with the other page tests


def test_the_data_quality_page_shows_the_storage_to_an_administrator_only(app_client: TestClient) -> None:
    sign_in(app_client, "admin")
    html = app_client.get("/quality").text
    assert "<h2>Storage</h2>" in html and "<td>audit_entry</td>" in html and "<td>incident</td>" in html
    assert re.search(r"The database takes [\d.,]+ MB in all\.", html)
    french = app_client.get("/quality", params={"lang": "fr"}).text
    assert "<h2>Stockage</h2>" in french and "Index (Mo)" in french
    app_client.cookies.clear()
    sign_in(app_client, "analyst")
    assert "<td>audit_entry</td>" not in app_client.get("/quality").text


def test_the_page_measures_the_storage_at_most_every_ten_minutes(
    app_client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measuring reads every page of the database: the page shows a measure up to
    ``PAGE_MAX_AGE`` old; `about --storage` (no age allowed) measures every time."""
    measured: list[int] = []
    real = storage_size.database_size
    monkeypatch.setattr(storage_size, "database_size", lambda session: measured.append(1) or real(session))
    monkeypatch.setattr(storage_size, "_MEASURED", {})
    sign_in(app_client, "admin")
    first = app_client.get("/quality").text
    assert "<td>incident</td>" in first and app_client.get("/quality").text.count("<td>incident</td>") == 1
    assert measured == [1]
    ((url, (stamp, size)),) = storage_size._MEASURED.items()
    storage_size._MEASURED[url] = (stamp - storage_size.PAGE_MAX_AGE - 1, size)  # ten minutes later
    app_client.get("/quality")
    assert measured == [1, 1]
    storage_size.storage_size(db)
    assert measured == [1, 1, 1]
