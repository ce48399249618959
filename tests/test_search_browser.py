"""The search in a real browser (Playwright driving Debian's chromium): the box in the header
takes the words, the Search page shows the hits grouped by kind with the words marked, in
English and French, within 1,280 px, with no console error; a sector account sees its sector's
hits only. Screenshots go to test-artifacts/screenshots/search-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import SHOTS, chromium, reference_copy, served_with, sign_in, sync_api, watched


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[str]:
    db = reference_copy(tmp_path_factory, reference_file, "search-browser")
    yield from served_with(db, ("chief", "admin", None), ("east", "sector", "Sector East"))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _signed_in(browser: sync_api.Browser, server: str, who: str) -> tuple[sync_api.Page, list[str]]:
    page, errors = watched(browser, server)
    sign_in(page, who)
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
