"""Imports in other layouts than bluehelmet's own: ACLED, HXL, Geo-PKO and RADPKO.

Small files are written by the tests; the real Geo-PKO and RADPKO tables are read in place from
the project's shared data folder (next to the repository).
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import SYSTEM_FIELDS, snapshot
from bluehelmet.domain.units import ContributingCountry, Unit
from bluehelmet.exports.writers import hxl_tag, write
from bluehelmet.imports import acled, deployments
from bluehelmet.imports import hxl as hxl_import
from bluehelmet.imports.acled_mapping import parse_acled_date
from bluehelmet.imports.registry import IMPORTERS
from bluehelmet.imports.tables import FileProblem
from bluehelmet.services import exchange, exporting, loading, records
from bluehelmet.services.database import Database, Transaction
from tests.conftest import require_shared_data

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RADPKO = DATA / "radpko-minusma-bases-2014-2019" / "radpko_bases_cc_y_MINUSMA.csv"
GEOPKO = DATA / "geo-pko-v2.3-minusma"


@pytest.fixture
def needs_data_present() -> None:
    require_shared_data(DATA)


needs_data = pytest.mark.usefixtures("needs_data_present")

CLASSIC = ["data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
           "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
           "interaction", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
           "geo_precision", "source", "source_scale", "notes", "fatalities", "timestamp", "iso3"]  # fmt: skip
PLACES = [("Aguelhok", 19.46, 0.86), ("Gao", 16.27167, -0.04472), ("Ménaka", 15.9182, 2.4022),
          ("Ansongo", 15.6597, 0.5022), ("Sévaré", 14.53, -4.09), ("Mopti", 14.4843, -4.18296)]  # fmt: skip


def acled_row(event_id: str, **cells: str) -> dict[str, str]:
    """A classic-layout ACLED row: a clash at Aguelhok unless ``cells`` say otherwise."""
    row = dict.fromkeys(CLASSIC, "")
    row.update(event_id_cnty=event_id, event_date="15 January 2021", year="2021", time_precision="1",
               event_type="Battles", sub_event_type="Armed clash",
               actor1="JNIM: Group for Support of Islam and Muslims", inter1="2",
               actor2="MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
               inter2="8", interaction="28", region="Western Africa", country="Mali", admin1="Kidal",
               admin2="Tessalit", admin3="Aguelhok", location="Aguelhok", latitude="19.4613", longitude="0.8587",
               geo_precision="1", source="Studio Tamani", source_scale="National", notes="Attack on the camp.",
               fatalities="3", timestamp="1618000000", iso="466", iso3="MLI")  # fmt: skip
    row.update(cells)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def mission(db: Database) -> str:
    """MINUSMA in Mali, with a few places in its gazetteer."""
    with db.transaction("tester") as tx:
        created = records.create(tx, "Mission", {"name": "MINUSMA", "country_iso3": "MLI", "min_latitude": 10.1,
                                 "max_latitude": 25.0, "min_longitude": -12.3, "max_longitude": 4.3})  # fmt: skip
        for name, lat, lon in PLACES:
            records.create(tx, "Location", {"mission_id": created.id, "name": name, "latitude": lat, "longitude": lon})
    return "MINUSMA"


def load_acled(db: Database, path: Path, mission: str = "MINUSMA") -> loading.LoadReport:
    return loading.load(db, "importer", "Incident", acled.acled_rows(path), mission=mission, source=path.name,
                        convert=acled.convert_acled)  # fmt: skip


def incidents(db: Database) -> dict[str, Incident]:
    with db.transaction("reader") as tx:
        found = records.list_records(tx, "Incident")
        return {i.external_id or "": i for i in found if isinstance(i, Incident)}


def test_the_importers_are_registered() -> None:
    assert {"acled": "Incident", "hxl": "Incident", "geopko": "Unit", "radpko": "Unit"}.items() <= {
        name: importer.kind for name, importer in IMPORTERS.items()
    }.items()


# ---------------------------------------------------------------- ACLED


def test_the_classic_layout_imports_every_column(db: Database, mission: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [
        acled_row("MLI1001"),
        acled_row("MLI1002", event_date="2021-02-03", time_precision="2", event_type="Explosions/Remote violence",
                  sub_event_type="Remote explosive/landmine/IED", actor2="Civilians (Mali)", inter2="7",
                  interaction="27", location="Douentza", admin1="Mopti", latitude="15.0015", longitude="-2.9497",
                  geo_precision="2", fatalities="2"),
        acled_row("MLI1003", event_type="Strategic developments", sub_event_type="Disrupted weapons use",
                  notes="An IED was found and defused by MINUSMA.", fatalities="0", actor2="", inter2="",
                  interaction="20", geo_precision="3", time_precision="3"),
        acled_row("MLI1004", event_type="Explosions/Remote violence",
                  sub_event_type="Shelling/artillery/missile attack", notes="Mortar rounds on the camp."),
    ])  # fmt: skip
    report = load_acled(db, path)
    assert (report.created, report.rows, report.problem_count) == (4, 4, 0), report.problems
    found = incidents(db)
    clash, ied, defused, mortar = (found[f"MLI100{n}"] for n in range(1, 5))
    assert clash.event_date == date(2021, 1, 15) and ied.event_date == date(2021, 2, 3)
    assert (clash.time_precision, ied.time_precision, defused.time_precision) == ("day", "week", "month")
    assert (clash.geo_precision, ied.geo_precision, defused.geo_precision) == ("exact", "near", "region")
    assert (clash.category, ied.category, defused.category, mortar.category) == (
        None, "ied_detonated", "ied_neutralised", "indirect_fire")  # fmt: skip
    assert clash.target == "mission" and ied.target is None
    assert clash.location_id is not None and ied.location_id is None and ied.location_name == "Douentza"
    assert (clash.admin1, clash.admin2, clash.admin3) == ("Kidal", "Tessalit", "Aguelhok")
    assert (clash.latitude, clash.longitude, clash.fatalities) == (19.4613, 0.8587, 3)
    assert (clash.inter1, clash.inter2, clash.interaction, clash.source_timestamp) == (2, 8, 28, 1618000000)
    assert clash.actor2.startswith("MINUSMA") and clash.source == "Studio Tamani" and clash.source_scale == "National"
    assert (clash.review_status, clash.provenance, clash.notes) == ("verified", "ACLED", "Attack on the camp.")


def test_the_newer_layout_reads_words_for_actor_types(db: Database, mission: str, tmp_path: Path) -> None:
    header = [*CLASSIC, "disorder_type", "civilian_targeting", "tags"]
    row = acled_row("MLI2001", event_date="2021-03-04", inter1="Identity militia", actor2="Civilians (Mali)",
                    inter2="Civilians", interaction="Identity militia-Civilians", disorder_type="Political violence",
                    civilian_targeting="Civilian targeting", tags="women targeted: girls",
                    event_type="Violence against civilians", sub_event_type="Attack")  # fmt: skip
    report = load_acled(db, write_csv(tmp_path / "new.csv", [row], header))
    assert report.problem_count == 0, report.problems
    event = incidents(db)["MLI2001"]
    assert (event.inter1, event.inter2, event.interaction) == (4, 7, 47)
    assert (event.disorder_type, event.civilian_targeting, event.target) == ("Political violence", True, "civilians")
    assert event.tags == "women targeted: girls"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("15 January 2021", date(2021, 1, 15)), ("2021-01-15", date(2021, 1, 15)), ("05 Jan 2021", date(2021, 1, 5)),
     ("2021-01-15 00:00:00", date(2021, 1, 15)), ("15-January-2021", date(2021, 1, 15)), ("15/01/2021", None),
     ("31 February 2021", None), ("15 Brumaire 2021", None), ("", None)],
)  # fmt: skip
def test_acled_dates_are_read_in_both_spellings(text: str, expected: date | None) -> None:
    assert parse_acled_date(text) == expected


def test_per_actor_rows_count_each_event_once(db: Database, mission: str, tmp_path: Path) -> None:
    """The published extracts without actor-2 columns repeat an event once per actor."""
    header = [c for c in CLASSIC if c not in ("actor2", "assoc_actor_2", "inter2")]
    rows = [
        acled_row("MLI3001", actor1="JNIM", inter1="2", fatalities="5"),
        acled_row("MLI3001", actor1="Military Forces of Mali (2021-)", assoc_actor_1="Dozo Militia", inter1="1",
                  fatalities="5"),
        acled_row("MLI3002", actor1="Protesters (Mali)", inter1="6", event_type="Protests",
                  sub_event_type="Peaceful protest", fatalities="0"),
    ]  # fmt: skip
    report = load_acled(db, write_csv(tmp_path / "monadic.csv", rows, header))
    assert (report.rows, report.created, report.problem_count) == (2, 2, 0), report.problems
    event = incidents(db)["MLI3001"]
    assert (event.fatalities, event.actor1, event.inter1) == (5, "JNIM", 2)
    assert (event.actor2, event.assoc_actor2, event.inter2) == ("Military Forces of Mali (2021-)", "Dozo Militia", 1)
    assert sum(i.fatalities for i in incidents(db).values()) == 5


def test_a_repeat_that_is_not_adjacent_updates_and_keeps_the_earlier_actor(
    db: Database, mission: str, tmp_path: Path
) -> None:
    later = acled_row("MLI4001", actor1="Military Forces of Mali (2021-)", inter1="1", actor2="", inter2="")
    rows = [acled_row("MLI4001", actor2="", inter2=""), acled_row("MLI4002"), later]
    report = load_acled(db, write_csv(tmp_path / "scattered.csv", rows))
    assert (report.rows, report.created, report.updated, report.problem_count) == (3, 2, 1, 0)
    event = incidents(db)["MLI4001"]
    assert (event.actor1, event.actor2, event.fatalities) == (
        "JNIM: Group for Support of Islam and Muslims", "Military Forces of Mali (2021-)", 3)  # fmt: skip
    assert [p.row for p in report.problems] == [] and report.rows == 3


def test_importing_again_changes_nothing_and_an_updated_file_updates_one_record(
    db: Database, mission: str, tmp_path: Path
) -> None:
    rows = [acled_row(f"MLI50{n:02}", fatalities=str(n)) for n in range(1, 6)]
    path = write_csv(tmp_path / "acled.csv", rows)
    assert load_acled(db, path).created == 5
    again = load_acled(db, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    rows[2]["fatalities"] = "30"
    updated = load_acled(db, write_csv(tmp_path / "acled-v2.csv", rows))
    assert (updated.created, updated.updated, updated.unchanged) == (0, 1, 4)
    changed = incidents(db)["MLI5003"]
    assert changed.fatalities == 30 and changed.provenance == "ACLED"
    with db.transaction("reader") as tx:
        history = records.history(tx, "Incident", changed.id or 0)
    assert [e.action for e in history] == ["create", "update"]
    assert (history[-1].before or {})["fatalities"] == 3 and (history[-1].after or {})["fatalities"] == 30


def test_an_analysts_review_survives_a_new_import(db: Database, mission: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row("MLI6001")])
    load_acled(db, path)
    event = incidents(db)["MLI6001"]
    with db.transaction("analyst") as tx:
        reopened = records.update(tx, "Incident", event.id or 0, {"review_status": "draft"}, version=event.version or 0)
        records.update(tx, "Incident", event.id or 0, {"review_status": "rejected", "category": "direct_attack"},
                       version=reopened.version or 0)  # fmt: skip
    report = load_acled(db, path)
    assert (report.unchanged, report.problem_count) == (1, 0)
    assert (incidents(db)["MLI6001"].review_status, incidents(db)["MLI6001"].category) == ("rejected", "direct_attack")


def test_an_unknown_event_type_is_a_row_problem_and_nothing_is_written(
    db: Database, mission: str, tmp_path: Path
) -> None:
    rows = [acled_row("MLI7001"), acled_row("MLI7002", event_type="Skirmish"), acled_row("MLI7003", fatalities="x")]
    report = load_acled(db, write_csv(tmp_path / "bad.csv", rows))
    assert not report.written
    found = {(p.row, p.column, p.value) for p in report.problems}
    assert {(3, "event_type", "Skirmish"), (4, "fatalities", "x")} <= found
    assert "not an ACLED event type" in next(p.reason for p in report.problems if p.column == "event_type")
    assert incidents(db) == {}


def test_coordinates_outside_the_country_are_problems_and_another_region_a_warning(
    db: Database, mission: str, tmp_path: Path
) -> None:
    rows = [acled_row("MLI8001", admin1="Mopti"), acled_row("MLI8002", latitude="13.51", longitude="2.11")]  # Niamey
    report = load_acled(db, write_csv(tmp_path / "where.csv", rows))
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "latitude", "13.51")]
    assert "outside MLI" in report.problems[0].reason
    assert [(w.row, w.column) for w in report.warnings] == [(2, "latitude")]
    assert "lies in Kidal, not in Mopti" in report.warnings[0].reason
    assert incidents(db) == {}


def test_an_xlsx_export_imports_like_a_csv(db: Database, mission: str, tmp_path: Path) -> None:
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CLASSIC)
    row = acled_row("MLI9001")
    sheet.append([date(2021, 1, 15) if c == "event_date" else row[c] for c in CLASSIC])
    book.save(tmp_path / "acled.xlsx")
    report = load_acled(db, tmp_path / "acled.xlsx")
    assert (report.created, report.problem_count) == (1, 0), report.problems
    assert incidents(db)["MLI9001"].event_date == date(2021, 1, 15)


def test_a_file_that_is_not_acled_is_refused_as_a_whole(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "units.csv", [{"name": "INF BN 1", "event_date": "2021-01-01"}])
    with pytest.raises(FileProblem, match="not an ACLED export: it has no event_id_cnty, event_type"):
        list(acled.acled_rows(path))


def test_the_acled_command_imports_and_reports(db: Database, mission: str, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "acled.csv", [acled_row("MLI1101"), acled_row("MLI1102", admin1="Gao")])
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "acled", str(good), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["created"], report["warnings"][0]["row"]) == (2, 3)
    bad = write_csv(tmp_path / "bad.csv", [acled_row("MLI1103", sub_event_type="Ambush")])
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "acled", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column sub_event_type ('Ambush'): is not an ACLED sub-event type" in result.output


def test_a_cell_larger_than_the_columnar_readers_block_is_refused_in_words(
    db: Database, mission: str, tmp_path: Path
) -> None:
    """A 3 MB notes cell (a runaway quote makes one) is more than pyarrow's block: the file is
    read row by row, which names the row and the field; no traceback, nothing written."""
    for notes, row in (("x" * 3_000_000, 2), ("é" * 700_000, 2), ("é" * 700_000, 3)):  # 3 MB, 1.4 MB
        rows = [acled_row("MLI1101"), acled_row("MLI1102")]
        rows[row - 2]["notes"] = notes
        huge = write_csv(tmp_path / "huge.csv", rows)
        result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "acled", str(huge)])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output[-500:]
        assert f"row {row}" in result.output and "characters" in result.output, result.output[:300]
        assert incidents(db) == {}


# ---------------------------------------------------------------- HXL


def test_an_hxl_export_of_incidents_imports_back_as_the_same_incidents(
    db: Database, mission: str, tmp_path: Path
) -> None:
    load_acled(db, write_csv(tmp_path / "acled.csv", [acled_row("MLI1201"), acled_row("MLI1202", location="Gao",
               admin1="Gao", latitude="16.27", longitude="-0.04", notes="=cmd|' /C calc'!A0")]))  # fmt: skip
    event = incidents(db)["MLI1201"]
    extra = {"event_time": "06:45:00", "perpetrator": "JNIM", "killed_peacekeepers": 1, "injured_civilians": 4,
             "explosives_used": True, "source_reliability": "B", "information_credibility": "2",
             "attackers_estimated": 200, "category": "complex_attack_on_camp"}  # fmt: skip
    with db.transaction("analyst") as tx:
        records.update(tx, "Incident", event.id or 0, extra, version=event.version or 0)
        twin = records.create(tx, "Mission", {"name": "MINUSMA copy", "country_iso3": "MLI"})
        for name, lat, lon in PLACES:
            records.create(tx, "Location", {"mission_id": twin.id, "name": name, "latitude": lat, "longitude": lon})
    columns, rows = exporting.export_rows(db, "Incident", mission="MINUSMA")
    path = tmp_path / "incidents-hxl.csv"
    assert write("hxl", path, columns, rows) == 2
    report = loading.load(db, "importer", "Incident", hxl_import.hxl_rows(path), mission="MINUSMA copy",
                          source=path.name, convert=hxl_import.convert_hxl)  # fmt: skip
    assert (report.created, report.problem_count) == (2, 0), report.problems

    def comparable(incident: Incident, tx: Transaction) -> dict[str, Any]:
        values = {k: v for k, v in snapshot(incident).items() if k not in {*SYSTEM_FIELDS, "mission_id"}}
        place = records.get(tx, "Location", incident.location_id) if incident.location_id else None
        values["location_id"] = getattr(place, "name", None)
        return values

    with db.transaction("reader") as tx:
        by_mission: dict[int, dict[str, Any]] = {}
        for incident in records.list_records(tx, "Incident"):
            assert isinstance(incident, Incident)
            by_mission.setdefault(incident.mission_id, {})[incident.external_id or ""] = comparable(incident, tx)
    original, copy = by_mission.values()
    assert original == copy
    assert original["MLI1201"]["location_id"] == "Aguelhok" and original["MLI1202"]["notes"].startswith("=cmd")


def test_bluehelmets_hxl_tags_are_all_understood() -> None:
    """The HXL import keeps its own table (imports may not import exports): keep it in step."""
    for column in exchange.columns(Incident):
        key = hxl_import.tag_key(hxl_tag(column.name))
        assert key in hxl_import.ACLED_TAGS or key in hxl_import.BLUEHELMET_TAGS or key == f"#x_{column.name}"


def test_an_hdx_style_hxl_file_imports_with_untagged_acled_columns(db: Database, mission: str, tmp_path: Path) -> None:
    path = tmp_path / "hdx.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["EVENT_ID_CNTY", "EVENT_DATE", "EVENT_TYPE", "SUB_EVENT_TYPE", "ACTOR1", "ADMIN1",
                         "LOCATION", "LATITUDE", "LONGITUDE", "FATALITIES", "NOTES"])  # fmt: skip
        writer.writerow(["#event+code", "#date+occurred", "#Event+Type", "", "#group+first+name", "#adm1+name",
                         "#loc+name", "#geo+lat", "#geo+lon", "#affected+killed", "#description"])  # fmt: skip
        writer.writerow(["MLI1301", "2021-01-15", "Battles", "Armed clash", "JNIM", "Kidal", "Aguelhok", "19.46",
                         "0.86", "4", "Clash."])  # fmt: skip
        writer.writerow(["MLI1302", "16 January 2021", "Riots", "Mob violence", "Rioters (Mali)", "Gao", "Gao",
                         "16.27", "-0.04", "zero", ""])  # fmt: skip
    report = loading.load(db, "importer", "Incident", hxl_import.hxl_rows(path), mission="MINUSMA",
                          convert=hxl_import.convert_hxl)  # fmt: skip
    assert [(p.row, p.column, p.value) for p in report.problems] == [(4, "#affected+killed", "zero")]
    path.write_text(path.read_text().replace("zero", "0"))
    report = loading.load(db, "importer", "Incident", hxl_import.hxl_rows(path), mission="MINUSMA",
                          convert=hxl_import.convert_hxl)  # fmt: skip
    assert (report.created, report.problem_count) == (2, 0)
    clash = incidents(db)["MLI1301"]
    assert (clash.sub_event_type, clash.actor1, clash.fatalities, clash.review_status) == (
        "Armed clash", "JNIM", 4, "draft")  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [("event_date,event_type\n2021-01-01,Battles\n", "has no HXL hashtag row"),
     ("a,b\n#date+occurred,#event+type\n2021-01-01,Battles\n", "has no column tagged #event+type+sub"),
     ("", "has no HXL hashtag row")],
)  # fmt: skip
def test_broken_hxl_is_refused_with_a_clear_error(
    db: Database, mission: str, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileProblem, match=re.escape(message)):
        list(hxl_import.hxl_rows(path))
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "hxl", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("error: broken.csv: ") and message in result.output


def test_the_hxl_command_imports(db: Database, mission: str, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,date,type,sub\n#event+code,#date,#event+type,#event+type+sub\n"
                    "MLI1401,2021-01-15,Battles,Armed clash\n", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "hxl", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 new" in result.output


# ---------------------------------------------------------------- Geo-PKO and RADPKO


def units(tx: Transaction, filters: dict[str, Any] | None = None) -> list[Unit]:
    return [u for u in records.list_records(tx, "Unit", filters) if isinstance(u, Unit)]


def menaka_row() -> tuple[int, dict[str, str]]:
    """RADPKO's Ménaka row of 2019 (the file's latest year), with its row number."""
    with RADPKO.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if row["base"] == "menaka" and row["year"] == "2019":
                return number, row
    raise AssertionError("no menaka row for 2019")


@needs_data
def test_the_real_radpko_table_imports_with_menaka_flagged(db: Database, mission: str) -> None:
    report = loading.load(db, "importer", "Unit", deployments.radpko_rows(RADPKO), mission="MINUSMA",
                          source=RADPKO.name, convert=deployments.convert_deployment)  # fmt: skip
    assert report.written and report.problem_count == 0 and report.created > 50
    number, row = menaka_row()
    (flag,) = [w for w in report.warnings if w.row == number]
    assert (flag.column, flag.value) == ("longitude", "-2.40233577199996")
    assert "km from Ménaka" in flag.reason and "sign looks wrong" in flag.reason
    with db.transaction("reader") as tx:
        (menaka,) = records.list_records(tx, "Location", {"name": "Ménaka"})
        (niger,) = records.list_records(tx, "ContributingCountry", {"iso3": "NER"})
        (unit,) = units(tx, {"name": "NIGER contingent, Ménaka"})
        assert (unit.base_id, unit.country_id, unit.component, unit.unit_type) == (
            menaka.id, niger.id, "military", "other")  # fmt: skip
        assert unit.deployed_strength == round(float(row["niger_untrp"]))
        assert unit.provenance.startswith("RADPKO, 2019")
        police = units(tx, {"component": "police"})
        assert police and all(u.name.split(", ")[0].endswith(" police") for u in police)
    assert any("Dyabali at the file's coordinate" in w.reason for w in report.warnings)


@needs_data
def test_a_base_the_mission_knows_by_another_spelling_is_that_base(db: Database, mission: str) -> None:
    """RADPKO's "tombouctou" is the mission's "Timbuktu" (the gazetteer knows both spellings): its
    units go to that base, and no second "Timbuktu" is added (it was refused as a duplicate)."""
    with db.transaction("tester") as tx:
        (minusma,) = records.list_records(tx, "Mission", {"name": "MINUSMA"})
        timbuktu = records.create(tx, "Location", {"mission_id": minusma.id, "name": "Timbuktu",
                                                   "latitude": 16.7735, "longitude": -3.0074})  # fmt: skip
    report = loading.load(db, "importer", "Unit", deployments.radpko_rows(RADPKO), mission="MINUSMA",
                          source=RADPKO.name, convert=deployments.convert_deployment)  # fmt: skip
    assert report.written and report.problem_count == 0, report.problems[:3]
    with db.transaction("reader") as tx:
        assert [p.id for p in records.list_records(tx, "Location", {"name": "Timbuktu"})] == [timbuktu.id]
        there = [u for u in units(tx, {}) if u.base_id == timbuktu.id]
        assert there and all(u.provenance.startswith("RADPKO") for u in there)
    assert not any("Timbuktu" in w.reason and "added" in w.reason for w in report.warnings)


@needs_data
def test_the_radpko_command_prints_the_menaka_warning(db: Database, mission: str) -> None:
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "radpko", str(RADPKO)])
    assert result.exit_code == 0, result.output
    assert f"warning: row {menaka_row()[0]}, column longitude ('-2.40233577199996'): (15.91301022" in result.output


@needs_data
def test_the_real_geopko_table_imports_units_by_base_with_countries(db: Database, mission: str) -> None:
    tcc = GEOPKO / "TCCMap_v.2.3_MINUSMA.csv"
    latest = loading.load(db, "importer", "Unit", deployments.geopko_rows(tcc), mission="MINUSMA",
                          convert=deployments.convert_deployment)  # fmt: skip
    assert (latest.created, latest.problem_count) == (2, 0)  # 2024, the drawdown: Bamako and Gao
    y2021 = loading.load(db, "importer", "Unit", deployments.geopko_rows(tcc, year=2021), mission="MINUSMA",
                         convert=deployments.convert_deployment)  # fmt: skip
    assert (y2021.rows, y2021.problem_count) == (58, 0)
    with db.transaction("reader") as tx:
        names = {u.name: u for u in units(tx)}
        countries = {
            c.iso3 for c in records.list_records(tx, "ContributingCountry") if isinstance(c, ContributingCountry)
        }
        (sevare,) = records.list_records(tx, "Location", {"name": "Sévaré"})
    assert {"BGD", "LKA", "CIV", "GBR", "TCD"} <= countries
    assert names["SENEGAL contingent, Sévaré"].base_id == sevare.id  # "Mopti/Sevare": the nearest part
    assert names["CHAD contingent, Aguelhok"].deployed_strength == 300
    assert names["TOGO contingent, Sévaré"].deployed_strength is None  # "(size unknown)"
    assert "CÔTE D'IVOIRE contingent, Timbuktu" in names


@needs_data
def test_geopko_tables_without_contributors_are_refused_by_name(db: Database, mission: str) -> None:
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "geopko",
                                      str(GEOPKO / "FrontMap_v.2.3_MINUSMA.csv")])  # fmt: skip
    assert result.exit_code == 1
    assert "FrontMap table, which names no contributing country: import the TCCMap table" in result.output
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "import", "geopko",
                                      str(GEOPKO / "TCCMap_v.2.3_MINUSMA.csv"), "--json"])  # fmt: skip
    assert result.exit_code == 0 and json.loads(result.output)["created"] == 2


def test_bad_deployment_rows_are_problems(db: Database, mission: str, tmp_path: Path) -> None:
    header = ["mission", "year", "location", "latitude", "longitude", "No.TCC", "year.overview"]
    rows = [
        dict(zip(header, ["MINUSMA", "2021", "Gao", "16.27", "-0.04", "2", "Atlantis (150), Chad 150"], strict=True)),
        dict(zip(header, ["MONUSCO", "2021", "Goma", "-1.68", "29.22", "1", "India (850)"], strict=True)),
        dict(zip(header, ["MINUSMA", "2020", "Gao", "16.27", "-0.04", "1", "Nowhere (1)"], strict=True)),
    ]
    report = loading.load(db, "importer", "Unit", deployments.geopko_rows(write_csv(tmp_path / "t.csv", rows)),
                          mission="MINUSMA", convert=deployments.convert_deployment)  # fmt: skip
    found = {(p.row, p.column, p.reason.split(":")[0]) for p in report.problems}
    assert found == {
        (2, "year.overview", "no ISO 3166 code known for 'Atlantis'"),
        (2, "year.overview", "cannot read 'Chad 150'"),
        (3, "mission", "the row is about MONUSCO, not MINUSMA"),
        (3, "location", "is in no gazetteer, and the row has no coordinate in the mission's country to add it with"),
    }
    with db.transaction("reader") as tx:
        assert records.count(tx, "Unit") == 0 and records.count(tx, "ContributingCountry") == 0


def test_a_record_naming_the_2016_region_menaka_is_placed(db: Database, mission: str, tmp_path: Path) -> None:
    """Ménaka became a region in 2016, after the shipped boundaries were drawn: an ACLED row that
    gives admin1 "Menaka" must still load, find its place, and raise no region warning."""
    path = write_csv(tmp_path / "menaka.csv", [
        acled_row("MLI2001", admin1="Menaka", admin2="Menaka", admin3="Menaka", location="Menaka",
                  latitude="15.9182", longitude="2.4022"),
    ])  # fmt: skip
    report = load_acled(db, path)
    assert (report.created, report.problem_count, report.warnings) == (1, 0, [])
    with db.transaction("reader") as tx:
        (place,) = records.list_records(tx, "Location", {"name": "Ménaka"})
    placed = incidents(db)["MLI2001"]
    assert placed.admin1 == "Menaka" and placed.location_id == place.id
