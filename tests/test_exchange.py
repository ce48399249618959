"""Templates, imports and exports in bluehelmet's own columns: all or nothing, round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bluehelmet.cli import cli
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import snapshot
from bluehelmet.exports.writers import write, write_template
from bluehelmet.imports.tables import FileProblem, read_table
from bluehelmet.services import exchange, exporting, loading, records
from bluehelmet.services.database import Database
from tests import factories


def _csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def mission(db: Database) -> str:
    with db.transaction("tester") as tx:
        created = factories.make(tx, "Mission", name="MINUSMA")
        factories.make(tx, "Sector", mission_id=created.id, name="Sector East")
    return "MINUSMA"


UNIT_HEADER = ["name", "component", "unit_type", "sector", "deployed_strength", "notes"]


def test_a_good_file_loads_and_loading_it_again_changes_nothing(db: Database, mission: str, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "units.csv", UNIT_HEADER,
        ["INF BN 1", "military", "infantry_battalion", "sector east", "645", "=HYPERLINK(1)"],
        ["FPU 2", "police", "formed_police_unit", "Sector East", "20", ""],
    )  # fmt: skip
    first = loading.load(db, "importer", "Unit", read_table(path), mission=mission, source="units.csv")
    assert (first.created, first.problem_count, first.written) == (2, 0, True)
    again = loading.load(db, "importer", "Unit", read_table(path), mission=mission)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with db.transaction("reader") as tx:
        (unit,) = records.list_records(tx, "Unit", {"name": "INF BN 1"})
        assert unit.deployed_strength == 645
        assert unit.notes == "=HYPERLINK(1)"
        assert unit.provenance == "units.csv"


def test_one_bad_row_writes_nothing_and_every_problem_is_reported(db: Database, mission: str, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "units.csv", UNIT_HEADER,
        ["INF BN 1", "military", "infantry_battalion", "Sector East", "645", ""],
        ["INF BN 2", "military", "tank_battalion", "Sector East", "-3", ""],
        ["INF BN 3", "military", "infantry_battalion", "Sector Nowhere", "lots", ""],
    )  # fmt: skip
    report = loading.load(db, "importer", "Unit", read_table(path), mission=mission)
    assert not report.written
    found = {(p.row, p.column, p.value) for p in report.problems}
    assert (3, "unit_type", "tank_battalion") in found
    assert (4, "sector", "Sector Nowhere") in found
    assert (4, "deployed_strength", "lots") in found
    with db.transaction("reader") as tx:
        assert records.count(tx, "Unit") == 0


def test_dry_run_checks_everything_and_writes_nothing(db: Database, mission: str, tmp_path: Path) -> None:
    path = _csv(tmp_path / "u.csv", UNIT_HEADER, ["INF BN 1", "military", "infantry_battalion", "", "645", ""])
    report = loading.load(db, "importer", "Unit", read_table(path), mission=mission, dry_run=True)
    assert (report.created, report.problem_count, report.written) == (1, 0, False)
    with db.transaction("reader") as tx:
        assert records.count(tx, "Unit") == 0


def test_a_template_lists_every_column_and_its_description_row_is_skipped(tmp_path: Path) -> None:
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"unit.{fmt}"
        write_template(fmt, path, exchange.columns(records.kind_of("Unit")))
        assert list(read_table(path)) == []  # nothing but header and descriptions
    with (tmp_path / "unit.csv").open(encoding="utf-8-sig") as handle:
        header, descriptions = list(csv.reader(handle))
    assert header[0] == "name" and header[-1] == "provenance"
    assert "sector" in header and "sector_id" not in header
    assert descriptions[header.index("component")] == "[required] one of: military, police, civilian"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("name;component\n\xe9t\xe9;military\n".encode("latin-1"), "is not UTF-8"),
        (b"name,name\nA,B\n", "appears twice in the header"),
        (b"", "is empty"),
        (b"name,component\nA,military,extra\n", "has 3 cells but the header names 2"),
    ],
)
def test_unreadable_files_are_refused_with_the_file_and_the_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=reason) as refused:
        list(read_table(path))
    assert str(refused.value).startswith("bad.csv")


def test_semicolon_files_and_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    path = tmp_path / "fr.csv"
    path.write_bytes("\ufeffname;unit_type\nSévaré;infantry_battalion\n".encode())
    assert list(read_table(path)) == [(2, {"name": "Sévaré", "unit_type": "infantry_battalion"})]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("cls", ENTITIES, ids=entity_name)
def test_every_kind_exports_and_imports_back_as_the_same_records(
    db: Database, tmp_path: Path, cls: type, fmt: str
) -> None:
    with db.transaction("tester") as tx:
        record = factories.make(tx, cls.__name__, notes="=1+1") if "notes" in cls.__dataclass_fields__ else None
        record = record or factories.make(tx, cls.__name__)
        # a mission, a country and a child record are exported without naming a mission
        mission = records.get(tx, "Mission", record.mission_id).name if hasattr(record, "mission_id") else None
        before = snapshot(record)
    columns, rows = exporting.export_rows(db, cls, mission=mission)
    path = tmp_path / f"{entity_name(cls)}.{fmt}"
    assert write(fmt, path, columns, rows) >= 1
    report = loading.load(db, "importer", cls, read_table(path), mission=mission)
    assert report.problems == [] and report.created == 0 and report.updated == 0, report.problems
    with db.transaction("reader") as tx:
        assert snapshot(records.get(tx, cls, record.id)) == before


def test_export_filters_by_date_and_writes_geojson_points(db: Database, tmp_path: Path) -> None:
    with db.transaction("tester") as tx:
        first = factories.make(tx, "Incident", event_date="2021-01-10")
        factories.make(tx, "Incident", mission_id=first.mission_id, event_date="2021-03-10")
        name = records.get(tx, "Mission", first.mission_id).name
    result = CliRunner().invoke(
        cli,
        ["--db", db.settings.database_url, "export", "incident", "--format", "geojson", "--mission", name,
         "--from", "2021-03-01", "--to", "2021-03-31", "--out", str(tmp_path / "i.geojson"), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] == 1
    features = json.loads((tmp_path / "i.geojson").read_text())["features"]
    assert [f["properties"]["event_date"] for f in features] == ["2021-03-10"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [0.8587, 19.4613]}


def test_exported_text_that_looks_like_a_formula_is_neutralised(db: Database, tmp_path: Path) -> None:
    with db.transaction("tester") as tx:
        unit = factories.make(tx, "Unit", notes="@SUM(A1)", status_reason="-1+2")
        name = records.get(tx, "Mission", unit.mission_id).name
    columns, rows = exporting.export_rows(db, "Unit", mission=name)
    write("csv", tmp_path / "u.csv", columns, rows)
    cells = dict(read_table(tmp_path / "u.csv"))[2]
    assert cells["notes"] == "'@SUM(A1)" and cells["status_reason"] == "'-1+2"
    assert cells["deployed_strength"] == "845"  # numbers are not touched


def test_control_characters_go_to_a_spreadsheet_and_come_back(db: Database, tmp_path: Path) -> None:
    notes = "bell\x07 unit\x1f sep; the text _x0041_ stays as typed"
    with db.transaction("tester") as tx:
        unit = factories.make(tx, "Unit", notes=notes)
        name = records.get(tx, "Mission", unit.mission_id).name
        before = snapshot(unit)
    columns, rows = exporting.export_rows(db, "Unit", mission=name)
    write("xlsx", tmp_path / "u.xlsx", columns, rows)  # the sheet's XML cannot hold \x07: escaped, not refused
    assert dict(read_table(tmp_path / "u.xlsx"))[2]["notes"] == notes
    report = loading.load(db, "importer", "Unit", read_table(tmp_path / "u.xlsx"), mission=name)
    assert report.problems == [] and report.updated == 0
    with db.transaction("reader") as tx:
        assert snapshot(records.get(tx, "Unit", unit.id)) == before


@given(st.text())
def test_sheet_text_holds_only_what_xml_can_and_undoes_to_the_same_text(text: str) -> None:
    written = exchange.sheet_text(text)
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in written)
    assert exchange.text_from_sheet(written) == text


def test_a_spreadsheets_own_escapes_are_read_as_the_characters_they_stand_for() -> None:
    assert exchange.text_from_sheet("line_x000B_tab and _x005F_x0041_") == "line\x0btab and _x0041_"


def test_the_import_command_reports_problems_and_exits_non_zero(db: Database, mission: str, tmp_path: Path) -> None:
    path = _csv(tmp_path / "units.csv", UNIT_HEADER, ["X", "military", "tank", "", "1", ""])
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "unit", str(path)])
    assert result.exit_code == 1
    assert "row 2, column unit_type ('tank'): input should be" in result.stdout
    assert "1 problem(s): nothing was written" in result.stdout


def test_doubtful_rows_load_with_warnings(db: Database, mission: str, tmp_path: Path) -> None:
    places = _csv(
        tmp_path / "places.csv", ["name", "kind", "latitude", "longitude"],
        ["Echefell", "village", "", ""], ["Ménaka", "town", "15.918", "2.402"],
    )  # fmt: skip
    report = loading.load(db, "importer", "Location", read_table(places), mission=mission)
    assert report.written and report.created == 2
    assert [(w.row, w.column) for w in report.warnings] == [(2, "latitude")]
    assert "Echefell' has no coordinates" in report.warnings[0].reason
    incidents = _csv(
        tmp_path / "incidents.csv",
        ["external_id", "event_date", "event_type", "sub_event_type", "location", "latitude", "longitude"],
        ["A1", "2021-01-05", "Battles", "Armed clash", "Menaka", "15.918", "-2.402"],
        ["A2", "2021-01-06", "Battles", "Armed clash", "Menaka", "15.92", "2.40"],
    )  # fmt: skip
    report = loading.load(db, "importer", "Incident", read_table(incidents), mission=mission)
    assert report.written and report.created == 2
    assert [(w.row, w.column) for w in report.warnings] == [(2, "latitude")]
    assert "km from Ménaka" in report.warnings[0].reason


def test_an_import_says_which_mission_is_missing_or_ambiguous(db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path / "u.csv", UNIT_HEADER, ["INF BN 1", "military", "infantry_battalion", "", "645", ""])
    with pytest.raises(BluehelmetError, match="no mission here yet"):
        loading.load(db, "importer", "Unit", read_table(path))
    with db.transaction("tester") as tx:
        factories.make(tx, "Mission", name="MINUSMA")
        factories.make(tx, "Mission", name="MINUSCA")
    with pytest.raises(BluehelmetError, match=r"say which mission with --mission \(missions here: MINUSMA, MINUSCA\)"):
        loading.load(db, "importer", "Unit", read_table(path))
    assert loading.load(db, "importer", "Unit", read_table(path), mission="MINUSCA").created == 1
