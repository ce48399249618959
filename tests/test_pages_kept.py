"""The Situation page's figures are kept per state of the data and per reach (docs/performance.md,
"Page actions, third pass"): a view with nothing changed reads them from memory, a write gives
fresh figures on the next view, and a sector account never reads the figures of another reach.
A hexagon's outline is drawn once per cell, closed, longitude first."""

from __future__ import annotations

import re
from typing import Any

import h3
import pytest
from fastapi.testclient import TestClient

from bluehelmet.services import answer_cache
from bluehelmet.services.database import Database
from bluehelmet.services.map_layers import _ring
from bluehelmet.web.app import create_app
from bluehelmet.web.pages import situation as situation_page
from tests.test_web_pages import app_client, db, loaded, sign_in  # noqa: F401  (the fixtures)


def _pending(page: str) -> int:
    """The draft incidents awaiting review the page says it leaves out (none said: none)."""
    found = re.search(r"(\d+) draft incidents? awaiting review", page)
    return int(found.group(1)) if found else 0


def test_the_situation_is_computed_once_per_state_and_reach(
    app_client: TestClient,  # noqa: F811
    db: Database,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer_cache.clear()
    computed: list[str] = []
    real = situation_page._figures

    def counting(db: Database, principal: Any, *args: Any) -> dict[str, Any]:
        computed.append(principal.name)
        return real(db, principal, *args)

    monkeypatch.setattr(situation_page, "_figures", counting)
    token = sign_in(app_client, "analyst")
    first = app_client.get("/situation")
    again = app_client.get("/situation")
    assert first.status_code == again.status_code == 200 and computed == ["analyst"]
    assert _pending(again.text) == _pending(first.text)
    form = {"csrf_token": token, "external_id": "WEB-K1", "event_date": "2021-05-21", "event_type": "Battles",
            "sub_event_type": "Armed clash"}  # fmt: skip
    assert app_client.post("/incidents/new", data=form).status_code == 303  # a draft: a new state
    after = app_client.get("/situation")
    assert computed == ["analyst", "analyst"] and _pending(after.text) == _pending(first.text) + 1
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as other:
        sign_in(other, "east")
        own = other.get("/situation")
    assert computed == ["analyst", "analyst", "east"] and own.status_code == 200  # its own figures


def test_a_hexagon_outline_is_its_cell_boundary_closed_longitude_first() -> None:
    cell = h3.latlng_to_cell(16.27, -0.04, 5)
    ring = _ring(cell)
    assert ring[0] == ring[-1] and len(ring) == len(h3.cell_to_boundary(cell)) + 1
    assert [(lat, lng) for lng, lat in ring[:-1]] == list(h3.cell_to_boundary(cell))
    assert _ring(cell) is ring  # drawn once
