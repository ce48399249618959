"""Every page in English and French for the admin and a sector account, in a real browser
(Playwright driving Debian's chromium, as tests/test_web_browser.py does): no console error, no
raw JSON page, no horizontal overflow at 1,280 px, the navigation on one line at 1,280 px, and on
the French pages none of the vocabulary's English labels. Screenshots of the French pages go to
test-artifacts/screenshots/daily-*.png."""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import bluehelmet.domain
from bluehelmet.domain.evaluations import DEFAULT_RATING_SCALE
from bluehelmet.web.i18n import english_term, words
from tests.browser import SHOTS, chromium, reference_copy, served_with, sign_in, sync_api, watched

PAGES = ["/situation", "/incidents", "/incidents/new", "/operations", "/forces", "/rotations", "/planning",
         "/capabilities", "/transition", "/quality", "/reports", "/reports/drafts", "/audit", "/search",
         "/about"]  # fmt: skip
#: What the sector account may not open (its navigation does not offer them).
NOT_FOR_SECTOR = {"/reports", "/reports/drafts"}


#: The texts of the elements a page shows a vocabulary value in (a record's own text aside).
_SHOWN = (
    "[...document.querySelectorAll('main td, main th, main .badge, main label, main option, main h2, main h3,"
    " main li, main dd, main dt, main legend')].map(e => e.innerText.trim())"
)


def _english_labels() -> set[str]:
    """The vocabulary's English labels (and the ratings') that French writes otherwise."""
    fr, found = words("fr"), set()
    for info in pkgutil.iter_modules(bluehelmet.domain.__path__):
        module = importlib.import_module(f"bluehelmet.domain.{info.name}")
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, enum.StrEnum) and value.__module__ == module.__name__:
                for member in value:
                    english = english_term(member)
                    if fr.term(member) != english:
                        found.add(english)
    return found | {english_term(r) for r in DEFAULT_RATING_SCALE}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[str]:
    db = reference_copy(tmp_path_factory, reference_file, "daily-browser")
    yield from served_with(db, ("chief", "admin", None), ("east", "sector", "Sector East"))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


@pytest.mark.parametrize("who", ["chief", "east"])
def test_every_page_in_both_languages(server: str, browser: sync_api.Browser, who: str) -> None:
    page, errors = watched(browser, server)
    sign_in(page, who)
    page.wait_for_url(re.compile(r".*/situation.*"))
    english = _english_labels()
    problems: list[str] = []
    for lang in ("en", "fr"):
        for path in PAGES:
            if who == "east" and path in NOT_FOR_SECTOR:
                continue
            answer = page.goto(f"{path}?lang={lang}")
            assert answer is not None
            if answer.status != 200:
                problems.append(f"{lang} {path}: status {answer.status}")
            text = page.inner_text("body")
            if text.lstrip().startswith(("{", "[")):
                problems.append(f"{lang} {path}: a raw JSON page")
            width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width[0] > width[1]:
                problems.append(f"{lang} {path}: wider than the window ({width[0]} > {width[1]} px)")
            if lang == "fr":
                shown = set(page.evaluate(_SHOWN))
                left = sorted(english & shown)
                if left:
                    problems.append(f"fr {path}: English left: {left}")
                if path in ("/situation", "/forces", "/audit"):
                    page.screenshot(path=str(SHOTS / f"daily-{who}{path.replace('/', '-')}-fr.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/about?lang=fr")
    tops = page.evaluate("[...document.querySelectorAll('.mainnav a')].map(a => a.getBoundingClientRect().top)")
    if len(set(tops)) != 1:
        problems.append(f"the navigation wraps at 1,280 px: {sorted(set(tops))}")
    page.context.close()
    assert not problems, "\n".join(problems)
    assert not errors, "\n".join(errors)
