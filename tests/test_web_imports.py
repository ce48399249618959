"""The Imports page (no browser: TestClient), on both backends: CSV and XLSX in bluehelmet's
columns and the other layouts (ACLED here), the templates the command line writes, the same
row-by-row report, all or nothing; hostile files (not UTF-8, not a workbook, a zip bomb, too
large) answered with a one-line reason naming the file; roles that may not import refused."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.imports import registry
from bluehelmet.services import column_load, loading, records, rollups
from bluehelmet.web.pages import imports as imports_page
from tests.test_imports_external import acled_row
from tests.test_web_api import PASSWORD, World, build_world

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(db: object) -> Iterator[World]:
    built = build_world(db)  # type: ignore[arg-type]
    with built.client:
        yield built


def _signed_in(world: World, name: str) -> str:
    """Sign ``name`` in; the CSRF token of its session."""
    world.client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([^"]+)"', world.client.get("/signin").text)
    assert token
    answer = world.client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token[1]})
    assert answer.status_code in (200, 303)
    found = re.search(r'name="csrf_token" value="([^"]+)"', world.client.get("/imports").text)
    assert found
    return found[1]


def _post(world: World, token: str, path: str, name: str, content: bytes, kind: str = CSV_TYPE, **form: str) -> object:
    return world.client.post(path, data={"csrf_token": token, **form}, files={"file": (name, content, kind)})


def _incident_count(world: World) -> int:
    with world.db.transaction("tester") as tx:
        return len(records.list_records(tx, "Incident"))


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_templates_are_those_the_command_line_writes(world: World, tmp_path: Path) -> None:
    _signed_in(world, "viewer-user")
    page = world.client.get("/imports").text
    assert 'href="/imports/template/incident?format=xlsx"' not in page  # a viewer may not import: no templates
    _signed_in(world, "analyst-user")
    page = world.client.get("/imports").text
    assert 'href="/imports/template/incident?format=xlsx"' in page and "acled: ACLED exports" in page
    for fmt in ("csv", "xlsx"):
        written = tmp_path / f"incident-template.{fmt}"
        result = CliRunner().invoke(cli, ["template", "incident", "--format", fmt, "--out", str(written)])
        assert result.exit_code == 0, result.output
        answer = world.client.get("/imports/template/incident", params={"format": fmt})
        assert answer.status_code == 200
        assert answer.headers["content-disposition"] == f'attachment; filename="incident-template.{fmt}"'
        if fmt == "csv":
            assert answer.content == written.read_bytes()
        else:
            ours_book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
            theirs_book = openpyxl.load_workbook(written, read_only=True)  # read only: open until closed
            try:
                ours, theirs = ours_book.active, theirs_book.active
                assert ours is not None and theirs is not None
                assert list(ours.values) == list(theirs.values)
            finally:
                ours_book.close()
                theirs_book.close()
    assert world.client.get("/imports/template/incident", params={"format": "pdf"}).status_code == 404
    assert world.client.get("/imports/template/nothing").status_code == 404


def test_an_xlsx_in_bluehelmets_columns_loads_and_a_bad_row_writes_nothing(world: World) -> None:
    token = _signed_in(world, "analyst-user")
    header = ["external_id", "event_date", "event_type", "sub_event_type", "latitude", "longitude"]
    good = ["XL-1", "2021-03-01", "Battles", "Armed clash", 16.27, -0.04]
    before = _incident_count(world)
    bad = _post(world, token, "/imports/Incident", "week.xlsx", _xlsx([header, good, ["XL-2", "2021-02-30", "Battles",
                "Armed clash", 16.2, -0.1]]), XLSX_TYPE)  # fmt: skip
    assert bad.status_code == 422  # type: ignore[attr-defined]
    text = bad.text  # type: ignore[attr-defined]
    assert 'id="row-problems"' in text and "nothing was written" in text
    assert re.search(r'<td class="num">3</td><td>event_date', text)
    assert _incident_count(world) == before
    loaded = _post(world, token, "/imports/Incident", "week.xlsx", _xlsx([header, good]), XLSX_TYPE)
    assert loaded.status_code == 200, loaded.text[:500]  # type: ignore[attr-defined]
    assert "week.xlsx: 1 rows read; 1 created" in loaded.text  # type: ignore[attr-defined]
    assert _incident_count(world) == before + 1


def test_an_acled_file_loads_through_its_layout_with_a_dry_run_first(world: World) -> None:
    token = _signed_in(world, "analyst-user")
    rows = [acled_row("MLI9001"), acled_row("MLI9002", event_date="3 February 2021")]
    body = io.StringIO()
    header = list(rows[0])
    body.write(",".join(header) + "\n")
    for row in rows:
        body.write(",".join(f'"{row[c]}"' for c in header) + "\n")
    content = body.getvalue().encode()
    before = _incident_count(world)
    dry = _post(world, token, "/imports/layout/acled", "acled-mali.csv", content, dry_run="on")
    assert dry.status_code == 200, dry.text[:800]  # type: ignore[attr-defined]
    assert "Dry run: 2 rows would be written" in dry.text and _incident_count(world) == before  # type: ignore[attr-defined]
    loaded = _post(world, token, "/imports/layout/acled", "acled-mali.csv", content)
    assert "acled import: acled-mali.csv: 2 rows read; 2 created" in loaded.text  # type: ignore[attr-defined]
    assert _incident_count(world) == before + 2


def _acled_csv(ids: list[str]) -> bytes:
    rows = [acled_row(event_id) for event_id in ids]
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(f'"{row[c]}"' for c in header) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_an_acled_upload_on_the_page_or_the_api_is_written_in_columns(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both web doors take the command line's entry (``import_file``): an ACLED file's clean new
    rows go in by the columnar path's set-based writer, not row by row, with the same report."""
    written: list[int] = []
    row_by_row: list[str] = []
    write, load = column_load._Writer.write, loading.load

    def counted(self: column_load._Writer, batch: column_load.ColumnBatch, report: loading.LoadReport) -> None:
        written.append(len(batch.numbers))
        write(self, batch, report)

    def refused(*args: object, **kwargs: object) -> loading.LoadReport:
        row_by_row.append(str(kwargs.get("source")))
        return load(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(column_load._Writer, "write", counted)
    monkeypatch.setattr(registry.loading, "load", refused)
    token = _signed_in(world, "analyst-user")
    before = _incident_count(world)
    page = _post(world, token, "/imports/layout/acled", "acled-gao.csv", _acled_csv(["MLI9101", "MLI9102", "MLI9103"]))
    assert page.status_code == 200, page.text[:800]  # type: ignore[attr-defined]
    assert "acled import: acled-gao.csv: 3 rows read; 3 created" in page.text  # type: ignore[attr-defined]
    assert sum(written) == 3 and row_by_row == []
    api = world.call("analyst", "POST", "/api/import/acled", files={"file": ("acled-kidal.csv", _acled_csv(
        ["MLI9201", "MLI9202"]), CSV_TYPE)})  # fmt: skip
    assert api.status_code == 200, api.text
    assert (api.json()["source"], api.json()["created"]) == ("acled import: acled-kidal.csv", 2)
    assert sum(written) == 5 and row_by_row == [] and _incident_count(world) == before + 5
    assert rollups.check(world.db) == []


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.csv", "event_date,notes\n2021-01-01,Sévaré\n".encode("latin-1"), "UTF-8"),
        ("fake.xlsx", b"this is not a workbook", "not"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_a_hostile_file_gets_one_line_naming_it(world: World, name: str, content: bytes, reason: str) -> None:
    token = _signed_in(world, "analyst-user")
    answer = _post(world, token, "/imports/Incident", name, content)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    alert = re.search(r'<p class="alert error" role="alert">([^<]*)</p>', answer.text)  # type: ignore[attr-defined]
    assert alert, answer.text[:600]  # type: ignore[attr-defined]
    assert alert[1].startswith(name) and reason in alert[1] and "\n" not in alert[1].strip()
    assert "Traceback" not in answer.text  # type: ignore[attr-defined]


def test_a_zip_bomb_is_refused_before_it_unpacks(world: World) -> None:
    token = _signed_in(world, "analyst-user")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(60):  # 60 MB of zeros: about 60 KB packed
                part.write(zeros)
    answer = _post(world, token, "/imports/Incident", "bomb.xlsx", out.getvalue(), XLSX_TYPE)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "zip bomb" in answer.text and "bomb.xlsx" in answer.text  # type: ignore[attr-defined]


def test_a_file_too_large_for_the_page_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _signed_in(world, "analyst-user")
    monkeypatch.setattr(imports_page, "MAX_UPLOAD_BYTES", 1000)
    answer = _post(world, token, "/imports/Incident", "big.csv", b"x" * 5000)
    assert answer.status_code == 413  # type: ignore[attr-defined]
    assert "too large" in answer.text  # type: ignore[attr-defined]


def test_roles_that_may_not_import_a_layouts_kind_are_refused(world: World) -> None:
    content = b"event_id_cnty\nMLI1\n"
    for who, path, status in (("evaluator-user", "/imports/layout/acled", 403), ("viewer-user", "/imports/layout/acled",
                              403), ("sector-user", "/imports/layout/acled", 403),
                              ("analyst-user", "/imports/layout/nothing", 404),
                              ("analyst-user", "/imports/layout/geopko", 403)):  # fmt: skip
        token = _signed_in(world, who)
        assert _post(world, token, path, "a.csv", content).status_code == status, (who, path)  # type: ignore[attr-defined]
