"""Attachments under ``/api/attachments/``: the file kept as evidence, to those who may read the
record it is attached to (anyone else is told it does not exist), and a file attached to a record.

The file is served as it was received, with its SHA-256 in the ``Digest`` header, as a download
(``Content-Disposition: attachment``) that the browser is told not to sniff.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.records import JSONValue, snapshot
from bluehelmet.services import attachments
from bluehelmet.services.database import Database
from bluehelmet.web.api.errors import COMMON, ApiRoute, responses
from bluehelmet.web.api.records import RecordId
from bluehelmet.web.deps import database_of, need, write_in_turn

__all__ = ["router"]

router = APIRouter(prefix="/attachments", route_class=ApiRoute, tags=["attachments"])
Db = Annotated[Database, Depends(database_of)]


@router.get("/{attachment_id}", responses={**COMMON, **responses(404)})
def download(
    attachment_id: RecordId, principal: Annotated[Principal, Depends(need(Action.READ, "Incident"))], db: Db
) -> Response:
    """The attached file, byte for byte."""
    with db.transaction(principal.name) as tx:
        evidence = attachments.open_attachment(tx, attachment_id, principal)
    kept = evidence.attachment
    digest = base64.b64encode(bytes.fromhex(kept.sha256)).decode()
    name = "".join(c for c in kept.filename if c.isalnum() or c in "._- ") or f"attachment-{kept.id}"
    headers = {"Digest": f"sha-256={digest}", "Content-Disposition": f'attachment; filename="{name}"',
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return Response(evidence.content, media_type=kept.media_type, headers=headers)


@router.post("/incident/{record_id}", responses={**COMMON, **responses(404)})
async def attach_to_incident(
    request: Request,
    record_id: RecordId,
    file: UploadFile,
    principal: Annotated[Principal, Depends(need(Action.WRITE, "Incident"))],
    db: Db,
) -> JSONResponse:
    """Attach a photo, recording or document to an incident one may change."""
    content = await file.read()
    name = file.filename or ""

    def work() -> dict[str, JSONValue]:
        with db.transaction(principal.name) as tx:
            kept = attachments.attach(tx, "Incident", record_id, content, filename=name, principal=principal)
            return snapshot(kept)

    return JSONResponse(await write_in_turn(request, work))
