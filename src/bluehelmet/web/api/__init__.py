"""The REST API under ``/api/``: one router per concern, all answering JSON (see docs/api.md).

- ``records``: every kind of record: list, get, create, change, delete, restore, history
- ``review``: the incidents' review (draft -> verified / rejected), one or a batch
- ``stats``: the analysis, as ``bluehelmet stats TOPIC --json`` gives it
- ``maps``: GeoJSON layers for the pages' map
- ``files``: streamed exports and uploaded imports
- ``reports``: the letter
"""

from __future__ import annotations

from fastapi import APIRouter

from bluehelmet.web.api import files, maps, records, reports, review, stats

__all__ = ["router"]

router = APIRouter(prefix="/api")
# The records' routes last: a request is matched against the routes in order, and they are
# about two hundred (seven for each kind), which the stats and map requests need not walk.
for _module in (review, stats, maps, files, reports, records):
    router.include_router(_module.router)
