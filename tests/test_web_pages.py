"""The pages without a browser (TestClient): each page renders for a role allowed to see it,
sends anonymous callers to sign in, refuses a role without the permission, keeps a sector user
to their sector; the incident workflow (create, stale edit, review, bulk verify), imports,
the letter, and a French catalogue with every message translated.

The reference mission is loaded once for the module into a SQLite file of its own.
"""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient
from sqlalchemy import event

from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.storage import search
from bluehelmet.web.app import create_app
from bluehelmet.web.i18n import catalogue, words
from bluehelmet.web.pages.incidents import PAGE_SIZE
from tests.conftest import copy_of

PASSWORD = "correct horse battery staple"
ROLES = {"admin": None, "analyst": None, "east": "Sector East", "viewer": None, "evaluator": None, "reporting": None}
PAGES = [
    "/situation", "/incidents", "/incidents/new", "/operations", "/forces", "/rotations", "/capabilities",
    "/transition", "/imports", "/quality", "/reports", "/reports/drafts", "/audit", "/about",
]  # fmt: skip
WEB = Path(__file__).parents[1] / "src" / "bluehelmet" / "web"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, reference_file: Path) -> Path:
    path = copy_of(reference_file, tmp_path_factory.mktemp("web") / "reference.db")
    db = Database(Settings(database_url=f"sqlite:///{path}"))
    for name, sector in ROLES.items():
        role = "sector" if sector else name
        accounts.add_account(db, "tester", name, role, sector=sector, password=PASSWORD)
    db.close()
    return path


