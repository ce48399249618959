"""Text search in lists of records: which condition a search of a kind's records becomes.

Incidents, which may number a million and carry the text analysts look for (places, actors,
notes, in French and English), are searched through the full-text index (storage/search.py):
case- and accent-insensitive, every word a prefix. Other kinds, small, are searched in the field
that names a record (as text), any case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast

from bluehelmet.domain.records import Record
from bluehelmet.storage.search import incident_clause
from bluehelmet.storage.tables import TABLES

__all__ = ["text_clause"]


def text_clause(dialect: str, cls: type[Record], query: str) -> Any:
    """The condition "a record of ``cls`` holds ``query``" on a database of ``dialect``."""
    table = TABLES[cls]
    if cls.__name__ == "Incident":
        return incident_clause(dialect, table, query)
    # The naming field as text: some kinds are named by a date (an improvement plan's) or a number.
    return cast(table.c[cls.label_field], String).icontains(query, autoescape=True)
