"""Forms for phones: the XLSForm pyxform converts, with the mission's vocabularies and places; an
ODK Central export (CSV and media/ in a zip) and a KoboToolbox export (JSON with attachments/)
made here in the real layouts import as drafts, once each, with their photos and voice notes
attached and hashed; a bad export is refused whole, naming the submission and field."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner, Result
from pyxform.xls2xform import convert

from bluehelmet.cli import cli
from bluehelmet.domain.attachments import Attachment
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.intake import IncidentSource, source_of
from bluehelmet.services import attachments, records
from bluehelmet.services.database import Database
from tests.intake_mission import PLACES, build_mission
from tests.test_attachments import JPEG

#: An Ogg file's first bytes (a voice note as ODK Collect records it).
OGG = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1evorbis" + bytes(range(64))


def run(db: Database, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db.url, "--actor", "importer", *args])


def test_the_form_converts_with_pyxform_and_holds_the_mission(db: Database, tmp_path: Path) -> None:
    ids = build_mission(db)
    out = tmp_path / "incident.xlsx"
    result = run(db, "form", "incident", "--out", str(out))
    assert result.exit_code == 0, result.output
    warnings: list[str] = []
    xform = convert(out.read_bytes(), warnings=warnings, file_type=".xlsx").xform
    assert "choice-filter" not in " ".join(warnings)
    assert f"loc_{ids['Aguelhok']}" in xform and "Aguelhok" in xform
    assert "instance('sub_event_type')/root/item[event_type=" in xform  # sub-types filtered by the type chosen
    book = openpyxl.load_workbook(out)
    choices = list(book["choices"].iter_rows(values_only=True))
    subs = {row[1]: row[4] for row in choices if row[0] == "sub_event_type"}
    assert subs["remote_explosive_landmine_ied"] == "explosions_remote_violence"
    assert sum(row[0] == "place" for row in choices) == len(PLACES) + 1  # the mission's places and "another place"


def _central_zip(tmp_path: Path, ids: dict[str, int], rows: list[dict[str, str]], media: dict[str, bytes]) -> Path:
    """An ODK Central "All data and media files" export: FORM.csv and media/NAME."""
    columns = ["SubmissionDate", "start", "end", "event_date", "event_time", "event_type", "sub_event_type",
               "category", "target", "place", "place_other", "position", "fatalities", "killed_peacekeepers",
               "injured_peacekeepers", "killed_civilians", "injured_civilians", "description", "photo",
               "recording", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]  # fmt: skip
    text = io.StringIO()
    writer = csv.DictWriter(text, columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    path = tmp_path / "bluehelmet_incident.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bluehelmet_incident.csv", text.getvalue())
        for name, content in media.items():
            archive.writestr(f"media/{name}", content)
    return path


def _submission(ids: dict[str, int], uuid: str, **values: str) -> dict[str, str]:
    return {"SubmissionDate": "2026-03-10T09:12:44.000Z", "event_date": "2026-03-09",
            "event_time": "06:40:00.000+00:00", "event_type": "explosions_remote_violence",
            "sub_event_type": "remote_explosive_landmine_ied", "category": "ied_detonated",
            "place": f"loc_{ids['Aguelhok']}", "fatalities": "", "killed_peacekeepers": "0",
            "description": "IED sous un véhicule de la patrouille", "meta-instanceID": f"uuid:{uuid}",
            "KEY": f"uuid:{uuid}", "SubmitterName": "patrol-tessalit", "ReviewState": "", **values}  # fmt: skip


def test_an_odk_central_export_comes_in_once_as_drafts_with_its_media(db: Database, tmp_path: Path) -> None:
    ids = build_mission(db)
    rows = [
        _submission(ids, "0a1b", photo="1741597964.jpg", recording="1741597990.ogg"),
        _submission(ids, "0c2d", place="other", place_other="Intahaka", position="16.32 -0.71 300 5",
                    event_type="battles", sub_event_type="armed_clash", category="direct_attack"),
    ]  # fmt: skip
    export = _central_zip(tmp_path, ids, rows, {"1741597964.jpg": JPEG, "1741597990.ogg": OGG})
    first = run(db, "import", "odk", str(export), "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert (report["created"], report["already_imported"], report["attachments"]) == (2, 0, 2)
    again = run(db, "import", "odk", str(export))
    assert again.exit_code == 0, again.output
    assert "0 new drafts, 2 already imported" in again.output
    with db.transaction("tester") as tx:
        made = [records.get(tx, Incident, i) for i in report["incident_ids"]]
        kept = attachments.attachments_of(tx, "Incident", report["incident_ids"][0])
        audit = records.history(tx, Attachment, kept[0].id or 0)
    assert all(isinstance(i, Incident) and i.review_status == ReviewStatus.DRAFT for i in made)
    aguelhok, elsewhere = made
    assert isinstance(aguelhok, Incident) and isinstance(elsewhere, Incident)
    assert aguelhok.location_id == ids["Aguelhok"] and aguelhok.external_id == "uuid:0a1b"
    assert aguelhok.fatalities is None and aguelhok.killed_peacekeepers == 0  # unanswered is unknown, not 0
    assert source_of(aguelhok.provenance) == IncidentSource.ODK
    assert (elsewhere.location_name, elsewhere.latitude, elsewhere.longitude) == ("Intahaka", 16.32, -0.71)
    assert [(a.media_type, a.sha256) for a in kept] == [
        ("image/jpeg", hashlib.sha256(JPEG).hexdigest()),
        ("audio/ogg", hashlib.sha256(OGG).hexdigest()),
    ]
    assert audit[0].after is not None and audit[0].after["sha256"] == hashlib.sha256(JPEG).hexdigest()


def test_a_kobo_json_export_with_its_attachments_folder(db: Database, tmp_path: Path) -> None:
    ids = build_mission(db)
    results = [{"_id": 101, "_uuid": "5f0e", "formhub/uuid": "ab", "meta/instanceID": "uuid:5f0e",
                "report/event_date": "2026-03-08", "report/event_type": "violence_against_civilians",
                "report/sub_event_type": "abduction_forced_disappearance", "report/place": f"loc_{ids['Ménaka']}",
                "report/photo": "IMG_0042.jpg", "_submitted_by": "kobo-menaka",
                "_attachments": [{"filename": "kobo/attachments/ab/5f0e/IMG_0042.jpg", "mimetype": "image/jpeg"}],
                "_geolocation": [None, None]}]  # fmt: skip
    (tmp_path / "attachments" / "5f0e").mkdir(parents=True)
    (tmp_path / "attachments" / "5f0e" / "IMG_0042.jpg").write_bytes(JPEG)
    export = tmp_path / "data.json"
    export.write_text(json.dumps({"count": 1, "results": results}), encoding="utf-8")
    result = run(db, "import", "odk", str(export))
    assert result.exit_code == 0, result.output
    assert "1 new drafts, 0 already imported, 1 files attached" in result.output


def test_a_bad_export_is_refused_whole_with_each_problem_named(db: Database, tmp_path: Path) -> None:
    ids = build_mission(db)
    rows = [
        _submission(ids, "aa11"),
        _submission(ids, "bb22", photo="missing.jpg"),
        _submission(ids, "cc33", sub_event_type="armed_clash"),
        _submission(ids, "dd44", killed_peacekeepers="-3"),
    ]
    export = _central_zip(tmp_path, ids, rows, {})
    result = run(db, "import", "odk", str(export))
    assert result.exit_code == 1
    assert "3 problem(s), nothing was written" in result.output
    assert "submission 2: media: the file 'missing.jpg' is not in the export" in result.output
    assert (
        "submission 3: sub_event_type: 'armed_clash' is not a sub-type of Explosions/Remote violence" in result.output
    )
    assert "submission 4: '-3' is not a count" in result.output
    with db.transaction("tester") as tx:
        assert records.count(tx, Incident) == 0
    not_utf8 = tmp_path / "export.csv"
    not_utf8.write_bytes(b"event_date\n\xff\xfe\n")
    refused = run(db, "import", "odk", str(not_utf8))
    assert refused.exit_code == 1
    assert "export.csv: the file is not UTF-8 text" in refused.output
