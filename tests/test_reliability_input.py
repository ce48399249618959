"""Hostile and broken input, through the command line's import and the API's upload: every bad
file gets a clear refusal that names the file (and the row and column when it is about one),
the data is left exactly as it was, and no traceback reaches the user. Then generated rows
(Hypothesis) through the importer, and bad bodies and parameters through the API.

The corpus is built here (the large files and the zip bomb are made on the fly, never kept)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from bluehelmet.cli import cli
from bluehelmet.imports.registry import table_importer
from bluehelmet.imports.tables import FileProblem
from bluehelmet.services import loading, records
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.tables import metadata
from bluehelmet.web.api.files import MAX_UPLOAD_BYTES
from tests.test_web_api import World, build_world, incident_body

HEADER = "external_id,event_date,event_type,sub_event_type,location,latitude,longitude,fatalities,notes\n"
ROW = "X-{n},2021-03-01,Battles,Armed clash,Place east,15.6,0.5,1,{notes}\n"


def _good(n: int = 1, notes: str = "ok") -> str:
    return ROW.format(n=n, notes=notes)


def _xlsx_bomb(unpacked: int = 100 * 1024 * 1024) -> bytes:
    """A well-formed workbook whose sheet unpacks a thousand times its packed size."""
    book = Workbook()
    book.active.append(["name"])  # type: ignore[union-attr]
    book.active.append(["Sector Bomb"])  # type: ignore[union-attr]
    plain, bomb = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, content)
                continue
            head, tail = content.split(b"<sheetData>")
            with out.open(info.filename, "w", force_zip64=True) as part:
                part.write(head + b"<sheetData>")
                for _ in range(unpacked >> 20):
                    part.write(b" " * (1 << 20))
                part.write(tail)
    return bomb.getvalue()


def _million_empty_rows() -> bytes:
    return (HEADER + ",,,,,,,,\n" * 1_000_000).encode()


def _fifty_megabyte_field() -> bytes:
    return (HEADER + _good(notes="a" * (50 * 1024 * 1024))).encode()


#: name -> (kind, file name, content or a maker of it, what the refusal must say)
CORPUS: dict[str, tuple[str, str, bytes | Callable[[], bytes], str]] = {
    "latin-1": ("sector", "s.csv", "name\nSécteur Nörd\n".encode("cp1252"), "s.csv: is not UTF-8 text"),
    "UTF-16 with its BOM": ("sector", "s.csv", "name\nSector X\n".encode("utf-16"), "is not UTF-8 text"),
    "binary": ("incident", "i.csv", bytes(range(256)) * 20, "i.csv: is not UTF-8 text"),
    "empty": ("incident", "i.csv", b"", "i.csv: is empty"),
    "a header only": ("incident", "i.csv", HEADER.encode(), "no rows of data"),
    "a million empty rows": ("incident", "i.csv", _million_empty_rows,
                             "i.csv: has no rows of data"),
    "a missing column": ("incident", "i.csv", b"external_id,event_type,sub_event_type\nX,Battles,Armed clash\n",
                         "row 2, column event_date: field required"),
    "an extra column": ("incident", "i.csv", (HEADER.strip() + ",colour\n" + _good().strip() + ",blue\n").encode(),
                        "row 2, column colour ('blue'): is not a column"),
    "extra cells": ("incident", "i.csv", (HEADER + _good().strip() + ",surplus\n").encode(),
                    "i.csv, row 2: has 10 cells but the header names 9"),
    "bad dates": ("incident", "i.csv", (HEADER + _good().replace("2021-03-01", "2021-02-30")
                                        + _good(2).replace("2021-03-01", "31/12/2021")).encode(),
                  "row 3, column event_date ('31/12/2021')"),
    "impossible coordinates": ("incident", "i.csv", (HEADER + _good().replace("15.6", "91")
                                                     + _good(2).replace("0.5", "nan")).encode(),
                               "row 2, column latitude ('91'): 91.0 is not a latitude"),
    "a number past 32 bits": ("incident", "i.csv", (HEADER + _good().replace(",1,ok", ",2147483648,ok")).encode(),
                              "row 2, column fatalities ('2147483648'): 2147483648 is too large to store"),
    "a reference past 64 bits": ("incident", "i.csv", (HEADER + _good().replace("Place east", "#" + "9" * 25)).encode(),
                                 "row 2, column location"),
    "5,000 digits": ("incident", "i.csv", (HEADER + _good().replace(",1,ok", "," + "9" * 5000 + ",ok")).encode(),
                     "row 2, column fatalities"),
    "a NUL character": ("incident", "i.csv", (HEADER + _good(notes="a\x00b")).encode(),
                        "row 2, column notes ('a\\x00b'): contains a NUL character"),
    "a 50 MB field": ("incident", "i.csv", _fifty_megabyte_field,
                      "i.csv, row 2: has a cell longer than 1,000,000 characters"),
    "an open quote": ("incident", "i.csv", (HEADER + '"X-1,2021-03-01' + "x" * 1_100_000).encode(),
                      "has a cell longer than"),
    "not a workbook": ("incident", "i.xlsx", b"PK\x03\x04 garbage", "i.xlsx: is not a readable XLSX workbook"),
    "a zip bomb": ("sector", "s.xlsx", _xlsx_bomb, "s.xlsx: part xl/worksheets/sheet1.xml unpacks"),
    "HXL without tags": ("hxl", "h.csv", b"Date,Type,Sub\n2021-01-01,Battles,Armed clash\n", "no HXL hashtag row"),
    "HXL with broken tags": ("hxl", "h.csv", b"a,b,c,d\n#date+occurred,#event+type,#event+type+sub,#geo+lat+++\n"
                             b"2021-01-01,Battles,Armed clash,15\n", "malformed HXL hashtags: #geo+lat+++"),
    "HXL with a bad date": ("hxl", "h.csv", b"a,b,c\n#date+occurred,#event+type,#event+type+sub\n"
                            b"2021-13-01,Battles,Armed clash\n", "row 3, column #date+occurred"),
}  # fmt: skip


def _content(entry: tuple[str, str, bytes | Callable[[], bytes], str]) -> bytes:
    made = entry[2]
    return made() if callable(made) else made


def _everything(db: Database) -> dict[str, int]:
    """Rows per table: what "the data is unchanged" is checked against."""
    from sqlalchemy import func, select  # noqa: PLC0415

    with db.engine.connect() as conn:
        return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in metadata.sorted_tables}


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


def test_every_bad_file_is_refused_clearly_by_the_command_and_the_api(world: World, tmp_path: Path) -> None:
    url = world.db.engine.url.render_as_string(hide_password=False)
    before = _everything(world.db)
    runner = CliRunner()
    for name, entry in CORPUS.items():
        kind, file_name, _, reason = entry
        content = _content(entry)
        path = tmp_path / file_name
        path.write_bytes(content)
        result = runner.invoke(cli, ["--db", url, "--actor", "tester", "import", kind, str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), name
        assert reason in result.output and "Traceback" not in result.output, (name, result.output[:500])
        assert len(result.output) < 20_000, name  # a refusal names the value, it does not print 50 MB back
        assert _everything(world.db) == before, name

        upload = {"file": (file_name, content, "text/csv")}
        answer = world.call("admin", "POST", f"/api/import/{kind}", files=upload)
        if len(content) > MAX_UPLOAD_BYTES:
            assert answer.status_code == 413, (name, answer.text[:300])
        else:
            assert answer.status_code == 422, (name, answer.status_code, answer.text[:300])
            _names_the_problem(answer.json(), reason, name)
        assert _everything(world.db) == before, name


def _names_the_problem(body: dict[str, Any], reason: str, name: str) -> None:
    """The API's 422 says what the command said: the row problem by row and column, or the
    file's problem as the reason of its ``file`` field."""
    if match := re.match(r"row (\d+), column ([^ :]+)", reason):
        found = {(p["row"], p["column"]) for p in body["problems"]}
        assert (int(match.group(1)), match.group(2)) in found, (name, body)
        return
    said = " ".join(p["reason"] for p in body["detail"] if p["field"] == "file")
    assert reason.split(": ", 1)[-1] in said, (name, body)


