"""The Situation map in a real browser (Playwright driving Debian's chromium, as
tests/test_web_browser.py does), on the reference mission: sector outlines with their names,
the regions' seats named from the country view and more places as one zooms in, bases and
camps; a sector account's map outlines its own sector only. Screenshots go to
test-artifacts/screenshots/map-*.png (look at them after a change to the map)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.browser import PASSWORD, SHOTS, chromium, serving, sync_api
from tests.conftest import copy_of

Page = sync_api.Page
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[str]:
    path = copy_of(reference_file, tmp_path_factory.mktemp("map-browser") / "mission.db")
    db = Database(Settings(database_url=f"sqlite:///{path}", secret_key="m" * 40))
    accounts.add_account(db, "tester", "analyst", "analyst", password=PASSWORD)
    accounts.add_account(db, "tester", "east", "sector", sector="Sector East", password=PASSWORD)
    with serving(create_app(db.settings, db=db)) as url:
        yield url
    db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _signed_in(browser: sync_api.Browser, server: str, name: str) -> tuple[Page, list[str]]:
    context = browser.new_context(base_url=server, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/signin?next=/situation")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    expect(page).to_have_url(f"{server}/situation")
    return page, errors


def test_the_map_shows_sectors_place_names_by_zoom_and_bases(browser: sync_api.Browser, server: str) -> None:
    page, errors = _signed_in(browser, server, "analyst")
    expect(page.locator("#map[data-sectors='4']")).to_be_attached(timeout=15000)
    expect(page.locator("#map .sector-label")).to_have_count(4)
    for sector in ("Sector North", "Sector East", "Sector West", "Sector Centre"):
        expect(page.locator("#map .sector-label", has_text=sector)).to_be_visible()
    expect(page.locator("#map[data-bases]")).to_be_attached(timeout=15000)
    assert int(page.locator("#map").get_attribute("data-bases") or 0) >= 10
    expect(page.locator("#map[data-place-labels]")).to_be_attached(timeout=15000)
    labels = page.locator("#map .place-label")
    shown = labels.all_text_contents()
    assert "Gao" in shown and "Kidal" in shown and "Mopti" in shown  # the regions' seats
    assert "Tessit" not in shown  # a village waits until one zooms in
    page.wait_for_timeout(400)
    page.locator("#map").screenshot(path=SHOTS / "map-country.png")

    page.locator("#map").dblclick(position={"x": 560, "y": 330})
    page.locator("#map").dblclick(position={"x": 560, "y": 330})
    page.locator("#map").dblclick(position={"x": 560, "y": 330})
    page.wait_for_timeout(800)
    closer = labels.count()
    assert closer > 0
    page.locator("#map").screenshot(path=SHOTS / "map-zoomed.png")
    page.locator("#map .base-icon").first.dispatch_event("click")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("units based here", timeout=5000)
    page.context.close()
    assert not errors, errors


def test_a_sector_accounts_map_outlines_its_own_sector_only(browser: sync_api.Browser, server: str) -> None:
    page, errors = _signed_in(browser, server, "east")
    expect(page.locator("#map[data-sectors='1']")).to_be_attached(timeout=15000)
    expect(page.locator("#map .sector-label")).to_have_text(["Sector East"])
    expect(page.locator("#map[data-place-labels]")).to_be_attached(timeout=15000)
    shown = page.locator("#map .place-label").all_text_contents()
    assert "Gao" in shown and "Kidal" not in shown
    page.wait_for_timeout(400)
    page.locator("#map").screenshot(path=SHOTS / "map-sector-east.png")
    page.goto("/situation?lang=fr")  # the sector's French name where the record has one
    expect(page.locator("#map .sector-label")).to_have_text(["secteur Est"], timeout=15000)
    page.context.close()
    assert not errors, errors
