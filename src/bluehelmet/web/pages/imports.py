"""Imports: upload a CSV file of one kind of record (bluehelmet's own columns, as the
templates write them) and read every row's problems. A load is all or nothing: one refused
row and nothing is written; a dry run checks without writing.

Spreadsheets (XLSX), ACLED and HXL files go through `bluehelmet import` or the API, whose
readers live in the ``imports`` layer that the pages do not import.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import loading
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["MAX_UPLOAD_BYTES", "router"]

router = APIRouter()
#: The largest file the page takes (bigger loads go through the CLI, which streams from disk).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _importable(principal: Principal) -> list[str]:
    return [cls.__name__ for cls in ENTITIES if permits(principal, Action.IMPORT, cls.__name__)]


def _page(request: Request, principal: Principal, **context: Any) -> Response:
    status = int(context.pop("status", 200))
    kinds = _importable(principal)
    base = {"title": "Imports", "kinds": kinds, "chosen": context.pop("chosen", kinds[0] if kinds else ""),
            "report": None, "error": ""}  # fmt: skip
    return render(request, "imports.html", {**base, **context}, status=status, principal=principal)


@router.get("/imports")
def import_form(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    return _page(request, principal)


def _rows(stream: IO[bytes]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The file's rows with their row numbers (the header is row 1), as text."""
    reader = csv.DictReader(codecs.iterdecode(stream, "utf-8-sig"))
    for number, row in enumerate(reader, start=2):
        yield number, {k: v for k, v in row.items() if k is not None}


@router.post("/imports/{kind}")
async def upload(
    request: Request,
    kind: str,
    principal: Annotated[Principal, Depends(need(Action.IMPORT, kind_param="kind"))],
) -> Response:
    form = await request.form()
    try:
        # The load is blocking work that writes: in its turn (web.deps.write_in_turn), off the event loop.
        given, dry_run = form.get("file"), "dry_run" in form
        return await write_in_turn(request, lambda: _load(request, principal, kind, given, dry_run=dry_run))
    finally:
        await form.close()  # the upload's temporary file


def _load(request: Request, principal: Principal, kind: str, given: object, *, dry_run: bool) -> Response:
    if not isinstance(given, UploadFile) or not given.filename:
        return _page(request, principal, chosen=kind, error=N_("Choose a CSV file to upload."), status=422)
    if (given.size or 0) > MAX_UPLOAD_BYTES:
        too_large = N_("The file is too large for the page: use the command line.")
        return _page(request, principal, chosen=kind, error=too_large, status=413)
    try:
        report = loading.load(
            db_of(request), actor_of(principal), kind, _rows(given.file), source=given.filename, dry_run=dry_run
        )
    except (BluehelmetError, UnicodeDecodeError, csv.Error) as error:
        return _page(request, principal, chosen=kind, error=str(error), status=422)
    status = 200 if report.problem_count == 0 else 422
    return _page(request, principal, chosen=kind, report=report, status=status)