@pytest.fixture
def db(loaded: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the loaded mission for each test (tests write to it)."""
    path = tmp_path / "mission.db"
    shutil.copyfile(loaded, path)
    database = Database(Settings(database_url=f"sqlite:///{path}", secret_key="k" * 40))
    yield database
    database.close()


@pytest.fixture
def app_client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str) -> str:
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/about").text)


def incident_id(db: Database, reference: str) -> int:
    with db.transaction("tester") as tx:
        (found,) = records.list_records(tx, "Incident", {"external_id": reference})
        assert found.id is not None
        return found.id


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_for_an_allowed_role(app_client: TestClient, path: str) -> None:
    sign_in(app_client, "admin")
    response = app_client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert '<nav class="mainnav"' in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", response.text), "inline script"


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_callers_are_sent_to_sign_in(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?next={path}"


def test_the_sign_in_page_is_the_pages_own(app_client: TestClient) -> None:
    page = app_client.get("/signin")
    assert page.status_code == 200 and 'class="signin-card"' in page.text
    token = csrf_of(page.text)
    wrong = app_client.post("/signin", data={"name": "admin", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong name or password." in wrong.text


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("viewer", "get", "/incidents/new"),
        ("viewer", "get", "/reports"),
        ("viewer", "get", "/reports/letter"),
        ("east", "get", "/reports"),
        ("east", "post", "/reports/drafts"),
        ("viewer", "post", "/reports/drafts"),
        ("evaluator", "post", "/reports/drafts/any/refresh"),
        ("viewer", "get", "/reports/drafts/any/export"),
        ("reporting", "get", "/incidents/new"),
        ("evaluator", "post", "/incidents/new"),
        ("viewer", "post", "/imports/Incident"),
        ("analyst", "post", "/imports/Unit"),
        ("viewer", "post", "/incidents/verify"),
        ("evaluator", "post", "/incidents/1/review"),
    ],
)
def test_a_role_without_the_permission_is_refused(app_client: TestClient, who: str, method: str, path: str) -> None:
    token = sign_in(app_client, who)
    response = app_client.get(path) if method == "get" else app_client.post(path, data={"csrf_token": token})
    assert response.status_code == 403


def test_a_sector_user_sees_only_their_sector(app_client: TestClient, db: Database) -> None:
    sign_in(app_client, "east")
    listing = app_client.get("/incidents", params={"q": "BH-REF-03"}).text
    assert "BH-REF-0338" in listing  # Ansongo, Sector East
    assert "BH-REF-0337" not in listing  # Aguelhok, Sector North
    assert app_client.get(f"/incidents/{incident_id(db, 'BH-REF-0337')}").status_code == 404
    assert app_client.get(f"/incidents/{incident_id(db, 'BH-REF-0338')}").status_code == 200
    forces = app_client.get("/forces").text
    assert "INFBAT Ansongo" in forces and "INFBAT 1 Kidal" not in forces
    situation = app_client.get("/situation").text
    assert "Sector East" in situation


def test_an_incident_is_created_edited_and_a_stale_edit_refused(app_client: TestClient, db: Database) -> None:
    token = sign_in(app_client, "analyst")
    form = {"csrf_token": token, "external_id": "WEB-1", "event_date": "2021-05-20", "event_type": "Battles",
            "sub_event_type": "Armed clash", "latitude": "16.27", "longitude": "-0.04", "fatalities": "2"}  # fmt: skip
    created = app_client.post("/incidents/new", data=form)
    assert created.status_code == 303
    path = created.headers["location"].split("?")[0]
    page = app_client.get(path).text
    assert "WEB-1" in page and 'name="version" value="1"' in page
    changed = app_client.post(path, data={**form, "version": "1", "fatalities": "3"})
    assert changed.status_code == 303
    stale = app_client.post(path, data={**form, "version": "1", "fatalities": "4"})
    assert stale.status_code == 409
    assert "someone changed this incident" in stale.text and 'name="version" value="2"' in stale.text
    with db.transaction("tester") as tx:
        (record,) = records.list_records(tx, "Incident", {"external_id": "WEB-1"})
        assert record.fatalities == 3  # type: ignore[attr-defined]
        assert [e.actor for e in records.history(tx, "Incident", record.id or 0)] == ["analyst", "analyst"]


def test_a_bad_incident_names_its_fields(app_client: TestClient) -> None:
    token = sign_in(app_client, "analyst")
    form = {"csrf_token": token, "event_date": "2021-05-20", "event_type": "Battles", "sub_event_type": "Armed clash",
            "fatalities": "many"}  # fmt: skip
    refused = app_client.post("/incidents/new", data=form)
    assert refused.status_code == 422
    assert "Fatalities (total)" in refused.text and "many" in refused.text


def test_review_and_bulk_verify(app_client: TestClient, db: Database) -> None:
    token = sign_in(app_client, "analyst")
    ids = []
    for n in range(3):
        form = {"csrf_token": token, "external_id": f"WEB-R{n}", "event_date": "2021-05-21", "event_type": "Battles",
                "sub_event_type": "Armed clash"}  # fmt: skip
        ids.append(int(app_client.post("/incidents/new", data=form).headers["location"].split("/")[2].split("?")[0]))
    rejected = {"csrf_token": token, "version": "1", "status": "rejected"}
    row = app_client.post(f"/incidents/{ids[0]}/review", data=rejected, headers={"HX-Request": "true"})
    assert (
        row.status_code == 200
        and row.text.lstrip().startswith(f'<tr id="incident-{ids[0]}"')
        and "Rejected" in row.text
    )
    picks = [f"{ids[1]}:1", f"{ids[2]}:1", f"{ids[0]}:1"]  # the last one is stale by now
    done = app_client.post("/incidents/verify", data={"csrf_token": token, "pick": picks})
    assert (
        done.status_code == 303 and "verified=2" in done.headers["location"] and "refused=1" in done.headers["location"]
    )
    with db.transaction("tester") as tx:
        states = [str(records.get(tx, "Incident", i).review_status) for i in ids]  # type: ignore[attr-defined]
    assert states == ["rejected", "verified", "verified"]


def test_a_form_without_its_csrf_token_is_refused(app_client: TestClient) -> None:
    sign_in(app_client, "analyst")
    assert app_client.post("/incidents/new", data={"event_date": "2021-05-20"}).status_code == 403


def test_an_import_with_bad_rows_shows_each_problem(app_client: TestClient) -> None:
    token = sign_in(app_client, "analyst")
    body = b"event_date,event_type,sub_event_type,fatalities\n2021-02-30,Battles,Armed clash,1\n2021-03-01,Fights,x,2\n"
    response = app_client.post("/imports/Incident", data={"csrf_token": token}, files={"file": ("bad.csv", body)})
    assert response.status_code == 422
    assert 'id="row-problems"' in response.text and "nothing was written" in response.text
    assert re.search(r'<td class="num">2</td><td>event_date', response.text)
    assert re.search(r'<td class="num">3</td><td>event_type', response.text)


def test_the_letter_downloads(app_client: TestClient) -> None:
    sign_in(app_client, "reporting")
    response = app_client.get("/reports/letter", params={"from": "2021-01-01", "to": "2021-05-31", "format": "html",
                                                         "language": "fr"})  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="letter-2021-01-01-2021-05-31-fr.html"'
    assert "Conseil de sécurité" in response.text
    markdown = app_client.get("/reports/letter", params={"from": "2021-01-01", "to": "2021-05-31", "format": "md"})
    assert markdown.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(markdown.content)) as archive:
        names = archive.namelist()
    assert names[0].endswith(".md") and names[-1].endswith("-evidence.csv") and any(n.endswith(".png") for n in names)


def test_the_audit_page_shows_a_records_history(app_client: TestClient, db: Database) -> None:
    sign_in(app_client, "viewer")
    page = app_client.get("/audit", params={"kind": "Incident", "id": incident_id(db, "BH-REF-0003")})
    assert page.status_code == 200 and "BH-REF-0003" in page.text
    assert app_client.get("/audit", params={"kind": "Incident", "id": 999999}).status_code == 404


def test_the_pages_speak_french_when_asked_and_remember_it(app_client: TestClient) -> None:
    sign_in(app_client, "admin")
    page = app_client.get("/incidents", params={"lang": "fr"})
    assert "Nouvel incident" in page.text and page.headers["set-cookie"].startswith("bluehelmet_lang=fr")
    assert "Nouvel incident" in app_client.get("/incidents").text
    assert "New incident" in app_client.get("/incidents", headers={"Accept-Language": "en"}, params={"lang": "en"}).text


def test_static_files_are_served_with_their_licences(app_client: TestClient) -> None:
    for path in ("/static/app.css", "/static/vendor/leaflet/leaflet.js", "/static/vendor/htmx/htmx.min.js",
                 "/static/vendor/chartjs/chart.umd.min.js", "/static/vendor/leaflet/LICENSE"):  # fmt: skip
        assert app_client.get(path).status_code == 200, path
    assert app_client.get("/static/../pages/frame.py").status_code == 404


def _messages() -> set[str | tuple[str, str]]:
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    method_map = [("templates/**.html", "jinja2"), ("pages/**.py", "python")]
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_every_message_of_the_pages_is_translated_into_french() -> None:
    messages = _messages()
    assert len(messages) > 200  # the extraction found the templates
    french = catalogue("fr")
    missing = []
    for message in messages:
        key = message if isinstance(message, str) else message[0]
        entry = french.get(key)
        translated = entry.string if entry is not None else None
        if not translated or (isinstance(translated, tuple) and not all(translated)) or entry.fuzzy:  # type: ignore[union-attr]
            missing.append(message)
    assert not missing, f"not translated in web.po: {sorted(map(str, missing))}"


def test_words_write_numbers_and_dates_as_the_language_does() -> None:
    fr = words("fr")
    assert fr.number(1234) == "1\u202f234" and fr.ngettext("{n} incident", "{n} incidents", 2) == "2 incidents"
    assert words("en").term("ied_detonated") == "IED detonated" and fr.term("verified") == "vérifié"


def _shown_total(html: str) -> int:
    found = re.search(r"<strong>([\d,]+) incidents?</strong>", html)
    assert found, "the list says no total"
    return int(found.group(1).replace(",", ""))


def test_the_incident_list_reads_one_page_however_many_incidents(app_client: TestClient, db: Database) -> None:
    """Only the page's incidents leave the database, in the same statements for 339 or 459."""
    sign_in(app_client, "admin")
    loaded: list[int | None] = []
    statements: list[str] = []

    def on_load(target: Incident, context: object) -> None:
        loaded.append(target.id)

    def on_execute(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    def read(**params: str) -> tuple[str, int, int]:
        loaded.clear()
        statements.clear()
        response = app_client.get("/incidents", params=params)
        assert response.status_code == 200
        return response.text, len(loaded), len(statements)

    event.listen(Incident, "load", on_load)
    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        html, first_loaded, first_statements = read()
        with db.transaction("tester") as tx:
            mission = records.list_records(tx, "Mission")[0].id
            for n in range(120):
                values = {"mission_id": mission, "external_id": f"MANY-{n}", "event_date": "2000-01-01",
                          "event_type": "Battles", "sub_event_type": "Armed clash"}  # fmt: skip
                records.create(tx, "Incident", values)
        more, more_loaded, more_statements = read()
        last, last_loaded, _ = read(page=str(-(-_shown_total(more) // PAGE_SIZE)))
    finally:
        event.remove(Incident, "load", on_load)
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert _shown_total(more) == _shown_total(html) + 120
    assert first_loaded == more_loaded == PAGE_SIZE and first_statements == more_statements
    assert "MANY-" in last and "MANY-" not in more  # newest first: the year 2000 comes last
    assert last_loaded == (_shown_total(more) - 1) % PAGE_SIZE + 1


def test_the_next_and_previous_pages_start_from_a_cursor_not_an_offset(app_client: TestClient, db: Database) -> None:
    """Next, from the first page to the last, shows every incident once, newest first, each page
    read from where the one before ended (no OFFSET in its query); Previous gives them back."""
    sign_in(app_client, "admin")
    offsets: list[object] = []  # what each statement's OFFSET skips (SQLite always writes one, with 0)

    def on_execute(conn: object, cursor: object, statement: str, parameters: object, *args: object) -> None:
        if "OFFSET" in statement.upper():
            offsets.append(parameters[-1] if isinstance(parameters, (list, tuple)) else parameters)

    event.listen(db.engine, "before_cursor_execute", on_execute)

    def rows(html: str) -> list[str]:
        return re.findall(r'<tr id="incident-(\d+)">', html)

    def link(html: str, label: str) -> str | None:
        found = re.search(rf'<a href="([^"]+)">[^<]*{label}', html)
        return found.group(1).replace("&amp;", "&") if found else None

    try:
        html = app_client.get("/incidents", params={"status": "verified"}).text
        pages = [rows(html)]
        while (following := link(html, "Next")) is not None:
            offsets.clear()
            html = app_client.get(following).text
            assert "after=" in following and all(skipped == 0 for skipped in offsets), offsets
            pages.append(rows(html))
        backwards = [rows(html)]
        while (preceding := link(html, "Previous")) is not None:
            html = app_client.get(preceding).text
            backwards.append(rows(html))
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    shown = [i for page in pages for i in page]
    with db.transaction("tester") as tx:
        verified = [
            i for i in records.list_records(tx, "Incident", {"review_status": "verified"}) if isinstance(i, Incident)
        ]
    newest_first = sorted(verified, key=lambda i: (i.event_date, i.id or 0), reverse=True)
    assert len(pages) > 2 and shown == [str(i.id) for i in newest_first]
    assert backwards[::-1] == pages and all(len(p) == PAGE_SIZE for p in pages[:-1])


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "ansongo"}, {"status": "draft"}, {"event_type": "Battles", "from": "2021-01-01", "to": "2021-06-30"},
     {"category": "ied_detonated"}, {"sector": "SECTOR"}, {"q": "%"}],
)  # fmt: skip
def test_the_incident_list_counts_what_its_filters_match(
    app_client: TestClient, db: Database, params: dict[str, str]
) -> None:
    """The database's filtering gives what the same filters give over every incident in Python."""
    sign_in(app_client, "admin")
    with db.transaction("tester") as tx:
        every = [r for r in records.list_records(tx, "Incident") if isinstance(r, Incident)]
        east = next(s.id for s in records.list_records(tx, "Sector") if getattr(s, "name", "") == "Sector East")
        place_sector = {p.id: getattr(p, "sector_id", None) for p in records.list_records(tx, "Location")}
    params = {k: str(east) if v == "SECTOR" else v for k, v in params.items()}

    def fold(word: str) -> str:
        return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()

    def found(r: Incident) -> bool:
        """The search's promise, in Python: every word of the query begins a word of the text
        of the fields searched, whatever the case and the accents (nothing for no word)."""
        if "q" not in params:
            return True
        values = [getattr(r, name) for name in search.INCIDENT_FIELDS]
        text = " ".join(" ".join(v) if isinstance(v, list) else str(v or "") for v in values)
        have = [fold(w) for w in search.words(text)]
        wanted = [fold(w) for w in search.words(params["q"])]
        return bool(wanted) and all(any(h.startswith(w) for h in have) for w in wanted)

    def matches(r: Incident) -> bool:
        sector = r.sector_id if r.sector_id is not None else place_sector.get(r.location_id)
        return (
            found(r)
            and params.get("status", r.review_status) == r.review_status
            and params.get("event_type", r.event_type) == r.event_type
            and params.get("category", r.category) == r.category
            and str(r.event_date) >= params.get("from", "0000")
            and str(r.event_date) <= params.get("to", "9999")
            and ("sector" not in params or sector == east)
        )

    expected = sorted((r for r in every if matches(r)), key=lambda r: (r.event_date, r.id or 0), reverse=True)
    html = app_client.get("/incidents", params=params).text
    assert _shown_total(html) == len(expected)
    shown = re.findall(r'<tr id="incident-(\d+)"', html)
    assert [int(i) for i in shown] == [r.id for r in expected[:PAGE_SIZE]]
