"""Reports → Drafts in the web application, on both backends: a reporting officer starts a draft,
rewrites a paragraph with a figure token, refreshes after new records (the moved figure is
highlighted), checks and exports; the roles and the CSRF token are enforced as on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from urllib.parse import quote

import docx
import pytest
from fastapi.testclient import TestClient

from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.test_drafts import FROM, REWRITTEN, TO, add_ieds, mission
from tests.test_web_pages import PASSWORD, csrf_of

ROLES = {"officer": "reporting", "watcher": "viewer", "east": "sector", "boss": "admin"}


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, dict[str, object]]]:
    template = mission(db, ieds=2)
    with db.transaction("tester") as tx:
        from bluehelmet.services import records  # noqa: PLC0415

        sector = records.create(tx, "Sector", {"mission_id": template["mission_id"], "name": "Sector East"})
    for name, role in ROLES.items():
        accounts.add_account(db, "tester", name, role, sector="Sector East" if role == "sector" else None,
                             password=PASSWORD)  # fmt: skip
    assert sector.id is not None
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as client:
        yield client, template


def sign_in(client: TestClient, name: str) -> str:
    token = csrf_of(client.get("/signin").text)
    answer = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/reports/drafts").text)


def start(client: TestClient, token: str, name: str = "June letter", *languages: str) -> str:
    form = {"csrf_token": token, "name": name, "from": str(FROM), "to": str(TO), "languages": list(languages) or ["en"]}
    answer = client.post("/reports/drafts", data=form)
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"] == f"/reports/drafts/{quote(name, safe='')}"
    return answer.headers["location"]


def _ied_paragraph(html: str) -> str:
    found = re.search(r'id="p-([^"]+)"(?:(?!id="p-).)*?\{\{ied\.total\}\}', html, re.S)
    assert found, "no paragraph places {{ied.total}}"
    return found.group(1)


def test_an_officer_drafts_refreshes_checks_and_exports(
    db: Database, world: tuple[TestClient, dict[str, object]]
) -> None:
    client, template = world
    token = sign_in(client, "officer")
    page = client.get(start(client, token))
    assert page.status_code == 200 and "Insert figure" in page.text
    assert '<option value="ied.total">' in page.text  # the picker offers the annex's figure keys
    paragraph = _ied_paragraph(page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    saved = client.post(
        f"/reports/drafts/June%20letter/paragraphs/{paragraph}",
        data={"csrf_token": token, "text": REWRITTEN, "version": version.group(1)},
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#p-{paragraph}")

    add_ieds(db, template, 3, "W")
    refreshed = client.post("/reports/drafts/June%20letter/refresh", data={"csrf_token": token})
    assert refreshed.status_code == 303
    page = client.get(refreshed.headers["location"]).text
    assert "The draft is refreshed." in page
    assert "<code>{{ied.total}}</code>: 2 → <mark>5</mark>" in page
    section = page[page.index(f'id="p-{paragraph}"') :]
    assert '<mark class="figure" title="ied.total">5</mark>' in section.split("</section>")[0]
    assert "Explosive devices remain the gravest threat" in section.split("</section>")[0]

    check = client.get("/reports/drafts/June%20letter/check")
    assert check.status_code == 200 and "Check before sending" in check.text

    word = client.get("/reports/drafts/June%20letter/export", params={"format": "docx"})
    assert word.status_code == 200 and word.headers["content-disposition"].endswith('.docx"')
    prose = next(p for p in docx.Document(BytesIO(word.content)).paragraphs if "gravest threat" in p.text)
    assert "were used in the country over the period" in prose.text
    assert ">five</w:t>" in prose._p.xml  # the figure, a link to its row in the annex


def test_a_bad_token_is_refused_on_the_page_with_its_paragraph(world: tuple[TestClient, dict[str, object]]) -> None:
    client, _ = world
    token = sign_in(client, "officer")
    page = client.get(start(client, token)).text
    paragraph = _ied_paragraph(page)
    answer = client.post(
        f"/reports/drafts/June%20letter/paragraphs/{paragraph}", data={"csrf_token": token, "text": "{{nope}} & <b>"}
    )
    assert answer.status_code == 422
    assert f"no figure for paragraph {paragraph}: {{{{nope}}}}" in answer.text
    assert "<b>" not in answer.text.split('role="alert"')[1].split("</p>")[0]  # escaped


def test_a_stale_edit_is_refused(world: tuple[TestClient, dict[str, object]]) -> None:
    client, _ = world
    token = sign_in(client, "officer")
    start(client, token)
    form = {"csrf_token": token, "text": "The Mission recorded {{incidents.total}} incidents.", "version": "1"}
    assert client.post("/reports/drafts/June%20letter/paragraphs/security.incidents", data=form).status_code == 303
    stale = client.post("/reports/drafts/June%20letter/paragraphs/security.incidents", data={**form, "text": "Other."})
    assert stale.status_code == 422 and "changed since version 1" in stale.text


def test_roles_and_csrf(world: tuple[TestClient, dict[str, object]]) -> None:
    client, _ = world
    token = sign_in(client, "officer")
    start(client, token)
    assert client.post("/reports/drafts/June%20letter/refresh", data={}).status_code == 403  # no CSRF token
    client.post("/signout", data={"csrf_token": token})

    token = sign_in(client, "watcher")  # a viewer reads, does not write or export
    assert "June letter" in client.get("/reports/drafts").text
    assert client.get("/reports/drafts/June%20letter").status_code == 200
    assert "Save the paragraph" not in client.get("/reports/drafts/June%20letter").text
    assert client.post("/reports/drafts/June%20letter/refresh", data={"csrf_token": token}).status_code == 403
    assert client.get("/reports/drafts/June%20letter/export?format=pdf").status_code == 403
    client.post("/signout", data={"csrf_token": token})

    token = sign_in(client, "east")  # a sector account: the mission-wide draft is not there for it
    assert "June letter" not in client.get("/reports/drafts").text
    assert client.get("/reports/drafts/June%20letter").status_code == 404
    assert client.post("/reports/drafts", data={"csrf_token": token, "name": "x"}).status_code == 403


def test_careless_forms_are_answered_with_a_message(world: tuple[TestClient, dict[str, object]]) -> None:
    client, _ = world
    token = sign_in(client, "officer")
    no_period = client.post("/reports/drafts", data={"csrf_token": token, "name": "x", "from": "", "to": "junk"})
    assert no_period.status_code == 422 and "Choose the first and the last day of the period." in no_period.text
    start(client, token)
    twice = client.post("/reports/drafts", data={"csrf_token": token, "name": "June letter", "from": str(FROM),
                                                 "to": str(TO)})  # fmt: skip
    assert twice.status_code == 422 and "already a draft called" in twice.text
    assert client.get("/reports/drafts/nothing-here").status_code == 404
    assert client.get("/reports/drafts/June%20letter/export?format=exe").status_code == 422


def test_the_api_mirrors_the_command_line(db: Database, world: tuple[TestClient, dict[str, object]]) -> None:
    client, template = world
    officer = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'officer')}"}
    east = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'east')}"}
    body = {"name": "api", "from": str(FROM), "to": str(TO), "languages": ["en", "fr"]}
    made = client.post("/api/reports/drafts", json=body, headers=officer)
    assert made.status_code == 201, made.text
    paragraph = next(p["id"] for p in made.json()["paragraphs"] if "{{ied.total}}" in p["text"])
    assert client.post("/api/reports/drafts", json={**body, "extra": 1}, headers=officer).status_code == 422

    refused = client.put(f"/api/reports/drafts/api/paragraphs/{paragraph}", json={"text": "{{nope}}"}, headers=officer)
    assert refused.status_code == 422 and f"paragraph {paragraph}: {{{{nope}}}}" in refused.text
    put = client.put(f"/api/reports/drafts/api/paragraphs/{paragraph}", json={"text": REWRITTEN, "version": 1},
                     headers=officer)  # fmt: skip
    assert put.status_code == 200 and put.json()["version"] == 2
    stale = client.put(f"/api/reports/drafts/api/paragraphs/{paragraph}", json={"text": "x", "version": 1},
                       headers=officer)  # fmt: skip
    assert stale.status_code == 422 and "changed since version 1" in stale.text

    add_ieds(db, template, 1, "API")
    refreshed = client.post("/api/reports/drafts/api/refresh", headers=officer).json()
    assert {"key": "ied.total", "before": 2, "after": 3} in refreshed["changed"]
    shown = client.get("/api/reports/drafts/api", headers=officer).json()
    assert next(p["text"] for p in shown["paragraphs"] if p["id"] == paragraph) == REWRITTEN
    french = client.get("/api/reports/drafts/api?lang=fr", headers=officer).json()
    assert [p["id"] for p in french["paragraphs"]] == [p["id"] for p in shown["paragraphs"]]

    findings = client.get("/api/reports/drafts/api/check", headers=officer).json()
    # the test mission's name has no French value: only the French opening, left out, blocks
    blocking = [(f["paragraph"], f["language"]) for f in findings["findings"] if f["blocking"]]
    assert findings["blocking"] == 1 and blocking == [("opening", "fr")]
    assert any(f["kind"] == "untranslated" and f["paragraph"] == paragraph for f in findings["findings"])
    html = client.get("/api/reports/drafts/api/export?format=html", headers=officer)
    assert html.status_code == 200 and "Explosive devices remain the gravest threat" in html.text

    assert client.get("/api/reports/drafts/api", headers=east).status_code == 404  # mission-wide: not theirs
    assert client.post("/api/reports/drafts/api/refresh", headers=east).status_code == 403
    assert client.get("/api/reports/drafts", headers=east).json() == {"drafts": []}
    assert client.get("/api/reports/drafts/nothing", headers=officer).status_code == 404
