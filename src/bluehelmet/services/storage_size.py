"""The database's size by table, for an operator (``bluehelmet about --storage`` and the Data
quality page, for an administrator: the sizes are of the whole database, every mission's)."""

from __future__ import annotations

from typing import Any

from bluehelmet.services.database import Database
from bluehelmet.storage.sizes import DatabaseSize, TableSize, database_size

__all__ = ["DatabaseSize", "TableSize", "as_dict", "storage_size"]


def storage_size(db: Database) -> DatabaseSize:
    """Bytes in all and by table (with its indexes), largest first, read in one transaction."""
    with db.transaction("storage report") as tx:
        return database_size(tx.session)


def as_dict(size: DatabaseSize) -> dict[str, Any]:
    tables = None if size.tables is None else [
        {"table": t.name, "data_bytes": t.data, "index_bytes": t.indexes, "total_bytes": t.total} for t in size.tables
    ]  # fmt: skip
    return {"backend": size.backend, "total_bytes": size.total, "free_bytes": size.free, "method": size.method,
            "tables": tables}  # fmt: skip
