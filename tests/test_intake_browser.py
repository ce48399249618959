"""The Intake page in a real browser (Playwright driving Debian's chromium, as
tests/test_web_browser.py does), in English and in French: messages arrive through the gateway
door, an analyst sees each with its places and status, an unreadable one with its reason, merges
a duplicate, and finds the draft on the Incidents page marked as a message. Screenshots go to
test-artifacts/screenshots/intake-*.png."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.browser import PASSWORD, SHOTS, chromium, serving, sign_in, sync_api
from tests.intake_mission import build_mission

SECRET = "browser-intake-secret-0123456789abcdef"
Page = sync_api.Page
expect = sync_api.expect


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("intake-browser") / "mission.db"
    settings = Settings(database_url=f"sqlite:///{path}", secret_key="i" * 40, intake_secret=SECRET)
    db = Database(settings)
    db.init_schema()
    build_mission(db)
    accounts.add_account(db, "tester", "analyst", "analyst", password=PASSWORD)
    with serving(create_app(settings, db=db)) as url:
        server = url
        for text in ("Attaque contre le poste de sécurité a Kidal ce matin, tirs nourris",
                     "Attaque contre le poste de securite a Kidal ce matin, tirs nourris!!",
                     "hello is anyone there", "Drone seen over the camp at Moptii at 21:40"):  # fmt: skip
            payload = json.dumps({"contact": {"urn": "tel:+22370001234"}, "input": {"text": text}}).encode()
            headers = {"X-Intake-Secret": SECRET, "Content-Type": "application/json"}
            request = urllib.request.Request(
                f"{server}/api/intake/messages?gateway=rapidpro", data=payload, headers=headers
            )
            with urllib.request.urlopen(request, timeout=30) as answer:  # the loopback server started above
                assert answer.status == 200
        yield server
    db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    yield from chromium()


def _signed_in(browser: sync_api.Browser, server: str) -> Page:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, "analyst", "/intake")
    expect(page).to_have_url(f"{server}/intake")
    return page


def test_the_intake_page_in_english_then_a_merge(browser: sync_api.Browser, served: str) -> None:
    page = _signed_in(browser, served)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator("h1")).to_have_text("Intake")
    rows = page.locator("#message-table tbody tr")
    expect(rows).to_have_count(4)
    unreadable = page.locator("tr[data-status=unreadable]")
    expect(unreadable).to_contain_text("no place and no kind of incident recognised in the text")
    expect(page.locator("tr", has_text="Moptii")).to_contain_text("Mopti")
    duplicate = page.locator("tr", has_text="nourris!!")
    expect(duplicate).to_contain_text("possible duplicate of")
    page.screenshot(path=str(SHOTS / "intake-en.png"), full_page=True)
    duplicate.get_by_role("button", name="Merge into").click()
    expect(page.locator(".alert.ok")).to_contain_text("The duplicate was merged")
    expect(page.get_by_role("button", name="Merge into")).to_have_count(0)
    page.goto("/incidents?status=draft")
    expect(page.locator("#incident-table .source[data-source=message]").first).to_have_text("Message")
    assert errors == []


def test_the_intake_page_in_french(browser: sync_api.Browser, served: str) -> None:
    page = _signed_in(browser, served)
    page.goto("/intake?lang=fr")
    expect(page.locator("h1")).to_have_text("Réception")
    expect(page.locator("#message-table thead")).to_contain_text("Lieux trouvés")
    expect(page.locator("tr[data-status=unreadable] .badge")).to_have_text("Illisible")
    expect(page.locator("tr", has_text="Moptii")).to_contain_text("anglais")
    expect(page.locator("tr[data-status=unreadable]")).to_contain_text("aucun lieu ni type d'incident reconnu")
    page.select_option("select[name=status]", "unreadable")
    expect(page.locator("#message-table tbody tr")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "intake-fr.png"), full_page=True)
