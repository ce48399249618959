"""The search in a real browser (Playwright driving Debian's chromium): the box in the header
takes the words, the Search page shows the hits grouped by kind with the words marked, in
English and French, within 1,280 px, with no console error; a sector account sees its sector's
hits only. Screenshots go to test-artifacts/screenshots/search-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.browser import PASSWORD, SHOTS, chromium, serving, sync_api
from tests.conftest import copy_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[str]:
    path = copy_of(reference_file, tmp_path_factory.mktemp("search-browser") / "mission.db")
    db = Database(Settings(database_url=f"sqlite:///{path}", secret_key="s" * 40))
    accounts.add_account(db, "tester", "chief", "admin", password=PASSWORD)
    accounts.add_account(db, "tester", "east", "sector", sector="Sector East", password=PASSWORD)
    with serving(create_app(db.settings, db=db)) as url:
        yield url
    db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _signed_in(browser: sync_api.Browser, server: str, who: str) -> tuple[sync_api.Page, list[str]]:
    page = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/signin")
    page.fill("input[name=name]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/situation.*"))
    return page, errors


def test_the_header_box_finds_every_kind_grouped_with_the_words_marked(server: str, browser: sync_api.Browser) -> None:
    page, errors = _signed_in(browser, server, "chief")
    page.fill(".topsearch input[name=q]", "MENAKA")
    page.press(".topsearch input[name=q]", "Enter")
    page.wait_for_url(re.compile(r".*/search\?q=MENAKA.*"))
    groups = page.eval_on_selector_all(".search-group h2", "hs => hs.map(h => h.innerText)")
    assert len(groups) >= 3 and groups[0].startswith("Incident"), groups
    marks = page.eval_on_selector_all("mark", "ms => ms.map(m => m.innerText)")
    assert marks and all(m.casefold().startswith("ménaka") for m in marks), marks[:5]
    page.screenshot(path=str(SHOTS / "search-chief-en.png"), full_page=True)
    page.goto("/search?q=MENAKA&lang=fr")
    assert "enregistrements trouvés" in page.inner_text("main")
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width
    page.screenshot(path=str(SHOTS / "search-chief-fr.png"), full_page=True)
    page.click(".search-hits a >> nth=0")
    page.wait_for_url(re.compile(r".*/incidents/\d+"))
    assert not errors, errors


def _count(shown: str) -> int:
    """How many match in all, from "50 of 338"."""
    return int(re.sub(r"\D", "", shown.rsplit(" ", 1)[-1]))


def test_a_sector_account_sees_fewer_hits_and_no_other_sector(server: str, browser: sync_api.Browser) -> None:
    chief, _ = _signed_in(browser, server, "chief")
    chief.goto("/search?q=MINUSMA&kind=incident")
    whole = _count(chief.inner_text(".search-group h2 span"))
    east, errors = _signed_in(browser, server, "east")
    east.goto("/search?q=MINUSMA&kind=incident")
    mine = _count(east.inner_text(".search-group h2 span"))
    assert 0 < mine < whole
    assert not errors, errors
