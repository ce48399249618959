"""The REST API's reference at ``/api/docs``: Swagger UI from the vendored copy under
``static/vendor/swagger-ui``, started by our own ``static/api-docs.js``, so it works offline
and under the application's Content-Security-Policy (no inline script, nothing from a CDN).
FastAPI's own page loads Swagger UI from a CDN with an inline script, and is switched off."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from bluehelmet import __version__

__all__ = ["router"]

router = APIRouter()

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bluehelmet {__version__}: REST API</title>
<link rel="icon" href="/static/favicon.svg">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-schema="/openapi.json"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


@router.get("/api/docs", include_in_schema=False)
def api_docs() -> HTMLResponse:
    """The API reference (needs nothing: the schema it reads is public, as /openapi.json is)."""
    return HTMLResponse(_PAGE)
