"""The Conflicts page in a real browser (Playwright driving Debian's chromium): on a sector node
whose edit crossed another node's, an admin sees the record side by side, field by field, merges
it (the notes from the other node, the perpetrator kept), then presses "Sync now"; the server
and the other node end with the merged record. The screenshot goes to
test-artifacts/screenshots/sync-conflicts.png (and docs/images/ with BLUEHELMET_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import accounts, sync_client, sync_conflicts
from bluehelmet.services.database import Database
from tests.browser import PASSWORD, SHOTS, chromium, sign_in, sync_api
from tests.test_sync_flow import World, edit, joined, make_world, serve, state

expect = sync_api.expect
DOCS_IMAGE = Path(__file__).parents[1] / "docs" / "images" / "sync-conflicts.png"


@pytest.fixture
def world(postgres_url: str) -> Iterator[World]:
    yield from make_world(postgres_url)


@pytest.fixture
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def test_an_admin_on_a_node_merges_a_conflict_field_by_field_and_syncs_now(
    world: World, tmp_path: Path, sqlite_template: Path, browser: sync_api.Browser
) -> None:
    kidal = joined(world, tmp_path, "kidal", sqlite_template)
    tessalit = joined(world, tmp_path, "tessalit", sqlite_template)
    uid = world.uids["east_incident"]
    edit(kidal, "kidal-officer", uid, notes="Kidal: two wounded")
    edit(tessalit, "tessalit-officer", uid, notes="Tessalit: three wounded", perpetrator="ISGS")
    sync_client.sync(kidal, "kidal-officer")
    assert sync_client.sync(tessalit, "tessalit-officer").conflicts == 1
    accounts.add_account(tessalit, "tessalit-officer", "node-admin", "admin", password=PASSWORD)
    node = Database(Settings(database_url=str(tessalit.engine.url), secret_key="n" * 40))
    served = serve(node)
    url = next(served)
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "node-admin", "/conflicts")
    page.goto("/conflicts")
    card = page.locator("section.conflict")
    expect(card).to_have_count(1)
    notes = card.locator("tr", has=page.locator("th", has_text="notes"))
    expect(notes.locator("td").nth(0)).to_have_text("Tessalit: three wounded")
    expect(notes.locator("td").nth(1)).to_have_text("Kidal: two wounded")
    perpetrator = card.locator("tr", has=page.locator("th", has_text="perpetrator"))
    expect(perpetrator.locator("td").nth(0)).to_have_text("ISGS")
    expect(perpetrator.locator("td").nth(1)).to_have_text("JNIM")
    expect(page.locator("#node-heading")).to_be_visible()
    expect(page.get_by_text("1 change waits to be sent.")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "sync-conflicts.png"), full_page=True)
    if os.environ.get("BLUEHELMET_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(SHOTS / "sync-conflicts.png", DOCS_IMAGE)
    notes.locator("input[value=theirs]").check()
    card.locator("button[value=merge]").click()
    expect(page.get_by_role("status")).to_contain_text("The conflict is resolved")
    expect(page.locator("section.conflict")).to_have_count(0)
    expect(page.get_by_text("1 change waits to be sent.")).to_be_visible()
    page.click("text=Sync now")
    expect(page.get_by_role("status")).to_contain_text("Synced: 1 pushed, 0 pulled, 0 record(s) in conflict.")
    page.goto("/conflicts?lang=fr")
    expect(page.locator("h1")).to_have_text("Conflits")
    assert errors == []
    context.close()
    next(served, None)  # the node's server stops
    node.close()
    sync_client.sync(kidal, "kidal-officer")
    for db in (world.server, kidal, tessalit):
        record = state(db, "Incident")[uid]
        assert (record["notes"], record["perpetrator"], record["updated_by"]) == (
            "Kidal: two wounded", "ISGS", "node-admin")  # fmt: skip
        assert sync_conflicts.list_conflicts(db, "reader") == []
