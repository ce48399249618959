"""Full-text search over the records' text, in SQL (the indexes themselves: migrations 0024 for
the incidents, 0027 for the other kinds).

SQLite holds the words of each kind in an FTS5 table ``<table>_search`` (rowid = the record's
id), PostgreSQL in a GIN index over ``to_tsvector('simple', bluehelmet_fold(...))`` of the same
text. Either way a search is case- and accent-insensitive and language-neutral (no stemming, so
French and English text are treated alike): each word of the query must begin a word of the
record's text, so "attaque" finds "attaques" and "Sevare" finds "Sévaré". A field holding a
list of text (a JSON array) is searched as its items.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, String, Table, bindparam, cast, false, literal_column, or_, select, text
from sqlalchemy import table as sql_table

from bluehelmet.domain.records import Record
from bluehelmet.storage.tables import TABLES

__all__ = [
    "INCIDENT_FIELDS",
    "LISTS",
    "SEARCHED",
    "any_word_clause",
    "incident_clause",
    "is_search_table",
    "list_clause",
    "text_clause",
    "words",
]

#: The incident fields searched, in the order migration 0024 indexes them (a test keeps the two equal).
INCIDENT_FIELDS = (
    "external_id", "location_name", "admin1", "admin2", "admin3", "perpetrator", "actor1", "assoc_actor1",
    "actor2", "assoc_actor2", "source", "tags", "notes",
)  # fmt: skip
#: Every table searched and its fields, in the order migrations 0024 and 0027 index them (a test
#: keeps them equal). The first field of each is its title's.
SEARCHED: dict[str, tuple[str, ...]] = {
    "incident": INCIDENT_FIELDS,
    "location": ("name", "name_fr", "variants"),
    "unit": ("name", "status_reason", "status_reason_fr", "notes"),
    "operation": ("name", "description", "description_fr", "objectives", "partner_forces", "results", "results_fr"),
    "operation_phase": ("name", "area"),
    "activity": ("description",),
    "caveat": ("description", "description_fr", "source"),
    "caveat_impact": ("task", "description"),
    "equipment_item": ("identifier", "description"),
    "equipment_status_change": ("note",),
    "inspection": ("inspector", "findings"),
    "evaluation": ("evaluator", "summary"),
    "evaluation_finding": ("finding",),
    "improvement_plan": ("description",),
    "improvement_action": ("description",),
    "convoy_notification": ("armed_group", "route"),
    "convoy_observation": ("armed_group", "route"),
    "movement_restriction": ("description", "imposed_by", "imposed_by_fr", "lifted_through", "lifted_through_fr"),
    "capability_requirement": ("note",),
    "infrastructure_project": ("name", "purpose"),
    "project_milestone": ("name", "name_fr"),
    "rotation": ("note",),
    "transition_activity": ("title", "title_fr", "benchmark", "owner", "delay_reason", "delay_reason_fr"),
    "joint_programme": ("name", "name_fr", "partners", "aims", "aims_fr"),
    "coordination_body": ("name", "name_fr", "purpose", "partners", "partners_fr"),
    "coordination_meeting": ("summary", "decisions"),
    "intake_message": ("text",),
    "alert": ("message",),
    "alert_rule": ("name", "description"),
}
#: The searched fields that hold a list of text (a JSON array), as (table, field).
LISTS = frozenset({
    ("location", "variants"), ("operation", "objectives"), ("operation", "partner_forces"),
    ("joint_programme", "partners"), ("joint_programme", "aims"), ("joint_programme", "aims_fr"),
    ("coordination_body", "partners"), ("coordination_body", "partners_fr"), ("coordination_meeting", "decisions"),
})  # fmt: skip
#: At most this many words of a query are used (a search is a few words, not a document).
_MOST_WORDS = 16
_WORD = re.compile(r"[^\W_]+")


def words(query: str) -> list[str]:
    """The words of a search, as both engines cut text (letters and digits; the rest separates)."""
    return _WORD.findall(query)[:_MOST_WORDS]


def is_search_table(name: str | None) -> bool:
    """Whether a table or index is the search's own (outside the declared tables: not drift)."""
    return bool(name) and any(str(name).startswith((f"{t}_search", f"ix_{t}_search")) for t in SEARCHED)


def _pg_text(table: str) -> str:
    """A record's text as the PostgreSQL index of its kind holds it (the same expression, so
    that the index is used), written from the constant names above."""

    def one(name: str) -> str:
        column = f"{table}.{name}"
        return f"bluehelmet_json_text({column})" if (table, name) in LISTS else f"coalesce({column}, '')"

    return " || ' ' || ".join(one(name) for name in SEARCHED[table])


_TSQUERY = "to_tsquery('simple', bluehelmet_fold(:search_words))"
_PG_MATCH = {table: f"to_tsvector('simple', bluehelmet_fold({_pg_text(table)})) @@ {_TSQUERY}" for table in SEARCHED}


def text_clause(dialect: str, table: Table, query: str) -> Any:
    """The condition "the record's text holds every word of ``query``" for a record of a searched
    ``table`` on ``dialect`` (nothing matches a query without a word)."""
    found = words(query)
    if not found:
        return false()
    if dialect == "sqlite":
        # Each word quoted (no FTS5 operator can slip in) and taken as a prefix.
        match = " ".join('"' + w + '"*' for w in found)
        index = f"{table.name}_search"
        return table.c.id.in_(_fts_rowids(index, match))
    tsquery = " & ".join(f"{w}:*" for w in found)
    return text(_PG_MATCH[table.name]).bindparams(search_words=tsquery)


def _fts_rowids(index: str, match: str) -> Select[Any]:
    """The rowids of the SQLite FTS5 table ``index`` (a name of the schema's own) matching the
    FTS5 query ``match`` (bound as a parameter: every word quoted by the callers)."""
    return (
        select(literal_column("rowid"))
        .select_from(sql_table(index))
        .where(literal_column(index).op("MATCH")(bindparam("search_words", match)))
    )


def any_word_clause(dialect: str, table: Table, prefixes: tuple[str, ...]) -> Any:
    """The condition "the record's text holds a word beginning with any of ``prefixes``" (each a
    single plain word) for a record of a searched ``table``: one query of the index."""
    found = [w for prefix in prefixes for w in words(prefix)]
    if not found:
        return false()
    if dialect == "sqlite":
        index = f"{table.name}_search"
        match = " OR ".join('"' + w + '"*' for w in found)
        return table.c.id.in_(_fts_rowids(index, match))
    return text(_PG_MATCH[table.name]).bindparams(search_words=" | ".join(f"{w}:*" for w in found))


def incident_clause(dialect: str, table: Table, query: str) -> Any:
    """The condition "the incident's text holds every word of ``query``" (see ``text_clause``)."""
    return text_clause(dialect, table, query)


def list_clause(dialect: str, cls: type[Record], query: str) -> Any:
    """The condition "a record of ``cls`` holds ``query``" in a list: the full-text index for
    the kinds that have one (an incident's text alone; another kind's text or, as before the
    index, its naming field containing ``query`` in any case), else the naming field alone (as
    text: some kinds are named by a date or a number)."""
    table = TABLES[cls]
    named = cast(table.c[cls.label_field], String).icontains(query, autoescape=True)
    if table.name not in SEARCHED:
        return named
    found = text_clause(dialect, table, query)
    return found if table.name == "incident" else or_(found, named)
