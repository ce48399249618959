"""Files in and out: ``GET /api/export/{kind}`` streams records as CSV, GeoJSON, XLSX or HXL;
``POST /api/import/{kind}`` (or a layout: acled, hxl, geopko, radpko) loads an uploaded file,
all or nothing, and answers the row-level report.

An export is read a batch at a time and written out as it is read (XLSX, a zip, is written to
a temporary file first); a sector account exports its sector's records only. An upload larger
than ``MAX_UPLOAD_BYTES`` is refused with 413 before it is read.
"""

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

import bluehelmet.imports  # noqa: F401 - registers the importers of other layouts
from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.catalogue import ENTITIES, entity_class, entity_name
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record
from bluehelmet.exports.writers import csv_chunks, geojson_chunks, write
from bluehelmet.imports.registry import IMPORTERS, Importer, import_file, table_importer
from bluehelmet.services import exporting, listing, loading
from bluehelmet.services.database import Database
from bluehelmet.services.exchange import Column
from bluehelmet.services.exporting import ExportRow
from bluehelmet.web.api.errors import COMMON, ApiRoute, problems, responses
from bluehelmet.web.deps import MissionParam, database_of, need, write_in_turn

__all__ = ["MAX_UPLOAD_BYTES", "ImportReport", "RowProblem", "encode", "router"]

#: The largest upload accepted (50 MB: a few hundred thousand rows of incidents).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024
_READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Format = Literal["csv", "geojson", "xlsx", "hxl"]
Db = Annotated[Database, Depends(database_of)]
Mission = MissionParam

router = APIRouter(route_class=ApiRoute, tags=["files"])


class RowProblem(BaseModel):
    row: int
    column: str
    value: str
    reason: str


class ImportReport(BaseModel):
    """What a load did (or, on a dry run or when refused, would have done): nothing is written
    unless every row is accepted."""

    source: str
    kind: str
    dry_run: bool
    written: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    problem_count: int
    problems: list[RowProblem]
    warnings: list[RowProblem]


def _csv_chunks(fmt: str, columns: list[Column], rows: Iterable[ExportRow]) -> Iterator[bytes]:
    yield "\ufeff".encode()  # a byte-order mark, so spreadsheets read the accents right
    for chunk in csv_chunks([c.name for c in columns], rows, hxl=fmt == "hxl"):
        yield chunk.encode()


def _geojson_chunks(columns: list[Column], rows: Iterable[ExportRow]) -> Iterator[bytes]:
    for chunk in geojson_chunks([c.name for c in columns], rows):
        yield chunk.encode()


def _xlsx_chunks(columns: list[Column], rows: Iterable[ExportRow]) -> Iterator[bytes]:
    with tempfile.TemporaryDirectory(prefix="bluehelmet-export-") as folder:
        path = Path(folder) / "export.xlsx"
        write("xlsx", path, columns, rows)
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk


def encode(fmt: str, columns: list[Column], rows: Iterable[ExportRow]) -> Iterator[bytes]:
    """The bytes of an export in ``fmt``, produced as the rows come."""
    if fmt == "geojson":
        return _geojson_chunks(columns, rows)
    if fmt == "xlsx":
        return _xlsx_chunks(columns, rows)
    return _csv_chunks(fmt, columns, rows)


def _add_export(cls: type[Record]) -> None:
    kind = entity_name(cls)
    Exporter = Annotated[Principal, Depends(need(Action.EXPORT, cls.__name__))]
    file_types = {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for media in _MEDIA.values()}

    @router.get(f"/export/{kind}", name=f"export_{kind}", response_class=StreamingResponse,
                responses={200: {"content": file_types, "description": "The file."}, **COMMON})  # fmt: skip
    def export(
        principal: Exporter,
        db: Db,
        fmt: Annotated[Format, Query(alias="format")] = "csv",
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        mission: Mission = None,
    ) -> StreamingResponse:
        """The live records (that the account may read), oldest first, within the dates of the
        kind's main date, in the columns of ``bluehelmet template``."""
        if fmt == "geojson" and not exporting.has_coordinates(cls):
            raise problems(("format", f"{cls.__name__} records have no coordinates to map; use csv, xlsx or hxl"))
        try:
            columns, rows = listing.export_rows(db, principal, cls, mission=mission, date_from=date_from,
                                                date_to=date_to)  # fmt: skip
            first = next(rows, None)  # opens the read now, so a refusal is answered before the file starts
        except BluehelmetError as error:
            raise problems(("from" if "date" in str(error) else "mission", str(error))) from None
        chained = rows if first is None else _prepend(first, rows)
        name = f"{kind}.{'csv' if fmt == 'hxl' else fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(encode(fmt, columns, chained), media_type=_MEDIA[fmt], headers=headers)


def _prepend(first: ExportRow, rest: Iterator[ExportRow]) -> Iterator[ExportRow]:
    yield first
    yield from rest


async def _saved_upload(request: Request, folder: Path) -> tuple[Path, str]:
    """The uploaded ``file`` saved under ``folder`` (413 past the limit), and its name."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + _CHUNK:
        raise HTTPException(413, f"the upload is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    form = await request.form(max_files=1, max_fields=20)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise problems(("file", "send the file as multipart/form-data, in a part called 'file'"))
        original = Path(upload.filename or "upload.csv").name
        suffix = Path(original).suffix.lower()
        path = folder / f"upload{suffix if suffix in _READABLE else '.csv'}"
        size = 0
        with path.open("wb") as handle:
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise HTTPException(413, f"the upload is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
                handle.write(chunk)
    finally:
        await form.close()
    return path, original


def _add_import(name: str, importer: Importer) -> None:
    Importing = Annotated[Principal, Depends(need(Action.IMPORT, entity_class(importer.kind).__name__))]
    body = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "A CSV or XLSX file."}},
    }}}}  # fmt: skip
    refused: dict[str, Any] = {"description": "Refused: the rows' problems (nothing was written), or bad parameters.",
                               "content": {"application/json": {"schema": {"anyOf": [
                                   {"$ref": "#/components/schemas/ImportReport"},
                                   {"$ref": "#/components/schemas/Problems"}]}}}}  # fmt: skip

    @router.post(f"/import/{name}", name=f"import_{name}", response_model=ImportReport,
                 responses={**COMMON, **responses(413), 422: refused},
                 openapi_extra={"requestBody": body})  # fmt: skip
    async def upload(
        request: Request, principal: Importing, db: Db, dry_run: bool = False, mission: Mission = None
    ) -> JSONResponse:
        """Load the file, all or nothing; 200 with the report when every row is accepted (on
        ``dry_run``, nothing is written either), 422 with the report's row problems when not."""
        with tempfile.TemporaryDirectory(prefix="bluehelmet-import-") as folder:
            path, original = await _saved_upload(request, Path(folder))

            def load() -> loading.LoadReport:
                return import_file(db, principal.name, importer, path, mission=mission, dry_run=dry_run,
                                   source=f"{importer.name} import: {original}")  # fmt: skip

            try:
                report = await write_in_turn(request, load)  # once the upload is in, not while it comes
            except BluehelmetError as error:
                raise problems(("file", str(error))) from None
        return JSONResponse(report.as_dict(), 422 if report.problem_count else 200)


for _cls in ENTITIES:
    _add_export(_cls)
    _add_import(entity_name(_cls), table_importer(entity_name(_cls)))
for _name, _importer in sorted(IMPORTERS.items()):
    _add_import(_name, _importer)
