"""Attachments: photos, audio and documents kept as evidence beside a record.

An attachment names the record it belongs to by kind and id (an incident, or any other record),
and its content by SHA-256: the same bytes attached twice are stored once, and the digest in the
audit entry proves, later, that the file shown is the file received. The content is never
altered (no resizing, no EXIF stripping: the EXIF of a photo is part of the evidence).

What a file is is read from its first bytes, not from its name: a ``.jpg`` that is a PDF is a
PDF, and a file whose bytes are none of the kinds below is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar

import filetype  # type: ignore[import-untyped]

from bluehelmet.domain.records import Record, ref

__all__ = ["MEDIA_TYPES", "Attachment", "digest", "media_type_of"]

#: The kinds of file an attachment may be, by MIME type (what ``filetype`` reads in the bytes).
MEDIA_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "application/pdf",
        "audio/mpeg",
        "audio/ogg",
        "audio/mp4",
        "audio/x-wav",
        "video/mp4",
        "audio/amr",
    }
)


@dataclass(kw_only=True)
class Attachment(Record):
    """One file attached to one record (``record_kind`` #``record_id``) of a mission.

    ``sha256`` names the content (kept once per digest in the content store); ``size`` is its
    length in bytes and ``media_type`` what its bytes say it is. ``filename`` is the name it
    came with, kept for people, never trusted for the type.
    """

    label_field: ClassVar[str] = "filename"

    mission_id: int = ref("Mission")
    record_kind: str
    record_id: int
    sha256: str
    size: int
    media_type: str
    filename: str = ""
    note: str = ""


def digest(content: bytes) -> str:
    """The SHA-256 of ``content``, in lower-case hexadecimal."""
    return hashlib.sha256(content).hexdigest()


def media_type_of(content: bytes) -> str | None:
    """What ``content`` is by its first bytes, if it is one of ``MEDIA_TYPES``; else None."""
    kind = filetype.guess(content[:8192])
    if kind is None:
        return None
    mime = str(kind.mime)
    return mime if mime in MEDIA_TYPES else None
