"""Request bodies bounded as they arrive, before anything parses or spools them.

An ASGI middleware, outermost: a request whose ``Content-Length`` is past its route's limit is
answered 413 at once, unread; a body without a length (chunked) or longer than it said is
counted chunk by chunk as the application reads it, and the read that passes the limit raises
413, so the multipart parser has spooled at most the limit when it stops. Limits by route:

- sign-in and sign-out: ``SIGNIN_LIMIT`` (16 KiB; a name, a password and a token);
- imports (``/api/import/...``, ``/imports/...``): the ``upload_limit_mb`` setting (50 MB);
- attachments (``/api/attachments/...``): the ``attachment_limit_mb`` setting (25 MB);
- bulk creations (``/api/records/KIND/bulk``): ``BULK_LIMIT`` (16 MiB; 10,000 records of a
  few hundred bytes each, with room for long notes);
- everything else (JSON records, forms, reviews, the letter's options): the
  ``request_limit_kb`` setting (1 MiB; a record's longest text is 20,000 characters).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bluehelmet.config import Settings

__all__ = ["BULK_LIMIT", "SIGNIN_LIMIT", "BodyLimit", "limit_of"]

SIGNIN_LIMIT = 16 * 1024
BULK_LIMIT = 16 * 1024 * 1024
_IMPORTS = ("/api/import/", "/imports/")


def limit_of(path: str, settings: Settings) -> int:
    """The most bytes a request body to ``path`` may hold."""
    if path in ("/signin", "/signout"):
        return SIGNIN_LIMIT
    if path.startswith(_IMPORTS):
        return settings.upload_limit_mb * 1024 * 1024 + 64 * 1024  # the file and its multipart framing
    if path.startswith("/api/attachments/"):  # a photo or recording, up to the attachments' limit
        return int(settings.attachment_limit_mb * 1024 * 1024) + 64 * 1024
    if path.startswith("/api/records/") and path.endswith("/bulk"):
        return BULK_LIMIT
    return settings.request_limit_kb * 1024


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes, the limit of this route"


class BodyLimit:
    """Refuses (413) a request body past its route's limit, counting it as it arrives."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_of(scope["path"], self.settings)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)  # unread: the client may send what it likes, nobody reads it
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": _too_large(limit)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
