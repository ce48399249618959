"""A draft of the reference mission's letter carries the letter's frame and its checks, on both
backends: it starts with the opening and ends with the closing formula, both paragraphs an
officer can rewrite; its export is the Secretary-General's letter with the symbol given at
create; ``report draft check`` names the paragraph of a figure with partial coverage and lists
the record text the French letter leaves out untranslated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bluehelmet.cli import cli
from bluehelmet.config import Settings
from bluehelmet.reporting.annex import untranslated
from bluehelmet.reporting.build import build_letter
from bluehelmet.reporting.drafts import all_figures
from bluehelmet.reporting.wording import Wording
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.conftest import BACKENDS, POSTGRES_URL, copy_of
from tests.test_web_pages import PASSWORD, csrf_of

FROM, TO = "2021-01-01", "2021-05-31"
OPENING = "I have the honour to refer to Security Council resolution 2531 (2020)"
CLOSING = (
    "I would be grateful if you could bring the present letter to the attention of the members of the Security Council."
)


@pytest.fixture(scope="module", params=BACKENDS)
def mission(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The reference mission once per backend for this module, in a database of its own that
    the tests may write drafts to (each test its own draft names): a copy of the one the test
    process has loaded (conftest), where loading it again took seconds on each backend."""
    if request.param == "sqlite":
        path = copy_of(
            request.getfixturevalue("reference_file"), tmp_path_factory.mktemp("drafts_letter") / "minusma.db"
        )
        url = f"sqlite:///{path}"
        dropped = ""
    else:
        # A copy of the process's reference database (loaded once by conftest), not a new load.
        template = request.getfixturevalue("reference_postgres_template")
        base = make_url(request.getfixturevalue("postgres_url"))
        dropped = f"{base.database}_drafts_letter"
        admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dropped}" TEMPLATE "{template}"'))
        admin.dispose()
        url = base.set(database=dropped).render_as_string(hide_password=False)
    database = Database(Settings(database_url=url))
    try:
        yield database
    finally:
        database.close()
        if dropped:
            admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)'))
            admin.dispose()


def run(db: Database, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db.url, "--actor", "officer", "report", "draft", *args])


def create(db: Database, name: str, *more: str) -> dict[str, Any]:
    result = run(db, "create", name, "--from", FROM, "--to", TO, *more)
    assert result.exit_code == 0, result.output
    return shown(db, name)


def shown(db: Database, name: str, *more: str) -> dict[str, Any]:
    result = run(db, "show", name, "--json", *more)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def findings(db: Database, name: str) -> list[dict[str, Any]]:
    result = run(db, "check", name, "--json")
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, Any]] = json.loads(result.output)["findings"]
    return found


def test_a_fresh_draft_starts_with_the_opening_and_ends_with_the_closing(mission: Database) -> None:
    data = create(mission, "frame")
    ids = [p["id"] for p in data["paragraphs"]]
    assert ids[0] == "opening" and ids[-1] == "closing"
    assert ids.count("opening") == 1 and ids.count("closing") == 1
    first, last = data["paragraphs"][0]["text"], data["paragraphs"][-1]["text"]
    assert first.startswith(OPENING + " on the United Nations Multidimensional Integrated Stabilization Mission")
    assert last == CLOSING
    assert data["symbol"] == ""


def test_the_export_is_the_letter_with_the_symbol_and_date_given_at_create(mission: Database, tmp_path: Path) -> None:
    create(mission, "framed", "--symbol", "S/2021/520", "--date", "2021-06-04")
    out = tmp_path / "letter.md"
    result = run(mission, "export", "framed", "--format", "md", "--out", str(out))
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    masthead, _, rest = md.partition("\n# ")
    assert "S/2021/520" in masthead and "S/\u2026" not in masthead
    assert rest.startswith(
        "Letter dated 4 June 2021 from the Secretary-General addressed to the President of the Security Council"
    )
    assert "4 June 2021  " in masthead  # the date the letter bears, not the day after the period
    assert md.index(OPENING) < md.index(CLOSING) < md.index("(Signed) António Guterres") < md.index("## Annex")


def test_without_a_date_the_export_bears_the_day_after_the_period_and_the_placeholder(
    mission: Database, tmp_path: Path
) -> None:
    create(mission, "undated")
    out = tmp_path / "letter.md"
    assert run(mission, "export", "undated", "--out", str(out)).exit_code == 0
    md = out.read_text(encoding="utf-8")
    assert "S/\u2026" in md.partition("\n# ")[0]
    assert "# Letter dated 1 June 2021 from the Secretary-General" in md


def test_a_partial_coverage_finding_names_the_paragraph_of_the_sector_strength(mission: Database) -> None:
    data = create(mission, "coverage")
    strength = [p for p in data["paragraphs"] if "{{rotations." in p["text"] and ".available}}" in p["text"]]
    assert strength, "the reference mission's letter states a sector's available strength"
    partial = [f for f in findings(mission, "coverage") if f["kind"] == "partial_coverage"]
    about = [f for f in partial if ".available}}" in f["message"]]
    assert about, partial
    finding = about[0]
    assert finding["paragraph"] == strength[0]["id"]
    assert finding["message"].startswith(f"paragraph {strength[0]['id']}: {{{{rotations.")
    assert "strength known for " in finding["message"] and " units" in finding["message"]
    assert not finding["blocking"]
    # the figures that rest on every record they speak for are not reported
    assert not any("{{incidents.total}}" in f["message"] for f in partial)


