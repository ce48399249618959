"""The Situation map in a real browser (Playwright driving Debian's chromium, as
tests/test_web_browser.py does), on the reference mission: sector outlines with their names,
the regions' seats named from the country view and more places as one zooms in, bases and
camps; a sector account's map outlines its own sector only. Screenshots go to
test-artifacts/screenshots/map-*.png (look at them after a change to the map)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import SHOTS, chromium, reference_copy, served_with, sign_in, sync_api, watched

Page = sync_api.Page
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[str]:
    db = reference_copy(tmp_path_factory, reference_file, "map-browser")
    yield from served_with(db, ("analyst", "analyst", None), ("east", "sector", "Sector East"))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _signed_in(browser: sync_api.Browser, server: str, name: str) -> tuple[Page, list[str]]:
    page, errors = watched(browser, server, 1440)
    sign_in(page, name, "/signin?next=/situation")
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
