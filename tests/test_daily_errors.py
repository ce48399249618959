"""Refusals as pages: a page route's 403, 404, 405 and 422 come in the application's frame, in the
reader's language, with what to do next and the status code kept; ``/api/`` paths keep their JSON.
The navigation offers only the pages the role may use."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from bluehelmet.web.pages import about
from tests.test_web_api import World, build_world


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


def _page(world: World, role: str, path: str, lang: str = "en", method: str = "GET") -> tuple[int, str]:
    answer = world.client.request(method, path, headers={**world.headers(role), "Accept": "text/html"},
                                  params={"lang": lang}, follow_redirects=False)  # fmt: skip
    assert answer.headers["content-type"].startswith("text/html"), (path, answer.text[:200])
    return answer.status_code, html.unescape(answer.text)


def _nav(page: str) -> list[str]:
    found = re.search(r'<nav class="mainnav".*?</nav>', page, re.S)
    assert found, "the page has no navigation"
    return re.findall(r'href="([^"]+)"', found.group(0))


def test_refusals_are_pages_in_the_frame_and_the_readers_language(world: World) -> None:
    status, page = _page(world, "sector", "/reports")
    assert status == 403 and "Your account may not open this page" in page and "Ask an administrator" in page
    assert '<nav class="mainnav"' in page and '{"detail"' not in page
    status, page = _page(world, "sector", f"/incidents/{world.ids['incident_west']}")
    assert status == 404 and "There is nothing here" in page and "outside your sector" in page
    status, page = _page(world, "sector", "/no/such/page")
    assert status == 404 and "There is nothing here" in page and "Not Found" not in page
    assert _page(world, "sector", f"/incidents/{world.ids['incident_east']}")[0] == 200
    # in the reader's language
    status, page = _page(world, "sector", "/reports", lang="fr")
    assert status == 403 and "Votre compte ne peut pas ouvrir cette page" in page and '<html lang="fr">' in page
    status, page = _page(world, "viewer", "/nowhere", lang="fr")
    assert status == 404 and "Il n'y a rien ici" in page
    # a wrong method, a parameter of the wrong type
    status, page = _page(world, "admin", "/situation", method="DELETE")
    assert status == 405 and "This page cannot be used that way" in page
    status, page = _page(world, "admin", "/incidents/not-a-number")
    assert status in (404, 422) and '<nav class="mainnav"' in page


def test_api_paths_keep_their_json(world: World) -> None:
    answer = world.call("sector", "GET", "/api/nothing-here")
    assert answer.status_code == 404 and answer.json() == {"detail": "Not Found"}
    answer = world.call("sector", "GET", f"/api/incidents/{world.ids['incident_west']}")
    assert answer.status_code in (403, 404) and "detail" in answer.json()
    answer = world.client.get("/reports", headers={**world.headers("viewer"), "Accept": "application/json"})
    assert answer.status_code == 403 and "detail" in answer.json()


def test_an_anonymous_unknown_page_offers_to_sign_in(world: World) -> None:
    answer = world.client.get("/no/such/page", headers={"Accept": "text/html"})
    assert answer.status_code == 404 and 'href="/signin"' in answer.text and '<nav class="mainnav"' not in answer.text


def test_a_failure_is_a_page_that_says_nothing_changed(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    world = build_world(db)
    monkeypatch.setattr(about, "render", broken)
    with TestClient(create_app(db.settings, db=db), raise_server_exceptions=False) as client:
        answer = client.get("/about", headers={**world.headers("admin"), "Accept": "text/html"})
        assert answer.status_code == 500 and "Nothing was changed" in answer.text and "boom" not in answer.text
        api = client.get("/api/nothing", headers=world.headers("admin"))
        assert api.status_code == 404


#: For each role: pages the navigation must offer, and pages it must not.
NAVIGATION = {
    "admin": ({"/reports", "/imports", "/accounts", "/audit"}, set()),
    "sector": ({"/situation", "/incidents", "/audit"}, {"/reports", "/imports", "/accounts"}),
    "viewer": ({"/situation", "/incidents"}, {"/reports", "/imports", "/accounts"}),
    "evaluator": ({"/imports"}, {"/reports", "/accounts"}),
    "reporting": ({"/reports"}, {"/imports", "/accounts"}),
}


def test_the_navigation_offers_only_what_the_role_may_use(world: World) -> None:
    for role, (offered, hidden) in NAVIGATION.items():
        status, page = _page(world, role, "/about")
        links = set(_nav(page))
        assert status == 200 and offered <= links and not hidden & links, (role, links)
