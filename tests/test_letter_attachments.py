"""The letter's evidence lists the files attached to the records its figures count: a photo on a
counted incident is listed with its name and SHA-256 beside the evidence file; a deleted
attachment, or one on an incident the letter does not count (outside the period, a draft left
out), is not. A small hand-made mission, on both backends."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.attachments import Attachment
from bluehelmet.reporting import drafts
from bluehelmet.reporting.annex import ATTACHMENT_COLUMNS, attachments_csv
from bluehelmet.reporting.build import build_letter
from bluehelmet.reporting.model import AttachedFile, Evidence, Figure, Letter
from bluehelmet.reporting.render import render
from bluehelmet.services import attachments, records
from bluehelmet.services.database import Database
from tests import factories

FROM, TO = date(2022, 1, 1), date(2022, 6, 30)
#: A JPEG (its first bytes say so) with a camera's EXIF block, and a small PDF.
PHOTO = b"\xff\xd8\xff\xe1\x00\x16Exif\x00\x00MM\x00\x2aFieldCam\x00\x00\xff\xdb" + bytes(range(64)) + b"\xff\xd9"
REPORT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Mission:
    counted: int  # verified, in the period: counted
    outside: int  # verified, before the period
    draft: int  # in the period, still a draft
    photo: int  # the attachment ids
    deleted: int
    outside_photo: int
    draft_photo: int


def _mission(db: Database) -> Mission:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", name="UNMISS-TEST", country_iso3="SSD")
        template = factories.data(tx, "Incident", mission_id=mission.id, event_date="2022-03-03")

        def incident(tag: str, **values: str) -> int:
            made = records.create(tx, "Incident", {**template, "external_id": tag, **values})
            assert made.id is not None
            return made.id

        counted, outside = incident("SS-1"), incident("SS-2", event_date="2021-11-20")
        draft = incident("SS-3", review_status="draft")
        photo = attachments.attach(tx, "Incident", counted, PHOTO, filename="patrol, Bor.jpg")
        deleted = attachments.attach(tx, "Incident", counted, REPORT, filename="withdrawn.pdf")
        outside_photo = attachments.attach(tx, "Incident", outside, PHOTO + b"\x00", filename="old.jpg")
        draft_photo = attachments.attach(tx, "Incident", draft, REPORT + b"%2\n", filename="draft.pdf")
    with db.transaction("tester") as tx:
        records.delete(tx, Attachment, deleted.id or 0)
    ids = (photo.id, deleted.id, outside_photo.id, draft_photo.id)
    assert all(i is not None for i in ids)
    return Mission(counted, outside, draft, *(i or 0 for i in ids))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _run(db: Database, out: Path, *more: str) -> str:
    """The summary line of ``report letter`` writing ``out``."""
    url = db.engine.url.render_as_string(False)
    args = ["--db", url, "report", "letter", "--from", str(FROM), "--to", str(TO), "--format", "html"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), *more])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_counted_incidents_photo_is_listed_with_its_hash_and_not_the_rest(db: Database, tmp_path: Path) -> None:
    m = _mission(db)
    out = tmp_path / "letter.html"
    line = _run(db, out)
    listed = tmp_path / "letter-attachments.csv"
    assert f"; 1 attachment of the records it counts, listed in {listed}" in line
    rows = _rows(listed.read_text())
    assert rows, "the photo of a counted incident is listed"
    assert {r["attachment"] for r in rows} == {str(m.photo)}  # not the deleted one, the old one, the draft's
    row = rows[0]
    assert (row["kind"], row["id"], row["filename"]) == ("Incident", str(m.counted), "patrol, Bor.jpg")
    assert (row["media_type"], row["size"]) == ("image/jpeg", str(len(PHOTO)))
    assert row["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    # Listed under every figure that counts the incident, and only those (the evidence file says which).
    evidence = _rows((tmp_path / "letter-evidence.csv").read_text())
    counting = {(e["figure"], e["key"]) for e in evidence if (e["kind"], e["id"]) == ("Incident", str(m.counted))}
    assert counting and {(r["figure"], r["key"]) for r in rows} == counting
    assert not any(e["id"] in {str(m.outside), str(m.draft)} for e in evidence if e["kind"] == "Incident")


def test_with_drafts_counted_the_drafts_file_is_listed_too(db: Database, tmp_path: Path) -> None:
    m = _mission(db)
    summary = json.loads(_run(db, tmp_path / "l.html", "--include-drafts", "--json"))
    assert summary["attachments"] == 2 and summary["attachments_file"] == str(tmp_path / "l-attachments.csv")
    assert summary["files"][-1] == str(tmp_path / "l-evidence.csv")  # the evidence file stays last
    rows = _rows((tmp_path / "l-attachments.csv").read_text())
    assert {(r["id"], r["attachment"]) for r in rows} == {
        (str(m.counted), str(m.photo)),
        (str(m.draft), str(m.draft_photo)),
    }
    assert {r["sha256"] for r in rows if r["attachment"] == str(m.draft_photo)} == {
        hashlib.sha256(REPORT + b"%2\n").hexdigest()
    }


def test_no_attachment_no_file_and_the_line_says_so(db: Database, tmp_path: Path) -> None:
    m = _mission(db)
    with db.transaction("tester") as tx:
        records.delete(tx, Attachment, m.photo)
    letter = build_letter(db, FROM, TO)
    assert letter.attachments == ()
    assert "letter-attachments.csv" not in render(letter, "md", "en")
    line = _run(db, tmp_path / "letter.html")
    assert line.endswith("; no record it counts holds an attachment")
    assert not (tmp_path / "letter-attachments.csv").exists()
    assert (tmp_path / "letter-evidence.csv").exists()


def test_a_file_name_a_spreadsheet_would_run_is_written_inert() -> None:
    figure = Figure("incidents", 2, "m", (Evidence("Incident", (7, 9)),))
    hostile = AttachedFile("Incident", 9, 3, '=HYPERLINK("http://x")', "image/png", 10, "ab" * 32)
    letter = Letter("M", "M", FROM, TO, TO, (), (figure,), attachments=(hostile,))
    lines = attachments_csv(letter).splitlines()
    assert lines[0] == ",".join(ATTACHMENT_COLUMNS)
    assert _rows(attachments_csv(letter))[0]["filename"] == '\'=HYPERLINK("http://x")'
    assert len(lines) == 2  # incident 7 holds nothing


def test_a_drafts_export_carries_the_attachments_file_before_its_evidence(db: Database) -> None:
    m = _mission(db)
    drafts.create(db, "june", FROM, TO)
    files = drafts.export(db, "june", "html", stem="june")
    assert list(files)[-2:] == ["june-attachments.csv", "june-evidence.csv"]
    rows = _rows(files["june-attachments.csv"].decode())
    assert {(r["id"], r["filename"], r["sha256"]) for r in rows} == {
        (str(m.counted), "patrol, Bor.jpg", hashlib.sha256(PHOTO).hexdigest())
    }
