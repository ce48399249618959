"""The server's warm-up (``web.warm_up``): started by `serve` and every worker in a thread of its
own, it computes the answers the pages open on for every active account's reach, so the first
Situation and Watch after a start read them from memory; it compiles every template and writes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bluehelmet.services import accounts, answer_cache
from bluehelmet.services import forecast as service
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import audit_table
from bluehelmet.web.app import create_app, routes_ready
from bluehelmet.web.pages import frame, situation
from bluehelmet.web.warm_up import warm_up
from tests.test_web_pages import PASSWORD, sign_in

TEMPLATES = Path(__file__).parents[1] / "src" / "bluehelmet" / "web" / "templates"


def _audited(db: Database) -> tuple[int, int]:
    """How many entries the audit history holds, and the newest's id."""
    with db.transaction("tester") as tx:
        found = tx.session.execute(select(func.count(), func.max(audit_table.c.id))).one()
        return int(found[0]), int(found[1] or 0)


def test_the_warm_up_computes_what_each_reach_opens_on_and_the_first_pages_read_it(
    reference_copy: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = reference_copy
    for name, role, sector in (("chief", "admin", None), ("east", "sector", "Sector East"),
                               ("deputy", "admin", None), ("gone", "analyst", None)):  # fmt: skip
        accounts.add_account(db, "tester", name, role, sector=sector, password=PASSWORD)
    accounts.set_active(db, "tester", "gone", False)
    answer_cache.clear()
    service._MODELS.clear()
    service._FITS.clear()
    figures: list[str] = []
    tested: list[int] = []
    compute, modelled = situation._figures, service.backtest_and_forecast
    monkeypatch.setattr(situation, "_figures", lambda db, p, *a: figures.append(p.name) or compute(db, p, *a))
    monkeypatch.setattr(service, "backtest_and_forecast", lambda *a, **k: tested.append(1) or modelled(*a, **k))
    before = _audited(db)
    app = routes_ready(create_app(db.settings, db=db))
    thread = warm_up(app)
    thread.join(timeout=120)
    assert not thread.is_alive() and app.state.warm_up is thread
    # One computation per reach: the two administrators share one; the disabled account has none.
    assert sorted(figures) == ["chief", "east"] and len(tested) == 2
    assert _audited(db) == before  # nothing written
    if db.engine.dialect.name != "sqlite":  # PostgreSQL's state moves with any write on the shared server
        return
    figures.clear()
    tested.clear()
    with TestClient(app, follow_redirects=False) as client:
        for name in ("chief", "east", "deputy"):
            client.cookies.clear()
            sign_in(client, name)
            for page in ("/situation", "/watch", "/operations"):
                assert client.get(page).status_code == 200, (name, page)
    assert figures == [] and tested == []  # read from memory, as the warm-up left them


def test_every_template_is_compiled() -> None:
    assert frame.compile_templates() == len(list(TEMPLATES.rglob("*.html")))
