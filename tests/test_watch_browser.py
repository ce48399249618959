"""The Alerts and Watch pages in a real browser (Playwright driving Debian's chromium, as
tests/test_web_browser.py does), in English and French: the header's count, acknowledging, the
alerts on the map, the forecast said to have no skill; a sector account sees its alerts only.
Screenshots go to test-artifacts/screenshots/watch-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import watch
from bluehelmet.services.database import Database
from tests.browser import SHOTS, chromium, served_with, sign_in, sync_api
from tests.test_watch_rules import ON, _surge_world

expect = sync_api.expect


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("watch-browser") / "mission.db"
    db = Database(Settings(database_url=f"sqlite:///{path}", secret_key="w" * 40))
    db.init_schema()
    world = _surge_world(db, 9, (1, 1, 1))  # a surge in Ansongo (the east)
    with world.tx() as tx:
        world.rule(tx, "Near bases", "proximity", targets=["bases"], distance_km=50, period_days=30)
        world.incident(tx, "2021-04-20", where="Kidal", category="ied_detonated")  # no base near: nothing
        world.incident(tx, "2021-04-21", where="Gao", category="ied_detonated")  # by Gao camp (the east)
    assert len(watch.run(db, "tester", ON)) == 2
    yield from served_with(db, ("ana", "analyst", None), ("west", "sector", "Watchland west"))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _sign_in(browser: sync_api.Browser, server: str, name: str) -> sync_api.Page:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, name, "/watch")
    expect(page).to_have_url(f"{server}/watch")
    return page


def test_an_analyst_watches_and_acknowledges_in_english_and_french(browser: sync_api.Browser, served: str) -> None:
    page = _sign_in(browser, served, "ana")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.reload()
    expect(page.locator("#alerts-count")).to_have_text("2 alerts")
    expect(page.locator(".alert-marker")).to_have_count(2)  # both alerts have a place on the map
    expect(page.locator("#no-skill")).to_contain_text("has no skill")
    expect(page.locator("#rules")).to_contain_text("Surge Ansongo")
    page.screenshot(path=SHOTS / "watch-1-watch.png", full_page=True)

    page.click("#alerts-count")
    expect(page).to_have_url(f"{served}/alerts")
    row = page.locator("#alerts tbody tr", has_text="Surge Ansongo")
    row.locator("button", has_text="Acknowledge").click()
    expect(page.locator("#alerts-message")).to_have_text("The alert is acknowledged.")
    expect(page.locator("#alerts tbody tr", has_text="Surge Ansongo")).to_contain_text("ana")
    expect(page.locator("#alerts-count")).to_have_text("1 alert")
    page.screenshot(path=SHOTS / "watch-2-alerts.png", full_page=True)

    page.goto("/watch?lang=fr")
    expect(page.locator("h1")).to_have_text("Veille")
    expect(page.locator("#alerts-count")).to_have_text("1 alerte")
    expect(page.locator(".alert-marker")).to_have_count(1)  # the acknowledged one has left the map
    expect(page.locator("#no-skill")).to_contain_text("aucune compétence")
    page.goto("/alerts")
    expect(page.locator("h1")).to_have_text("Alertes")
    expect(page.locator("#alerts thead")).to_contain_text("Gravité")
    expect(page.locator("#alerts tbody tr", has_text="Near bases").locator("button")).to_have_text("Prendre en compte")
    page.screenshot(path=SHOTS / "watch-3-alertes.png", full_page=True)
    assert errors == []


def test_a_sector_account_sees_only_its_sectors_alerts_in_the_browser(browser: sync_api.Browser, served: str) -> None:
    page = _sign_in(browser, served, "west")
    expect(page.locator("#alerts-count")).to_have_text("Alerts")  # none of its sector waits
    expect(page.locator(".alert-marker")).to_have_count(0)
    page.goto("/alerts")
    expect(page.locator("#alerts tbody")).to_contain_text("No alert.")
    expect(page.locator("body")).not_to_contain_text("Ansongo")
