"""The server's warm-up (``web.warm_up``): started by `serve` and every worker in a thread of its
own, it computes the answers the pages open on for every active account's reach, so the first
Situation and Watch after a start read them from memory; it compiles every template and writes
nothing. It ends with the garbage collector's full pass and sets the start's objects aside, so
that the first Operations, Forces or incident page walks none of them again."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bluehelmet.services import accounts, answer_cache, quality, records
from bluehelmet.services import forecast as service
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import audit_table
from bluehelmet.web.app import create_app, routes_ready
from bluehelmet.web.pages import frame, situation
from bluehelmet.web.warm_up import stop_warm_up, warm_up
from tests.test_web_pages import PASSWORD, sign_in

TEMPLATES = Path(__file__).parents[1] / "src" / "bluehelmet" / "web" / "templates"


@pytest.fixture(autouse=True)
def _collected_again() -> Iterator[None]:
    """The objects a warm-up set aside go back to the collector after each test (as when the
    server stops), not left out of it for the rest of the run."""
    yield
    gc.unfreeze()


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
    checked: list[str] = []
    report = quality.quality_report
    monkeypatch.setattr(quality, "quality_report", lambda db, p, **k: checked.append(p.name) or report(db, p, **k))
    before = _audited(db)
    app = routes_ready(create_app(db.settings, db=db))
    thread = warm_up(app)
    thread.join(timeout=120)
    assert not thread.is_alive() and app.state.warm_up is thread
    # One computation per reach: the two administrators share one; the disabled account has none.
    assert sorted(figures) == ["chief", "east"] and len(tested) == 2
    assert len(checked) == 1  # Data quality keeps no answer: its paths and statements, once
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


def test_after_the_warm_up_the_first_operations_forces_and_incident_walk_nothing_of_the_start(
    reference_copy: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = reference_copy
    accounts.add_account(db, "tester", "chief", "admin", password=PASSWORD)
    accounts.add_account(db, "tester", "east", "sector", sector="Sector East", password=PASSWORD)
    with db.transaction("tester") as tx:
        (incident,) = records.list_records(tx, "Incident", limit=1)
    answer_cache.clear()
    periods: list[str] = []
    measured = situation.data_period
    monkeypatch.setattr(situation, "data_period", lambda *a, **k: periods.append("") or measured(*a, **k))
    app = routes_ready(create_app(db.settings, db=db))
    thread = warm_up(app)
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert len(periods) == 2  # the period Operations and Forces measure against: one per reach
    # The collector's full pass is made: what survived it is set aside, the oldest generation
    # left (nearly) empty for the requests' own objects.
    aside = gc.get_freeze_count()
    assert aside > 0 and len(gc.get_objects(generation=2)) < aside // 10
    walked: list[int] = []

    def full_pass(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            walked.append(len(gc.get_objects(generation=2)))

    gc.callbacks.append(full_pass)
    try:
        with TestClient(app, follow_redirects=False) as client:
            for name, pages in (("chief", ("/operations", "/forces", f"/incidents/{incident.id}")),
                                ("east", ("/operations", "/forces"))):  # fmt: skip
                client.cookies.clear()
                sign_in(client, name)
                for page in pages:
                    assert client.get(page).status_code == 200, (name, page)
    finally:
        gc.callbacks.remove(full_pass)
    # No full pass of the first requests walked the start's objects: they stayed set aside (but
    # for those freed meanwhile, as any object is once nothing refers to it).
    assert gc.get_freeze_count() > aside // 2
    assert all(count < aside // 10 for count in walked), (walked, aside)
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's state moves with any write on the shared server
        assert len(periods) == 2  # read from memory, as the warm-up left it
    stop_warm_up(app)
    assert gc.get_freeze_count() == 0  # handed back to the collector when the server stops
