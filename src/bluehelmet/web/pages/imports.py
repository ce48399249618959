"""Imports: upload a CSV or XLSX file, in bluehelmet's own columns for one kind of record (as
``bluehelmet template`` writes them, downloadable here) or in another layout (ACLED, HXL,
Geo-PKO, RADPKO: ``imports.registry``), and read every row's problems. A load is all or
nothing: one refused row and nothing is written; a dry run checks without writing.

The file is read by the same readers as ``bluehelmet import`` and ``POST /api/import/...``
(``imports.tables``): UTF-8 text only, cells of bounded length, and a workbook refused before it
unpacks when it would unpack past the limits (a zip bomb); each refusal is one line naming the
file and, where there is one, the row.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

import bluehelmet.imports  # noqa: F401 - registers the importers of other layouts
from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.exports.writers import write_template
from bluehelmet.imports.registry import IMPORTERS, Importer, import_file, table_importer
from bluehelmet.services import exchange, records
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["MAX_UPLOAD_BYTES", "router"]

router = APIRouter()
#: The largest file the page takes (bigger loads go through the CLI, which streams from disk).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024
_READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
_MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _importable(principal: Principal) -> list[str]:
    return [cls.__name__ for cls in ENTITIES if permits(principal, Action.IMPORT, cls.__name__)]


def _layouts(principal: Principal) -> list[Importer]:
    return [i for _, i in sorted(IMPORTERS.items()) if permits(principal, Action.IMPORT, i.kind)]


def _page(request: Request, principal: Principal, **context: Any) -> Response:
    status = int(context.pop("status", 200))
    kinds = _importable(principal)
    base = {"title": "Imports", "kinds": kinds, "layouts": _layouts(principal),
            "chosen": context.pop("chosen", kinds[0] if kinds else ""), "report": None, "error": "",
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "templates": [(k, entity_name(records.kind_of(k)))
                                                                      for k in kinds]}  # fmt: skip
    return render(request, "imports.html", {**base, **context}, status=status, principal=principal)


@router.get("/imports")
def import_form(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    return _page(request, principal)


@router.get("/imports/template/{kind}")
def template(
    request: Request, kind: str, principal: Annotated[Principal, Depends(need(Action.READ))], format: str = "xlsx"
) -> Response:
    """A blank file for ``kind``: the file ``bluehelmet template KIND --format FORMAT`` writes."""
    if format not in _MEDIA:
        raise HTTPException(404, f"no template in '{format[:20]}': csv or xlsx")
    try:
        cls = records.kind_of(kind)
    except BluehelmetError:
        raise HTTPException(404, f"no kind of record '{kind[:40]}'") from None
    name = f"{entity_name(cls)}-template.{format}"
    with tempfile.TemporaryDirectory(prefix="bluehelmet-template-") as folder:
        path = Path(folder) / name
        write_template(format, path, exchange.columns(cls))
        content = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=_MEDIA[format], headers=headers)


@router.post("/imports/{kind}")
async def upload(
    request: Request,
    kind: str,
    principal: Annotated[Principal, Depends(need(Action.IMPORT, kind_param="kind"))],
) -> Response:
    """A file in bluehelmet's columns for ``kind``."""
    return await _upload(request, principal, kind, table_importer(kind))


@router.post("/imports/layout/{layout}")
async def upload_layout(
    request: Request, layout: str, principal: Annotated[Principal, Depends(need(Action.READ))]
) -> Response:
    """A file in another layout (``acled``, ``hxl``, ``geopko``, ``radpko``); the account must
    be allowed to import the kind that layout loads."""
    importer = IMPORTERS.get(layout)
    if importer is None or not permits(principal, Action.IMPORT, importer.kind):
        await (await request.form()).close()  # the upload's temporary file (the CSRF check read the form)
        if not _importable(principal):
            raise HTTPException(403, f"the {principal.role} role may not import records")
        if importer is None:
            raise HTTPException(404, f"no import layout '{layout[:40]}'")
        raise HTTPException(403, f"the {principal.role} role may not import {importer.kind} records")
    return await _upload(request, principal, layout, importer)


async def _upload(request: Request, principal: Principal, chosen: str, importer: Importer) -> Response:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + _CHUNK:
        return _too_large(request, principal, chosen)
    form = await request.form(max_files=1, max_fields=20)
    try:
        given, dry_run = form.get("file"), "dry_run" in form
        if not isinstance(given, UploadFile) or not given.filename:
            return _page(
                request, principal, chosen=chosen, error=N_("Choose a CSV or XLSX file to upload."), status=422
            )
        with tempfile.TemporaryDirectory(prefix="bluehelmet-import-") as folder:
            path = Path(folder) / _safe_name(given.filename)
            size = 0
            with path.open("wb") as handle:
                while chunk := await given.read(_CHUNK):
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        return _too_large(request, principal, chosen)
                    handle.write(chunk)
            # The load is blocking work that writes: in its turn (web.deps.write_in_turn), off the event loop.
            return await write_in_turn(
                request, lambda: _load(request, principal, chosen, importer, path, given.filename or "", dry_run)
            )
    finally:
        await form.close()  # the upload's temporary file


def _too_large(request: Request, principal: Principal, chosen: str) -> Response:
    too_large = N_("The file is too large for the page: use the command line.")
    return _page(request, principal, chosen=chosen, error=too_large, status=413)


def _safe_name(filename: str) -> str:
    """The upload's own name (so a refusal names the file the user chose), kept to plain
    characters; a file that is neither CSV nor XLSX by its name is read as CSV."""
    name = re.sub(r"[^\w.\-]+", "_", Path(filename).name)[-120:].lstrip(".") or "upload.csv"
    return name if Path(name).suffix.lower() in _READABLE else f"{name}.csv"


def _load(
    request: Request, principal: Principal, chosen: str, importer: Importer, path: Path, original: str, dry_run: bool
) -> Response:
    try:
        report = import_file(
            db_of(request), actor_of(principal), importer, path, dry_run=dry_run,
            source=original if importer.name == importer.kind else f"{importer.name} import: {original}",
        )  # fmt: skip
    except BluehelmetError as error:
        return _page(request, principal, chosen=chosen, error=str(error).replace(path.name, original), status=422)
    status = 200 if report.problem_count == 0 else 422
    return _page(request, principal, chosen=chosen, report=report, status=status)
