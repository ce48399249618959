"""The pages in a real browser (Playwright driving Debian's chromium): sign in, create an
incident, verify it, find it on the map and in the trend, see a stale edit refused, upload a bad
CSV and read its errors, generate the letter and download the PDF.

The application runs in a thread (uvicorn, a free port) over a temporary SQLite file loaded with
the reference mission. Screenshots go to ``test-artifacts/screenshots/``: look at them. Without
chromium the tests are skipped with the reason, except under CI=true, where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import PASSWORD, SHOTS, chromium, reference_copy, served_with, sign_in, sync_api

Page = sync_api.Page
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[str]:
    db = reference_copy(tmp_path_factory, reference_file, "browser")
    yield from served_with(db, ("analyst", "analyst", None))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from chromium()


@pytest.fixture
def page(browser: sync_api.Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1440, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto("/situation")
    expect(opened).to_have_url(f"{server}/signin?next=/situation")
    opened.screenshot(path=SHOTS / "01-sign-in.png")
    opened.fill("input[name=name]", "analyst")
    opened.fill("input[name=password]", PASSWORD)
    opened.click("button.primary")
    expect(opened).to_have_url(f"{server}/situation")
    yield opened
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def _create(page: Page, reference: str, day: str) -> str:
    page.goto("/incidents/new")
    page.fill("input[name=external_id]", reference)
    page.fill("input[name=event_date]", day)
    page.select_option("select[name=event_type]", "Explosions/Remote violence")
    page.select_option("select[name=sub_event_type]", "Remote explosive/landmine/IED")
    page.select_option("select[name=category]", "ied_detonated")
    page.fill("input[name=latitude]", "17.95")
    page.fill("input[name=longitude]", "-4.95")
    page.fill("input[name=fatalities]", "1")
    page.fill("textarea[name=notes]", "Logged in the browser test.")
    page.screenshot(path=SHOTS / "02-new-incident.png", full_page=True)
    page.click("#incident-form button.primary")
    expect(page.locator(".alert.ok")).to_be_visible()
    return page.url.split("?")[0]


def test_log_verify_and_find_an_incident(page: Page) -> None:
    url = _create(page, "BROWSER-1", "2021-05-29")
    page.goto("/incidents?status=draft")
    row = page.locator("tr", has_text="BROWSER-1")
    expect(row.locator(".badge")).to_have_text("Draft")
    page.screenshot(path=SHOTS / "03-incidents-draft.png", full_page=True)
    row.locator("button.verify").click()  # htmx swaps the row in place
    expect(page.locator("tr", has_text="BROWSER-1").locator(".badge")).to_have_text("Verified")
    page.goto(url)
    expect(page.locator("h1 .badge")).to_have_text("Verified")

    page.goto("/situation?from=2021-05-01&to=2021-05-31")
    expect(page.locator("#trend[data-ready='1']")).to_be_attached()
    trend = page.locator("#trend-data").text_content() or ""
    assert '"2021-05"' in trend
    expect(page.locator("#map path.hexagon").first).to_be_attached(timeout=15000)
    page.wait_for_timeout(500)
    page.screenshot(path=SHOTS / "04-situation.png", full_page=True)


def test_the_new_incident_is_on_the_map(page: Page) -> None:
    """An incident far from any other (the Timbuktu desert) makes a hexagon of its own, of count 1."""
    _create(page, "BROWSER-MAP", "2021-05-30")
    page.goto("/situation?from=2021-05-30&to=2021-05-30")
    expect(page.locator("#map path.hexagon").first).to_be_attached(timeout=15000)
    assert page.locator("#map path.hexagon").count() >= 1
    page.locator("#map path.hexagon").first.dispatch_event("click")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("incidents", timeout=10000)
    page.screenshot(path=SHOTS / "05-map-popup.png")


def test_the_casevac_layer_shows_where_10_1_2_is_not_met(page: Page) -> None:
    """Ticking the casualty-evacuation layer loads the cells beyond the 1 h / 2 h targets."""
    page.goto("/situation?from=2021-05-01&to=2021-05-31")
    expect(page.locator("#map path.hexagon").first).to_be_attached(timeout=15000)
    page.get_by_label("Casualty evacuation beyond 1 h / 2 h (day)").check()
    expect(page.locator("#map path.casevac").first).to_be_attached(timeout=20000)
    assert page.locator("#map path.casevac").count() > 100
    page.wait_for_timeout(300)
    page.screenshot(path=SHOTS / "05b-casevac.png")


def test_a_stale_edit_is_refused(page: Page, browser: sync_api.Browser, server: str) -> None:
    url = _create(page, "BROWSER-STALE", "2021-05-28")
    other = browser.new_context(base_url=server).new_page()
    sign_in(other, "analyst")
    other.goto(url)
    page.goto(url)
    other.fill("input[name=fatalities]", "5")
    other.click("#incident-form button.primary")
    expect(other.locator(".alert.ok")).to_be_visible()
    page.fill("input[name=fatalities]", "7")
    page.click("#incident-form button.primary")
    expect(page.locator("#stale")).to_contain_text("someone changed this incident")
    expect(page.locator("input[name=fatalities]")).to_have_value("5")
    page.screenshot(path=SHOTS / "06-stale-edit.png", full_page=True)
    other.context.close()


def test_a_bad_csv_shows_its_row_errors(page: Page, tmp_path: Path) -> None:
    bad = tmp_path / "bad-incidents.csv"
    bad.write_text("event_date,event_type,sub_event_type,fatalities\n2021-02-30,Battles,Armed clash,1\n"
                   "2021-03-01,Fights,Armed clash,two\n")  # fmt: skip
    page.goto("/imports")
    page.select_option("select[name=kind]", "Incident")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#import-form button.primary")
    problems = page.locator("#row-problems tbody tr")
    expect(problems.first).to_be_visible()
    assert problems.count() >= 3
    expect(page.locator("#import-report .alert.error")).to_contain_text("nothing was written")
    page.screenshot(path=SHOTS / "07-import-errors.png", full_page=True)


def test_the_letter_downloads_as_pdf(page: Page, tmp_path: Path) -> None:
    page.goto("/reports")
    page.fill("input[name=from]", "2021-01-01")
    page.fill("input[name=to]", "2021-05-31")
    page.select_option("select[name=format]", "pdf")
    page.screenshot(path=SHOTS / "08-reports.png", full_page=True)
    with page.expect_download(timeout=120_000) as download:
        page.click("#letter-form button.primary")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "letter-2021-01-01-2021-05-31-en.pdf"
    assert saved.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("path", ["/operations", "/forces", "/rotations", "/capabilities", "/transition", "/about"])
def test_the_other_pages_render(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(path=SHOTS / f"10-{path.strip('/')}.png", full_page=True)


def test_the_api_reference_renders_offline_under_the_csp(browser: sync_api.Browser, server: str) -> None:
    """/api/docs draws the API's operations from the vendored Swagger UI: no request leaves the
    server, and the Content-Security-Policy blocks nothing (a blocked script shows as a console
    error and a blank page)."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    console: list[str] = []
    outside: list[str] = []
    opened.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: console.append(str(error)))
    opened.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    opened.goto("/api/docs")
    expect(opened.locator(".opblock").first).to_be_visible(timeout=30000)
    expect(opened.locator(".opblock-summary-path", has_text="/api/stats/incidents").first).to_be_attached()
    opened.screenshot(path=SHOTS / "api-docs.png")
    context.close()
    assert not console, f"console errors: {console}"
    assert not outside, f"requests outside the server: {outside}"