def test_formulas_are_kept_as_text_and_neutralised_on_the_way_out(world: World, tmp_path: Path) -> None:
    formulas = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://evil")']
    lines = "".join(_good(n, '"' + f.replace('"', '""') + '"') for n, f in enumerate(formulas))
    path = tmp_path / "formulas.csv"
    path.write_text(HEADER + lines, encoding="utf-8")
    importer = table_importer("incident")
    report = loading.load(world.db, "tester", "Incident", importer.rows(path))
    assert report.problem_count == 0 and report.created == len(formulas), report.problems
    with world.db.transaction("tester") as tx:
        stored = {r.notes for r in records.list_records(tx, "Incident")}  # type: ignore[attr-defined]
    assert set(formulas) <= stored, stored
    exported = world.call("admin", "GET", "/api/export/incident").content.decode("utf-8-sig")
    for formula in formulas:
        assert f"'{formula}" in exported.replace('""', '"')  # a spreadsheet shows it, never runs it


@pytest.fixture(scope="module")
def loader_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Database]:
    """One database for every generated example (a fresh one per example would take minutes)."""
    import shutil  # noqa: PLC0415

    from bluehelmet.config import Settings  # noqa: PLC0415

    path = tmp_path_factory.mktemp("hypothesis") / "mission.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    build_world(database)
    yield database
    database.close()


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "2021-01-01", "Battles", "Armed clash", "Place east", "#1", "#0", "1e309", "-1", "nan",
                     "=1+1", '"', "\r\n", "\ufeff", "\x00", "9" * 40, "true"]),
)  # fmt: skip
COLUMNS = ["external_id", "event_date", "event_type", "sub_event_type", "location", "latitude", "fatalities", "notes"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(rows=st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS, CELL)), min_size=1, max_size=4),
       extra=st.lists(st.text(min_size=1, max_size=8), max_size=2))  # fmt: skip
