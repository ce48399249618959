"""The header's mission switch and the comparison page in a browser (Playwright, Debian's
chromium), in English and French, at 1,280 px: switching keeps the page and the period, the
choice holds on the next page, the navigation stays on one line, nothing overflows and the
console stays clean, the open switch covers none of the navigation and closes on a click
elsewhere. Screenshots: test-artifacts/screenshots/missions-*.png (and docs/images/ with
BLUEHELMET_DOCS_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from tests.browser import PASSWORD, SHOTS, chromium, served_with, sign_in, sync_api, watched
from tests.twin_missions import MISSIONS, build_twins

A, B = MISSIONS
DOCS_IMAGES = Path(__file__).parents[1] / "docs" / "images"
#: The screenshots docs/web.md shows, by the name each has in test-artifacts/screenshots.
FOR_DOCS = {"missions-switch-fr.png": "missions-switch-fr.png", "missions-compared-en.png": "missions-compared.png"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    path = tmp_path_factory.mktemp("missions-browser") / "mission.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(Settings(database_url=f"sqlite:///{path}", secret_key="m" * 40))
    build_twins(db)
    accounts.add_account(db, "tester", "hq", "analyst", missions=[A, B], password=PASSWORD)
    yield from served_with(db)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _fits(page: sync_api.Page) -> list[str]:
    problems = []
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width[0] > width[1]:
        problems.append(f"{page.url}: wider than the window ({width[0]} > {width[1]} px)")
    tops = page.evaluate("[...document.querySelectorAll('.mainnav a')].map(a => a.getBoundingClientRect().top)")
    if len(set(tops)) != 1:
        problems.append(f"{page.url}: the navigation wraps at 1,280 px: {sorted(set(tops))}")
    return problems


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_switching_missions_in_the_header_and_comparing_them(server: str, browser: sync_api.Browser, lang: str) -> None:
    page, errors = watched(browser, server)
    sign_in(page, "hq", f"/signin?lang={lang}")
    page.wait_for_url(re.compile(r".*/situation.*"))
    page.goto("/incidents?from=2020-01-01")
    switch = page.locator("#mission-switch")
    assert switch.locator("summary").inner_text().strip() == A
    problems = _fits(page)
    switch.locator("summary").click()
    covered = page.evaluate("""() => {
        const menu = document.querySelector('#mission-switch ul').getBoundingClientRect();
        return [...document.querySelectorAll('.mainnav a')].filter(a => {
            const r = a.getBoundingClientRect();
            return r.left < menu.right && menu.left < r.right && r.top < menu.bottom && menu.top < r.bottom;
        }).map(a => a.textContent.trim());
    }""")
    assert not covered, f"the open mission switch covers the navigation: {covered}"
    page.screenshot(path=str(SHOTS / f"missions-switch-{lang}.png"))
    page.locator("main h1").click()  # a click elsewhere closes the list, as a menu does
    assert not switch.locator("ul").is_visible()
    switch.locator("summary").click()
    switch.get_by_role("link", name=B, exact=True).click()
    page.wait_for_url(re.compile(rf".*/incidents\?.*mission={B}.*"))
    assert "from=2020-01-01" in page.url  # the period is kept
    assert page.locator("#mission-switch summary").inner_text().strip() == B
    assert f"{B}-east" in page.inner_text("main") and f"{A}-east" not in page.inner_text("main")
    page.click(".mainnav a[href='/operations']")  # the next page reads the mission chosen
    page.wait_for_url(re.compile(r".*/operations$"))
    assert page.locator("#mission-switch summary").inner_text().strip() == B
    page.locator("#mission-switch summary").click()
    page.locator("#mission-switch li.compare a").click()
    page.wait_for_url(re.compile(r".*/missions$"))
    page.goto("/missions?from=2020-01-01&to=2022-12-31&drafts=1")
    heading = page.locator("h1").inner_text()
    assert heading == ("Missions compared" if lang == "en" else "Missions comparées")
    columns = page.locator("#missions-compared thead th").all_inner_texts()
    assert columns[1:] == [A, B]
    problems += _fits(page)
    page.screenshot(path=str(SHOTS / f"missions-compared-{lang}.png"), full_page=True)
    role = page.locator(".who").inner_text()
    assert role.endswith("Analyst" if lang == "en" else "Analyste"), role  # a capital in both languages
    if os.environ.get("BLUEHELMET_DOCS_SCREENSHOTS") == "1":
        for shot in (f"missions-switch-{lang}.png", f"missions-compared-{lang}.png"):
            if shot in FOR_DOCS:
                shutil.copyfile(SHOTS / shot, DOCS_IMAGES / FOR_DOCS[shot])
    page.context.close()
    assert not problems, "\n".join(problems)
    assert not errors, "\n".join(errors)
