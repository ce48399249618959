"""What text a record may hold: normalised, of a bounded length, and, in names and codes, free
of invisible characters.

Every text value is normalised to NFC, so "é" typed as one character or as "e" and an accent is
the same name. Text that is not Unicode (a lone surrogate, as a JSON ``"\\ud800"`` escape makes)
is refused. Names and codes refuse the characters that make two different strings look the
same: zero-width characters, bidirectional overrides and isolates, and other format and control
characters ("Sector\\u200b East" is refused, not a second sector). Lengths, by kind of field:

| kind | fields | at most |
| --- | --- | --- |
| code | ``external_id``, ``identifier``, ``iso3``, ``pcode``, ``code``, ``*_code`` | 100 characters |
| name | the record's label field, ``name``, ``full_name``, ``*_name``, ``variants`` | 300 characters |
| text | everything else (notes, descriptions, sources...) | 20,000 characters |

A field report's notes run to a few pages (ACLED's longest notes are under 3,000 characters);
place and unit names to a few dozen; codes to a dozen.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LIMITS", "TextKind", "clean_text", "text_kind"]

#: The most characters each kind of field holds.
LIMITS = {"code": 100, "name": 300, "text": 20_000}
_CODES = frozenset({"external_id", "identifier", "iso3", "pcode", "code", "iso_3166_2"})
_NAMES = frozenset({"name", "full_name", "variants"})
#: Characters that do not show, or reorder what is shown: refused in names and codes.
_INVISIBLE = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]"
)

TextKind = str  # "code", "name" or "text"


def text_kind(field: str, label_field: str = "name") -> TextKind:
    """Which limits a field of this name keeps."""
    if field in _CODES or field.endswith("_code"):
        return "code"
    if field in _NAMES or field == label_field or field.endswith("_name"):
        return "name"
    return "text"


def clean_text(value: str, kind: TextKind) -> tuple[str, str | None]:
    """``value`` normalised (NFC) and, if it breaks a rule of its kind, why (else None)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value, "is not valid Unicode text (it holds a lone surrogate)"
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    limit = LIMITS[kind]
    if len(value) > limit:
        return value, f"has {len(value):,} characters; a {kind} holds at most {limit:,}"
    if kind != "text" and (found := _INVISIBLE.search(value)):
        return value, f"holds an invisible or direction-changing character (U+{ord(found.group()):04X})"
    return value, None
