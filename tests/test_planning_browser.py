"""The Planning page in a real browser (Playwright driving Debian's chromium, as
tests/test_web_browser.py does): a planner plans the reference mission's 2021 rotations, pins a
unit and plans again, reads the what-if against the plan without it, downloads the plan as CSV,
iCalendar and the Gantt image, and saves it (who and when shown beside each rotation); a sector
account sees its own sector alone and cannot save. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.browser import PASSWORD, SHOTS, chromium, reference_copy, serving, sign_in, sync_api

expect = sync_api.expect


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[tuple[str, Database]]:
    db = reference_copy(tmp_path_factory, reference_file, "planning-browser")
    accounts.add_account(db, "tester", "planner", "admin", password=PASSWORD)
    accounts.add_account(db, "tester", "east", "sector", sector="Sector East", password=PASSWORD)
    with serving(create_app(db.settings, db=db)) as url:
        yield url, db
    db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _signed_in(browser: sync_api.Browser, server: str, name: str) -> sync_api.Page:
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, name, "/planning?from=2021-01-01")
    expect(page).to_have_url(f"{server}/planning")  # the sign-in keeps the path
    page.fill("input[name=from]", "2021-01-01")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(f"{server}/planning?from=2021-01-01&pin_unit=&pin_day=&assume=")
    return page


def _download(page: sync_api.Page, link: str, tmp_path: Path) -> str:
    with page.expect_download() as info:
        page.click(link)
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes().decode("utf-8")  # as sent: iCalendar lines end in CRLF


def test_a_sector_account_plans_its_sector_alone_and_cannot_save(
    browser: sync_api.Browser, served: tuple[str, Database], tmp_path: Path
) -> None:
    server, _ = served
    page = _signed_in(browser, server, "east")
    body = page.locator("main")
    expect(body).to_contain_text("planned for your sector alone")
    expect(page.locator("svg.gantt")).to_contain_text("INFBAT Ansongo")
    assert "INFBAT Sévaré" not in (page.locator("svg.gantt").text_content() or "")
    expect(page.locator("#save-plan")).to_have_count(0)
    rows = _download(page, "#export-csv", tmp_path).splitlines()
    assert rows[0] == "unit,start,end,moved_days,reason"
    units = {row.split(",")[0] for row in rows[1:]}
    assert units == {"INFBAT Ansongo", "CCB Gao", "FPU 1 Gao", "INFCOY 2 Gao", "CCC 1 Gao"}
    page.context.close()


def test_a_planner_plans_pins_compares_exports_and_saves(
    browser: sync_api.Browser, served: tuple[str, Database], tmp_path: Path
) -> None:
    server, db = served
    page = _signed_in(browser, server, "planner")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    why = page.locator("table.data", has_text="Reason")
    expect(why).to_contain_text(
        "CCB Gao moved 28 days earlier, from its preferred 2021-01-18 to 2020-12-21 in Sector East: one rotation "
        "at a time in Sector East, with INFBAT Ansongo (2021-01-18 to 2021-02-14)"
    )
    gantt = page.locator("svg.gantt")
    expect(gantt).to_be_visible()
    # Each unit to plan has its recorded rotation (hatched) beside the planned one (solid).
    assert gantt.locator("rect.planned:not(.key)").count() == 12
    assert gantt.locator("rect.recorded:not(.key)").count() == 12
    expect(page.locator("#comparison")).to_have_count(0)  # no what-if yet
    page.screenshot(path=SHOTS / "planning-1-plan.png", full_page=True)

    # What if CCB Gao keeps its day? INFBAT Ansongo has to give way.
    page.select_option("select[name=pin_unit]", "CCB Gao")
    page.fill("input[name=pin_day]", "2021-01-18")
    page.click("form.filters button[type=submit]")
    expect(why).to_contain_text(
        "CCB Gao pinned to 2021-01-18 in Sector East by the planner, +0 days from its preferred"
    )
    expect(why).to_contain_text("INFBAT Ansongo moved 28 days")
    compared = page.locator("#comparison")
    expect(compared).to_contain_text("CCB Gao")
    moved = compared.locator("tr", has_text="INFBAT Ansongo")
    expect(moved).to_contain_text("2021-01-18")
    expect(moved).to_contain_text("28")
    page.screenshot(path=SHOTS / "planning-2-pinned.png", full_page=True)

    rows = {row[0]: row for row in csv.reader(io.StringIO(_download(page, "#export-csv", tmp_path)))}
    assert rows["CCB Gao"][1:4] == ["2021-01-18", "2021-02-14", "0"]
    assert rows["CCB Gao"][4].startswith("CCB Gao pinned to 2021-01-18")
    assert rows["INFBAT Ansongo"][3] in ("-28", "28")
    calendar = _download(page, "#export-ics", tmp_path)
    assert calendar.startswith("BEGIN:VCALENDAR") and calendar.count("BEGIN:VEVENT") == 12
    assert "SUMMARY:Rotation: CCB Gao\r\nDESCRIPTION:CCB Gao pinned to 2021-01-18" in calendar
    assert "DTSTART;VALUE=DATE:20210118" in calendar
    image = _download(page, "#export-svg", tmp_path)
    assert image.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="gantt"') and "CCB Gao" in image

    # Saved: the records hold the pinned plan; each rotation names who set its days, and when.
    page.click("#save-plan button")
    expect(page.locator("#saved")).to_have_text("12 rotations saved as planned, in your name.")
    assert "pin_unit" not in page.url
    # A rotation the plan moved now has those days as recorded, set by the planner; one it left
    # alone (CCB Gao, on its day) keeps who set it before: the save changed nothing there.
    fpu = why.locator("tr", has_text="FPU 1 Gao keeps its preferred day 2021-02-15")
    expect(fpu).to_contain_text("planner, 20")
    expect(why.locator("tr", has_text="CCB Gao keeps its preferred day 2021-01-18")).to_contain_text("tester, 20")
    with db.transaction("tester") as tx:
        saved = [r for r in records.list_records(tx, "Rotation") if r.updated_by == "planner"]  # type: ignore[attr-defined]
        history = records.history(tx, "Rotation", saved[0].id or 0)
        units = {u.id: u.name for u in records.list_records(tx, "Unit")}  # type: ignore[attr-defined]
    assert history[-1].actor == "planner"
    moved = {name for name, row in rows.items() if row[3] not in ("0", "", "moved_days")}
    assert {units[r.unit_id] for r in saved} == moved  # type: ignore[attr-defined]
    # INFBAT Ansongo gave way: its record now holds the day the pinned plan gave it.
    (ansongo,) = [r for r in saved if units[r.unit_id] == "INFBAT Ansongo"]  # type: ignore[attr-defined]
    assert ansongo.planned_start.isoformat() == rows["INFBAT Ansongo"][1]  # type: ignore[attr-defined]
    page.goto("/planning?from=2021-01-01&lang=fr")
    expect(page.locator("h2", has_text="Pourquoi chaque relève tombe à sa date")).to_be_visible()
    expect(page.locator("#save-plan button")).to_have_text("Enregistrer ce plan comme dates prévues des relèves")
    page.screenshot(path=SHOTS / "planning-3-saved-fr.png", full_page=True)
    assert not errors


def test_the_casevac_layer_has_a_legend_and_no_seams(browser: sync_api.Browser, served: tuple[str, Database]) -> None:
    server, _ = served
    page = _signed_in(browser, server, "planner")
    page.goto("/situation")
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Casualty evacuation beyond 1 h / 2 h (day)").check()
    legend = page.locator(".casevac-legend")
    expect(legend).to_contain_text("Surgery beyond 2 h")
    expect(legend).to_contain_text("Surgery within 2 h, advanced care beyond 1 h")
    cells = page.locator("path.casevac")
    expect(cells.first).to_be_attached(timeout=60_000)
    # The shades are filled as one outline each (no hairline between two cells); the cells on
    # top are unfilled, there for their minutes.
    assert page.locator("path.casevac-area").count() == 2
    assert cells.first.get_attribute("fill-opacity") == "0"
    page.locator("#map").screenshot(path=SHOTS / "planning-casevac-layer.png")
    page.get_by_label("Casualty evacuation beyond 1 h / 2 h (day)").uncheck()
    expect(legend).to_have_count(0)
    page.context.close()
