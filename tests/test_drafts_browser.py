"""Reports → Drafts in a real browser (Playwright driving Debian's chromium, as
tests/test_web_browser.py does): start a draft, rewrite a paragraph and insert a figure with the
picker, refresh after new IEDs are recorded (the moved figure highlighted), check, and export
the PDF. The screenshot of the editor in docs/letter.md is taken here: it goes to
test-artifacts/screenshots/drafts-editor.png, and to docs/images/ when BLUEHELMET_DOCS_SCREENSHOTS=1
(so that a test run does not rewrite a file of the repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluehelmet.domain.records import entity_fields, snapshot
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.browser import PASSWORD, SHOTS, chromium, reference_copy, serving, sign_in, sync_api

DOCS_IMAGE = Path(__file__).parents[1] / "docs" / "images" / "drafts-editor.png"
FOR_DOCS = os.environ.get("BLUEHELMET_DOCS_SCREENSHOTS") == "1"
Page = sync_api.Page
expect = sync_api.expect


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Iterator[tuple[str, Database]]:
    db = reference_copy(tmp_path_factory, reference_file, "drafts-browser")
    accounts.add_account(db, "tester", "officer", "reporting", password=PASSWORD)
    with serving(create_app(db.settings, db=db)) as url:
        yield url, db
    db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _more_ieds(db: Database, n: int) -> None:
    """``n`` more IEDs against the mission, like one of the period's."""
    with db.transaction("tester") as tx:
        template = next(
            i
            for i in records.list_records(tx, "Incident", {"category": "ied_detonated", "target": "mission"})
            if str(i.event_date).startswith("2021-0")  # type: ignore[attr-defined]
        )
        keep = {f.name for f in entity_fields(type(template))}
        base = {f: v for f, v in snapshot(template).items() if f in keep}
        for i in range(n):
            records.create(tx, "Incident", {**base, "external_id": f"BROWSER-IED-{i}"})


def test_an_officer_drafts_the_letter_in_the_browser(
    browser: sync_api.Browser, served: tuple[str, Database], tmp_path: Path
) -> None:
    server, db = served
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "officer", "/reports")
    page.click("#drafts-link")
    expect(page).to_have_url(f"{server}/reports/drafts")

    page.fill("#draft-form input[name=name]", "S-2021-520")
    page.fill("#draft-form input[name=from]", "2021-01-01")
    page.fill("#draft-form input[name=to]", "2021-05-31")
    page.fill("#draft-form input[name=symbol]", "S/2021/520")
    page.click("#draft-form button.primary")
    expect(page).to_have_url(f"{server}/reports/drafts/S-2021-520")

    paragraph = page.locator("section.paragraph", has_text="{{ied.total}}").first
    before = paragraph.locator(".figure[title='ied.total']").inner_text()
    area = paragraph.locator("textarea")
    area.fill("Improvised explosive devices remained the gravest threat: ")
    paragraph.locator(".figure-picker").fill("ied.total")
    paragraph.locator("button.insert-figure").click()
    expect(area).to_have_value("Improvised explosive devices remained the gravest threat: {{ied.total}}")
    area.press("End")
    area.type(" were used in Mali in the period.")
    paragraph.locator("button.primary").click()
    expect(page.locator(".alert.ok")).to_have_text("The paragraph is saved.")

    _more_ieds(db, 4)
    page.click("#refresh")
    expect(page.locator(".alert.ok")).to_have_text("The draft is refreshed.")
    changed = page.locator("#changed")
    expect(changed).to_contain_text("{{ied.total}}")
    edited = page.locator("section.paragraph", has_text="gravest threat").first
    after = edited.locator("mark.figure[title='ied.total']").inner_text()
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 4
    expect(edited.locator(".preview")).to_have_text(
        f"Improvised explosive devices remained the gravest threat: {after} were used in Mali in the period."
    )
    edited.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "drafts-1-refreshed.png", full_page=True)
    # For the picture: the edited paragraph brought up under the list of moved figures.
    edited.evaluate("(el) => document.querySelector('#changed').after(el)")
    page.evaluate("window.scrollTo(0, 0)")  # so that the boxes below are the page's coordinates
    box_top = page.locator(".pagehead").bounding_box()
    box_bottom = edited.bounding_box()
    assert box_top and box_bottom
    shot = SHOTS / DOCS_IMAGE.name
    page.screenshot(path=shot, full_page=True, clip={"x": 0, "y": box_top["y"] - 10, "width": 1280,
                    "height": box_bottom["y"] + box_bottom["height"] - box_top["y"] + 20})  # fmt: skip

    if FOR_DOCS:
        shutil.copyfile(shot, DOCS_IMAGE)

    page.click("#check")
    expect(page.locator("#findings")).to_be_visible()
    expect(page.locator("#findings")).to_contain_text(
        "paragraph rotations: {{rotations.Sector Centre.available}} is partial"
    )
    page.select_option("#export select[name=format]", "pdf")
    with page.expect_download() as download:
        page.click("#export button.primary")
    pdf = tmp_path / "draft.pdf"
    download.value.save_as(pdf)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode().split()
    )
    assert f"Improvised explosive devices remained the gravest threat: {after} were used in Mali in the period." in text
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
