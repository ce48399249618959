"""Attachments as evidence: content-addressed, checked by their bytes, never altered, audited with
their digest, limited per file and per mission, and read only by those who may read the record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bluehelmet.config import Settings
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.attachments import Attachment
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.services import attachments, backup, intake_review, records
from bluehelmet.services.database import Database
from tests.factories import make

#: A JPEG start with an EXIF block (camera make "FieldCam"): what the store must keep as it is.
JPEG = (
    b"\xff\xd8\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x0f\x00\x02\x00\x00\x00"
    b"\x09\x00\x00\x00\x1aFieldCam\x00\xff\xdb" + bytes(range(256)) + b"\xff\xd9"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _incident(db: Database) -> tuple[int, int]:
    with db.transaction("tester") as tx:
        incident = make(tx, "Incident")
        assert incident.id is not None
        return incident.id, int(incident.sector_id)  # type: ignore[attr-defined]


def test_a_photo_is_kept_byte_for_byte_with_its_digest_in_the_audit(db: Database) -> None:
    incident_id, _ = _incident(db)
    with db.transaction("tester") as tx:
        kept = attachments.attach(tx, "Incident", incident_id, JPEG, filename="patrol.png")
    assert kept.media_type == "image/jpeg"  # by its bytes, not by its name
    assert kept.sha256 == hashlib.sha256(JPEG).hexdigest()
    with db.transaction("tester") as tx:
        again = attachments.attach(tx, "Incident", incident_id, JPEG, filename="copy.jpg")
        evidence = attachments.open_attachment(tx, kept.id or 0, None)
        history = records.history(tx, Attachment, kept.id or 0)
        listed = attachments.attachments_of(tx, "Incident", incident_id)
    assert again.id == kept.id  # the same bytes twice: one attachment
    assert evidence.content == JPEG  # EXIF and all
    assert b"FieldCam" in evidence.content
    assert history[0].after is not None and history[0].after["sha256"] == kept.sha256
    assert [a.id for a in listed] == [kept.id]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"MZ\x90\x00 this is a program, named photo.jpg", "none of the kinds kept as evidence"),
        (b"", "the file is empty"),
    ],
)
def test_a_file_that_is_not_evidence_is_refused_by_its_content(db: Database, content: bytes, reason: str) -> None:
    incident_id, _ = _incident(db)
    with pytest.raises(attachments.AttachmentRefused, match=reason), db.transaction("tester") as tx:
        attachments.attach(tx, "Incident", incident_id, content, filename="photo.jpg")
    with db.transaction("tester") as tx:
        assert attachments.attachments_of(tx, "Incident", incident_id) == []


def test_limits_per_file_and_per_mission(db: Database) -> None:
    incident_id, _ = _incident(db)
    small = db.settings.model_copy(update={"attachment_limit_mb": 0.0001})
    with pytest.raises(attachments.AttachmentRefused, match="over the limit"), db.transaction("tester") as tx:
        tx.settings = small
        attachments.attach(tx, "Incident", incident_id, PDF + b" " * 200, filename="report.pdf")
    tight = db.settings.model_copy(update={"attachment_mission_limit_mb": 0.0002})  # about 210 bytes
    with db.transaction("tester") as tx:
        tx.settings = tight
        attachments.attach(tx, "Incident", incident_id, PDF, filename="first.pdf")
    with pytest.raises(attachments.AttachmentRefused, match="mission's attachments"), db.transaction("tester") as tx:
        tx.settings = tight
        attachments.attach(tx, "Incident", incident_id, PDF + b"% second\n" * 20, filename="second.pdf")


def test_only_those_who_may_read_the_record_read_its_attachment(db: Database) -> None:
    incident_id, sector_id = _incident(db)
    with db.transaction("tester") as tx:
        kept = attachments.attach(tx, "Incident", incident_id, PDF, filename="report.pdf")
        other_sector = make(tx, "Sector", name="Sector Elsewhere")
    inside = Principal("east", Role.SECTOR, sector_id)
    outside = Principal("west", Role.SECTOR, other_sector.id)
    with db.transaction("tester") as tx:
        assert attachments.open_attachment(tx, kept.id or 0, inside).content == PDF
        with pytest.raises(NotFound):
            attachments.open_attachment(tx, kept.id or 0, outside)
        with pytest.raises(NotFound):
            attachments.attach(tx, "Incident", incident_id, JPEG, principal=outside)


def test_a_backup_carries_the_attachments_byte_for_byte(db: Database, tmp_path: Path) -> None:
    incident_id, _ = _incident(db)
    with db.transaction("tester") as tx:
        kept = attachments.attach(tx, "Incident", incident_id, JPEG, filename="patrol.jpg")
    backup.backup(db, tmp_path / "mission.zip", key="")
    empty = Database(Settings(database_url=f"sqlite:///{tmp_path / 'restored.db'}"))
    try:
        empty.init_schema()
        backup.restore(empty, tmp_path / "mission.zip", trust_unsigned=True)
        with empty.transaction("tester") as tx:
            assert attachments.open_attachment(tx, kept.id or 0, None).content == JPEG
    finally:
        empty.close()


def test_merging_a_duplicate_brings_its_files_to_the_incident_it_repeats(db: Database) -> None:
    with db.transaction("tester") as tx:
        kept = make(tx, "Incident", review_status="verified")
        duplicate = make(tx, "Incident", mission_id=kept.mission_id, review_status="draft")  # type: ignore[attr-defined]
        attachments.attach(tx, "Incident", duplicate.id or 0, JPEG, filename="same-attack.jpg")
    with pytest.raises(BluehelmetError, match="say why"):
        intake_review.reject(db, None, duplicate.id or 0, duplicate.version or 0, "   ")
    intake_review.merge(db, None, duplicate.id or 0, duplicate.version or 0, kept.id or 0)
    with db.transaction("tester") as tx:
        moved = attachments.attachments_of(tx, "Incident", kept.id or 0)
        rejected = records.get(tx, "Incident", duplicate.id or 0)
    assert [(a.filename, a.sha256) for a in moved] == [("same-attack.jpg", hashlib.sha256(JPEG).hexdigest())]
    assert rejected.review_status.value == "rejected"  # type: ignore[attr-defined]
    assert rejected.notes.endswith(f"Rejected: duplicate of #{kept.id}")  # type: ignore[attr-defined]
