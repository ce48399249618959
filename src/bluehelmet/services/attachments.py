"""Attaching files to records as evidence, and reading them back for those who may.

``attach`` checks the file by its bytes (its type, its size, the mission's total), keeps the
content once under its SHA-256 (``storage.attachments``) and writes an Attachment record through
``services.records``, so the audit entry of the attachment holds the digest. The content is
stored exactly as received: nothing re-encodes a photo or strips its EXIF.

An attachment is read only by a principal who may read the record it is attached to: a sector
account reads the photos of its sector's incidents and nothing else (``scope.readable``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.attachments import MEDIA_TYPES, Attachment, digest, media_type_of
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.domain.records import Record
from bluehelmet.services import records, scope
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Transaction
from bluehelmet.storage import attachments as store
from bluehelmet.storage import repository

__all__ = ["AttachmentRefused", "Evidence", "attach", "attachments_of", "open_attachment"]

_MB = 1024 * 1024


class AttachmentRefused(BluehelmetError):
    """A file that may not be attached: its type, its size, or the mission's limit."""


@dataclass(frozen=True)
class Evidence:
    """An attachment and its bytes, as served."""

    attachment: Attachment
    content: bytes


def _target(tx: Transaction, kind: str, record_id: int, principal: Principal | None) -> Record:
    if principal is None:
        return records.get(tx, kind, record_id)
    found = scope.readable(tx, principal, kind, record_id)
    if not allowed(tx, principal, Action.WRITE, found):
        raise NotFound(type(found).__name__, record_id)
    return found


def _mission_of(tx: Transaction, record: Record) -> int:
    mission_id = getattr(record, "mission_id", None)
    if mission_id is None and type(record).__name__ == "Mission":
        mission_id = record.id
    if not isinstance(mission_id, int):
        raise AttachmentRefused(f"{record.label()} belongs to no mission: attach the file to one of its records")
    return mission_id


def attach(
    tx: Transaction,
    kind: str,
    record_id: int,
    content: bytes,
    *,
    filename: str = "",
    note: str = "",
    provenance: str = "",
    principal: Principal | None = None,
) -> Attachment:
    """Attach ``content`` to ``kind`` #``record_id`` (the same bytes twice: the one attachment).

    Refused (AttachmentRefused, naming the file) when the bytes are not a photo, recording or
    document of a known kind, when the file is over ``attachment_limit_mb``, or when the mission's
    attachments would pass ``attachment_mission_limit_mb``. A principal must be able to change
    the record (None: the command line and the intake doors, acting for the database)."""
    who = filename or "the file"
    target = _target(tx, kind, record_id, principal)
    limit = tx.settings.attachment_limit_mb * _MB
    if len(content) > limit:
        raise AttachmentRefused(
            f"{who}: {len(content):,} bytes, over the limit of {tx.settings.attachment_limit_mb:g} MB"
        )
    if not content:
        raise AttachmentRefused(f"{who}: the file is empty")
    media_type = media_type_of(content)
    if media_type is None:
        kinds = ", ".join(sorted(MEDIA_TYPES))
        raise AttachmentRefused(f"{who}: its content is none of the kinds kept as evidence ({kinds})")
    sha256 = digest(content)
    kind_name = type(target).__name__
    for held in repository.find(tx.session, Attachment, {"record_kind": kind_name, "record_id": record_id}):
        if isinstance(held, Attachment) and held.sha256 == sha256 and not held.is_deleted:
            return held
    mission_id = _mission_of(tx, target)
    total = store.mission_bytes(tx.session, mission_id) + len(content)
    if total > tx.settings.attachment_mission_limit_mb * _MB:
        raise AttachmentRefused(
            f"{who}: the mission's attachments would hold {total:,} bytes, over its limit of "
            f"{tx.settings.attachment_mission_limit_mb:g} MB"
        )
    store.store_content(tx.session, sha256, content)
    values = {
        "mission_id": mission_id, "record_kind": kind_name, "record_id": record_id, "sha256": sha256,
        "size": len(content), "media_type": media_type, "filename": filename[:255], "note": note,
        "provenance": provenance,
    }  # fmt: skip
    created = records.create(tx, Attachment, values)
    assert isinstance(created, Attachment)
    return created


def attachments_of(tx: Transaction, kind: str, record_id: int) -> list[Attachment]:
    """The live attachments of one record, oldest first (the caller has checked it may read it)."""
    found = repository.find(tx.session, Attachment, {"record_kind": kind, "record_id": record_id})
    live = [a for a in found if isinstance(a, Attachment) and not a.is_deleted]
    return sorted(live, key=lambda a: a.id or 0)


def open_attachment(tx: Transaction, attachment_id: int, principal: Principal | None) -> Evidence:
    """Attachment #``attachment_id`` and its bytes, if ``principal`` may read the record it is
    attached to (else NotFound, as if there were no such attachment)."""
    try:
        found = records.get(tx, Attachment, attachment_id)
    except NotFound:
        raise NotFound("Attachment", attachment_id) from None
    assert isinstance(found, Attachment)
    if principal is not None:
        try:
            scope.readable(tx, principal, found.record_kind, found.record_id)
        except NotFound:
            raise NotFound("Attachment", attachment_id) from None
    content = store.content_of(tx.session, found.sha256)
    if content is None or digest(content) != found.sha256:
        raise BluehelmetError(f"the content of attachment #{attachment_id} is missing or damaged")
    return Evidence(found, content)