def test_generated_rows_are_loaded_whole_or_refused_with_reasons(
    loader_db: Database, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]], extra: list[str]
) -> None:
    import csv  # noqa: PLC0415

    path = tmp_path_factory.mktemp("rows") / "incidents.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS + extra)
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS] + ["x"] * len(extra))
    before = _everything(loader_db)
    try:
        report = loading.load(loader_db, "tester", "Incident", table_importer("incident").rows(path))
    except FileProblem as refused:
        assert str(refused).startswith("incidents.csv"), refused
        assert _everything(loader_db) == before
        return
    if report.problem_count:
        assert not report.written and _everything(loader_db) == before
        assert all(p.row >= 2 and p.column and p.reason for p in report.problems), report.problems
    else:
        assert report.created + report.updated + report.unchanged == report.rows


def test_bad_bodies_and_parameters_are_refused_by_field(world: World) -> None:
    path = "/api/records/incident"
    east = f"{path}/{world.ids['incident_east']}"
    bodies: list[tuple[str, str, Any]] = [
        ("POST", path, b"{not json"),
        ("POST", path, b"[]"),
        ("POST", path, b'"text"'),
        ("POST", path, b"null"),
        ("POST", path, json.dumps(incident_body(world, fatalities=10**30)).encode()),
        ("POST", path, json.dumps(incident_body(world, responding_unit_ids=[2**70])).encode()),
        ("POST", path, json.dumps(incident_body(world, location_id=2**40)).encode()),
        ("POST", path, json.dumps(incident_body(world, notes="a\x00b")).encode()),
        ("POST", path, json.dumps(incident_body(world, latitude="NaN")).encode()),
        ("POST", path, b'{"a": ' * 5000 + b"1" + b"}" * 5000),
        ("POST", path, json.dumps(incident_body(world, notes="x" * 2_000_000)).encode()),
        ("PATCH", east, b'{"version": 1e400}'),
        ("PATCH", east, json.dumps({"version": 2**64, "notes": "x"}).encode()),
        ("PATCH", east, json.dumps({"version": 1, "event_date": "2021-02-30"}).encode()),
        ("PATCH", east, json.dumps({"version": 1, "fatalities": 2**40, "notes": "a\x00b"}).encode()),
    ]
    for method, url, body in bodies:
        headers = {**world.headers("analyst"), "content-type": "application/json"}
        answer = world.client.request(method, url, content=body, headers=headers)
        # 400 only for a body JSON cannot parse at all (5,000 nested objects): FastAPI's own refusal
        assert answer.status_code in (201, 400, 409, 413, 422), (body[:80], answer.status_code, answer.text[:300])
        assert answer.status_code != 400 or body.startswith(b'{"a": {'), answer.text
        if answer.status_code == 422:
            assert all(p["field"] for p in answer.json()["detail"]), answer.text[:300]
    for params in ({"category": ""}, {"event_type": "Picnic"}, {"category": "x\x00"}, {"by": "year", "admin1": "\x00"}):
        answer = world.call("reporting", "GET", "/api/stats/incidents", params=params)
        assert answer.status_code == 422, (params, answer.text[:300])
    with pytest.raises(Exception, match="is not one of"):
        IncidentFilter(where={"category": [""]})
    result = CliRunner().invoke(cli, ["--db", world.db.engine.url.render_as_string(hide_password=False), "stats",
                                      "incidents", "--category", ""])  # fmt: skip
    assert result.exit_code == 1 and result.output.startswith("error: --category '' is not one of"), result.output
    filters = {"fatalities": 2**40}
    with world.db.transaction("tester") as tx, pytest.raises(Exception, match="too large to store"):
        records.list_records(tx, "Incident", filters)
