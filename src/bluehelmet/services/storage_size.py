"""The database's size by table, for an operator (``bluehelmet about --storage`` and the Data
quality page, for an administrator: the sizes are of the whole database, every mission's)."""

from __future__ import annotations

import time
from threading import Lock
from typing import Any

from bluehelmet.services.database import Database
from bluehelmet.storage.sizes import DatabaseSize, TableSize, database_size

__all__ = ["PAGE_MAX_AGE", "DatabaseSize", "TableSize", "as_dict", "storage_size"]

#: How old a measure the Data quality page may show, in seconds: measuring reads every page of
#: the database (about a second at 200,000 incidents), and the sizes change slowly.
PAGE_MAX_AGE = 600.0
_MEASURED: dict[str, tuple[float, DatabaseSize]] = {}
_LOCK = Lock()


def storage_size(db: Database, *, max_age: float = 0.0) -> DatabaseSize:
    """Bytes in all and by table (with its indexes), largest first, read in one transaction;
    with ``max_age``, a measure of this database made at most that many seconds ago, if any."""
    key = db.settings.database_url
    with _LOCK:
        kept = _MEASURED.get(key)
    if max_age > 0 and kept is not None and time.monotonic() - kept[0] <= max_age:
        return kept[1]
    with db.transaction("storage report") as tx:
        size = database_size(tx.session)
    with _LOCK:
        _MEASURED[key] = (time.monotonic(), size)
    return size


def as_dict(size: DatabaseSize) -> dict[str, Any]:
    tables = None if size.tables is None else [
        {"table": t.name, "data_bytes": t.data, "index_bytes": t.indexes, "total_bytes": t.total} for t in size.tables
    ]  # fmt: skip
    return {"backend": size.backend, "total_bytes": size.total, "free_bytes": size.free, "method": size.method,
            "tables": tables}  # fmt: skip
