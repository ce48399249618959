"""The Data quality page's Storage section: the database's size by table, in English and in
French, for an administrator only (the sizes are of every mission's records)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

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