def _hijacking_place_without_french(mission: Database) -> None:
    """The reference mission's record text all has its French: take the French of the
    hijacking's place ("road between Douentza and Sévaré") away, so the French letter leaves that
    sentence out (idempotent: the module's tests share the mission)."""
    with mission.transaction("tester") as tx:
        found = records.list_records(tx, "Incident", {"external_id": "BH-REF-0003"})
        incident = found[0]
        if incident.location_name_fr:  # type: ignore[attr-defined]
            records.update(tx, "Incident", incident.id or 0, {"location_name_fr": ""}, incident.version)


def test_a_french_draft_lists_the_record_text_its_letter_left_out(mission: Database) -> None:
    _hijacking_place_without_french(mission)
    create(mission, "bilingual", "--lang", "en", "--lang", "fr")
    letter = build_letter(mission, date(2021, 1, 1), date(2021, 5, 31))
    expected = untranslated(letter, Wording("fr"))
    assert ("security.attacks", "road between Douentza and Sévaré") in expected
    listed = [f for f in findings(mission, "bilingual") if f["kind"] == "untranslated" and f["language"] == "fr"]
    for _key, record_text in expected:
        assert any(f"'{record_text}' has no fr value" in f["message"] for f in listed), record_text
    ids = {p["id"] for p in shown(mission, "bilingual")["paragraphs"]}
    named = [f for f in listed if f["paragraph"]]
    assert named and all(f["paragraph"] in ids for f in named)
    assert all(f["message"].startswith(f"paragraph {f['paragraph']}: ") for f in named)
    # a paragraph the French letter left out entirely blocks the export, and says why
    empty = [f for f in findings(mission, "bilingual") if f["kind"] == "empty_paragraph" and f["language"] == "fr"]
    for f in empty:
        assert f["blocking"] and any(g["paragraph"] == f["paragraph"] for g in listed)
        assert "the fr letter left it out for want of a fr value of its record text" in f["message"]
    # English has nothing left out: every record text has its English value
    assert not [f for f in findings(mission, "bilingual") if f["kind"] == "untranslated" and f["language"] == "en"]


def test_an_english_draft_lists_no_untranslated_record_text(mission: Database) -> None:
    create(mission, "english")
    assert not [f for f in findings(mission, "english") if f["kind"] == "untranslated"]


def test_rewriting_the_french_paragraph_takes_its_left_out_text_off_the_list(mission: Database, tmp_path: Path) -> None:
    _hijacking_place_without_french(mission)
    create(mission, "rewritten-fr", "--lang", "en", "--lang", "fr")
    listed = [f for f in findings(mission, "rewritten-fr") if f["kind"] == "untranslated" and f["paragraph"]]
    assert listed
    paragraph = listed[0]["paragraph"]
    prose = tmp_path / "fr.md"
    prose.write_text("Le paragraphe, réécrit en français par l'officier.", encoding="utf-8")
    result = run(mission, "set", "rewritten-fr", paragraph, "--lang", "fr", "--file", str(prose))
    assert result.exit_code == 0, result.output
    after = [f for f in findings(mission, "rewritten-fr") if f["kind"] == "untranslated" and f["language"] == "fr"]
    assert not [f for f in after if f["paragraph"] == paragraph and "has no fr value" in f["message"]]


def test_an_edited_closing_survives_a_refresh_and_reaches_the_export(mission: Database, tmp_path: Path) -> None:
    create(mission, "closing", "--symbol", "S/2021/520")
    prose = tmp_path / "closing.md"
    own = "I should be grateful if you would bring the present letter to the attention of the members of the Council."
    prose.write_text(own, encoding="utf-8")
    assert run(mission, "set", "closing", "closing", "--file", str(prose)).exit_code == 0
    result = run(mission, "refresh", "closing")
    assert result.exit_code == 0, result.output
    data = shown(mission, "closing")
    assert data["paragraphs"][-1] == {"id": "closing", "text": own}
    assert data["edited"] == ["closing"]
    assert data["paragraphs"][0]["id"] == "opening" and data["paragraphs"][0]["text"].startswith(OPENING)
    out = tmp_path / "letter.md"
    assert run(mission, "export", "closing", "--out", str(out)).exit_code == 0
    md = out.read_text(encoding="utf-8")
    assert own in md and CLOSING not in md
    assert md.index(own) < md.index("(Signed) António Guterres")


def test_the_page_shows_the_partial_strength_with_its_paragraph_and_the_symbol(mission: Database) -> None:
    letter = build_letter(mission, date(2021, 1, 1), date(2021, 5, 31))
    available = next(
        f for k, f in all_figures(letter).items() if k.startswith("rotations.") and k.endswith(".available")
    )
    assert available.coverage is not None and not available.coverage.complete
    accounts.add_account(mission, "tester", "writer", "reporting", password=PASSWORD)
    with TestClient(create_app(mission.settings, db=mission), follow_redirects=False) as client:
        token = csrf_of(client.get("/signin").text)
        signed = client.post("/signin", data={"name": "writer", "password": PASSWORD, "csrf_token": token, "next": "/"})
        assert signed.status_code == 303, signed.text
        token = csrf_of(client.get("/reports/drafts").text)
        form = {"csrf_token": token, "name": "paged", "from": FROM, "to": TO, "languages": ["en"],
                "symbol": "S/2021/520", "date": "2021-06-01"}  # fmt: skip
        assert client.post("/reports/drafts", data=form).status_code == 303
        page = client.get("/reports/drafts/paged")
        assert page.status_code == 200 and "S/2021/520" in page.text
        assert page.text.index('id="p-opening"') < page.text.index('id="p-closing"')
        checked = client.get("/reports/drafts/paged/check")
        assert checked.status_code == 200
        said = f"paragraph rotations: {{{{{available.key}}}}} is partial: {available.coverage.sentence('strength')}"
        assert said in checked.text
