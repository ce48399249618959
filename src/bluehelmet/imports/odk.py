"""Reading the submissions of the incident form as ODK Central and KoboToolbox export them.

- ODK Central: ``FORM.csv`` (or the ``FORM.zip`` of "All data and media files": the CSV and a
  ``media/`` folder). Columns are the question names, prefixed by their groups with ``-``; the
  instance id is ``meta-instanceID`` (``KEY`` is the same), the submitter ``SubmitterName``.
- KoboToolbox: the CSV export (groups joined with ``/``; ``_uuid``, ``meta/instanceID``) or the
  JSON of the data API (``{"results": [...]}`` or a list), with media in an ``attachments``
  folder as Kobo's media download lays them out (``attachments/<_uuid>/NAME`` or beside).

A media file is looked for beside the export, in ``media/``, and in ``attachments/`` (by
instance id or ``_uuid``). Every value is read as text; ``services.odk`` reads them as an
incident. A file that is not such an export is refused with the reason, naming the file.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services.odk import Submission

__all__ = ["MAX_FILES", "MAX_MEDIA_BYTES", "read_export"]

#: The most files a zip export may hold (an export of a month's patrol reports holds far fewer).
MAX_FILES = 20_000
#: A media file larger than this is not unpacked (the largest attachment limit the settings allow).
MAX_MEDIA_BYTES = 2_000 * 1024 * 1024
_MEDIA = ("photo", "recording")


def _key(column: str) -> str:
    """A column's question name, without its groups (``report-place``, ``report/place``)."""
    if column in ("meta-instanceID", "meta/instanceID"):
        return "instanceID"
    if column.startswith("_") or column in ("KEY", "SubmitterName", "SubmissionDate"):
        return column
    return column.replace("/", "-").rsplit("-", 1)[-1]


def _rows_from_csv(name: str, text: str) -> list[dict[str, str]]:
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    if reader.fieldnames is None:
        raise BluehelmetError(f"{name}: the file is empty")
    return [{_key(k): (v or "") for k, v in row.items() if k is not None} for row in reader]


def _rows_from_json(name: str, text: str) -> list[dict[str, str]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise BluehelmetError(f"{name}: not valid JSON") from None
    found = data.get("results", data.get("value")) if isinstance(data, dict) else data
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        raise BluehelmetError(f"{name}: not a list of submissions (Kobo's 'results' or ODK Central's 'value')")
    rows = []
    for number, record in enumerate(found, start=1):
        row: dict[str, str] = {}
        for column, value in record.items():
            if isinstance(value, dict | list):
                continue  # _attachments, _geolocation, _notes...: the media are found by name
            if value is not None and not isinstance(value, str | int | float | bool):
                raise BluehelmetError(f"{name}: submission {number}, field {column}: not a plain value")
            row[_key(str(column))] = "" if value is None else str(value)
        rows.append(row)
    return rows


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BluehelmetError(f"{name}: the file is not UTF-8 text (export it again as UTF-8)") from None


def _media_names(row: dict[str, str]) -> list[str]:
    return [row[m] for m in _MEDIA if row.get(m)]


def _folders(row: dict[str, str]) -> list[str]:
    ids = [row.get("instanceID", ""), row.get("_uuid", ""), row.get("KEY", "")]
    bare = [i.removeprefix("uuid:") for i in ids if i]
    return ["", "media/", *(f"attachments/{i}/" for i in [*ids, *bare] if i), "attachments/"]


def _from_zip(path: Path) -> list[Submission]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BluehelmetError(f"{path.name}: not a zip file") from None
    with archive:
        names = archive.namelist()
        if len(names) > MAX_FILES:
            raise BluehelmetError(f"{path.name}: holds {len(names)} files, more than the {MAX_FILES} read")
        tables = [n for n in names if n.lower().endswith((".csv", ".json")) and "/" not in n.strip("/")]
        if len(tables) != 1:
            raise BluehelmetError(
                f"{path.name}: expected one CSV or JSON of submissions at the top, found {len(tables)}"
            )
        table = tables[0]
        text = _decode(f"{path.name}:{table}", archive.read(table))
        rows = _rows_from_csv(table, text) if table.lower().endswith(".csv") else _rows_from_json(table, text)
        by_name = {PurePosixPath(n).as_posix(): n for n in names}

        def read(relative: str) -> bytes | None:
            if relative not in by_name:
                return None
            if archive.getinfo(by_name[relative]).file_size > MAX_MEDIA_BYTES:
                raise BluehelmetError(f"{path.name}: {relative} is larger than any attachment may be")
            return archive.read(by_name[relative])

        return [_submission(row, read) for row in rows]


def _submission(row: dict[str, str], reader: Callable[[str], bytes | None]) -> Submission:
    media: dict[str, bytes | None] = {}
    for name in _media_names(row):
        content = None
        for folder in _folders(row):
            content = reader(folder + name)
            if content is not None:
                break
        media[name] = content
    return Submission(values=row, media=media)


def read_export(path: Path) -> list[Submission]:
    """The submissions in an ODK Central or KoboToolbox export (CSV, JSON or zip), with their media."""
    if path.suffix.lower() == ".zip":
        return _from_zip(path)
    text = _decode(path.name, path.read_bytes())
    rows = _rows_from_json(path.name, text) if path.suffix.lower() == ".json" else _rows_from_csv(path.name, text)
    base = path.parent

    def read(relative: str) -> bytes | None:
        candidate = (base / relative).resolve()
        if base.resolve() not in candidate.parents or not candidate.is_file():
            return None  # nothing outside the export's folder is read
        return candidate.read_bytes()

    return [_submission(row, read) for row in rows]
