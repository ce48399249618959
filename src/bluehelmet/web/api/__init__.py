"""The REST API under ``/api/``: one router per concern, all answering JSON (see docs/api.md).

- ``records``: every kind of record: list, get, create, change, delete, restore, history
- ``review``: the incidents' review (draft -> verified / rejected), one or a batch
- ``stats``: the analysis, as ``bluehelmet stats TOPIC --json`` gives it
- ``quality``: data quality, as ``bluehelmet check --json`` gives it
- ``search``: full-text search across the kinds, as ``bluehelmet search --json`` gives it
- ``maps``: GeoJSON layers for the pages' map
- ``files``: streamed exports and uploaded imports
- ``reports``: the letter; ``drafts``: drafts of the letter
- ``accounts``: accounts for admins: disable, enable, a new password, revoke tokens
- ``intake``: messages from SMS/WhatsApp gateways; ``attachments``: files kept as evidence
- ``sync``: what sector nodes push and pull (node tokens only)
"""

from __future__ import annotations

from fastapi import APIRouter

from bluehelmet.web.api import (
    accounts,
    attachments,
    drafts,
    files,
    intake,
    maps,
    quality,
    records,
    reports,
    review,
    search,
    stats,
    sync,
)

__all__ = ["router"]

router = APIRouter(prefix="/api")
# A request is matched against the routes in order, twice at each level of routers (FastAPI
# matches an included router, then its route inside it). The records' routes (about two
# hundred, seven for each kind) come after the stats and map routes, which need not walk them,
# and before the files and the letter (some seventy routes, for requests that take seconds),
# which a creation need not walk.
for _module in (
    review,
    stats,
    quality,
    search,
    maps,
    records,
    files,
    reports,
    drafts,
    accounts,
    intake,
    attachments,
    sync,
):
    router.include_router(_module.router)
