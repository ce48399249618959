"""Full-text search over the incidents' text, in SQL (the index itself: migration 0024).

SQLite holds the words in the FTS5 table ``incident_search`` (rowid = the incident's id),
PostgreSQL in a GIN index over ``to_tsvector('simple', bluehelmet_fold(...))``. Either way a
search is case- and accent-insensitive and language-neutral (no stemming, so French and English
text are treated alike): each word of the query must begin a word of the incident's text, so
"attaque" finds "attaques" and "Sevare" finds "Sévaré".
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, Table, false, literal_column, select, text

__all__ = ["INCIDENT_FIELDS", "incident_clause", "is_search_table", "words"]

#: The incident fields searched, in the order migration 0024 indexes them (a test keeps the two equal).
INCIDENT_FIELDS = (
    "external_id", "location_name", "admin1", "admin2", "admin3", "perpetrator", "actor1", "assoc_actor1",
    "actor2", "assoc_actor2", "source", "tags", "notes",
)  # fmt: skip
#: At most this many words of a query are used (a search is a few words, not a document).
_MOST_WORDS = 16
_WORD = re.compile(r"[^\W_]+")


def words(query: str) -> list[str]:
    """The words of a search, as both engines cut text (letters and digits; the rest separates)."""
    return _WORD.findall(query)[:_MOST_WORDS]


def is_search_table(name: str | None) -> bool:
    """Whether a table or index is the search's own (outside the declared tables: not drift)."""
    return bool(name) and str(name).startswith(("incident_search", "ix_incident_search"))


#: The condition on PostgreSQL: the incident's text as the index of migration 0024 holds it (the
#: same expression, so that the index is used), written once from the constant field names.
_PG_MATCH = (
    "to_tsvector('simple', bluehelmet_fold("
    + " || ' ' || ".join(f"coalesce(incident.{name}, '')" for name in INCIDENT_FIELDS)
    + ")) @@ to_tsquery('simple', bluehelmet_fold(:search_words))"
)


def incident_clause(dialect: str, table: Table, query: str) -> Any:
    """The condition "the incident's text holds every word of ``query``" for ``dialect``
    (nothing matches a query without a word)."""
    found = words(query)
    if not found:
        return false()
    if dialect == "sqlite":
        # Each word quoted (no FTS5 operator can slip in) and taken as a prefix.
        match = " ".join('"' + w + '"*' for w in found)
        ids: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(text("incident_search"))
            .where(text("incident_search MATCH :search_words").bindparams(search_words=match))
        )
        return table.c.id.in_(ids)
    tsquery = " & ".join(f"{w}:*" for w in found)
    return text(_PG_MATCH).bindparams(search_words=tsquery)
