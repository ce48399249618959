"""Search across the kinds of record: the incidents and every other record whose text a JOC
officer looks for (operations and activities, caveats, evaluation findings and improvement
actions, movement restrictions, convoys, the transition, projects, intake messages, alerts,
drafts of the letter).

Each kind is searched through its full-text index (``storage.search``; drafts, few and held as
paragraphs, are read and matched here) within what the principal may read, exactly as its lists
are read: the query of a kind is the scoped query of its records (``listing.scoped_select``) in
the mission chosen, and each record a kind's scoping cannot write as SQL is asked, like its page
asks. So a sector account is never told of a record, a count or a word outside its sector, and
deleted records are never found. The hits are ranked alike for every kind (``search_text.score``)
among the newest matches of each kind; each comes with an excerpt, its matches marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from bluehelmet.domain import catalogue
from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.alerts import Alert, AlertRule
from bluehelmet.domain.drafts import Draft
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.intake import IntakeMessage
from bluehelmet.domain.records import Record
from bluehelmet.services import drafts, intake, scope, watch
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exporting import date_field
from bluehelmet.services.listing import scoped_select
from bluehelmet.services.search_text import Excerpt, excerpt, matches, score
from bluehelmet.storage.search import LISTS, SEARCHED, text_clause, words
from bluehelmet.storage.tables import TABLES

__all__ = ["KINDS", "MAX_LENGTH", "Hit", "Results", "kind_named", "page_of", "search"]

_C = catalogue.entity_class
#: The kinds searched, in the order their groups are shown.
KINDS: tuple[type[Record], ...] = (
    *(_C(n) for n in ("Incident", "Operation", "OperationPhase", "Activity", "Caveat", "CaveatImpact", "Evaluation",
                      "EvaluationFinding", "ImprovementPlan", "ImprovementAction", "Inspection", "MovementRestriction",
                      "ConvoyNotification", "ConvoyObservation", "TransitionActivity", "JointProgramme",
                      "CoordinationBody", "CoordinationMeeting", "InfrastructureProject", "ProjectMilestone",
                      "CapabilityRequirement", "Unit", "EquipmentItem", "EquipmentStatusChange", "Rotation",
                      "Location")),
    IntakeMessage, Alert, AlertRule, Draft,
)  # fmt: skip
_BY_NAME = {**{catalogue.entity_name(c): c for c in KINDS}, **{c.__name__: c for c in KINDS}}
#: The longest search taken (a search is a few words; longer is refused, not cut).
MAX_LENGTH = 200
#: Kinds without a mission of their own: the field naming their parent, and the parent's kind.
_PARENTS = {
    "OperationPhase": ("operation_id", "Operation"), "CaveatImpact": ("caveat_id", "Caveat"),
    "EquipmentStatusChange": ("equipment_id", "EquipmentItem"), "EvaluationFinding": ("evaluation_id", "Evaluation"),
    "ImprovementAction": ("plan_id", "ImprovementPlan"), "ProjectMilestone": ("project_id", "InfrastructureProject"),
    "CoordinationMeeting": ("body_id", "CoordinationBody"),
}  # fmt: skip
#: The page that shows each kind ({id}, {name}: the record's); a kind no page shows: its history.
_PAGES = {
    "Incident": "/incidents/{id}", "Operation": "/operations", "OperationPhase": "/operations",
    "Activity": "/operations", "Caveat": "/forces", "ImprovementPlan": "/forces", "ImprovementAction": "/forces",
    "Unit": "/forces", "Rotation": "/rotations", "CapabilityRequirement": "/capabilities",
    "InfrastructureProject": "/capabilities", "TransitionActivity": "/transition", "JointProgramme": "/transition",
    "IntakeMessage": "/intake", "Alert": "/alerts", "AlertRule": "/watch", "Draft": "/reports/drafts/{name}",
}  # fmt: skip
_TITLE_LENGTH = 90


@dataclass(frozen=True)
class Hit:
    """A record found: its kind (as files name it), id, title, an excerpt with the matches
    marked, how well it matches (0-1) and the page that shows it."""

    kind: str
    id: int
    title: str
    excerpt: Excerpt
    score: float
    page: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "snippet": self.excerpt.text,
                "marks": [list(m) for m in self.excerpt.marks], "score": self.score, "page": self.page}  # fmt: skip


@dataclass(frozen=True)
class Results:
    """What a search found: the best hits of every kind, best first, and how many records of
    each kind match in all (kinds with none left out)."""

    query: str
    words: tuple[str, ...]
    hits: tuple[Hit, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_kind(self) -> list[tuple[str, list[Hit]]]:
        """The hits grouped by kind, the kinds in their usual order, each group best first."""
        return [(k, [h for h in self.hits if h.kind == k]) for k in self.counts if any(h.kind == k for h in self.hits)]

    def as_json(self) -> dict[str, Any]:
        return {"query": self.query, "words": list(self.words), "total": self.total, "counts": self.counts,
                "hits": [h.as_json() for h in self.hits]}  # fmt: skip


def kind_named(name: str) -> type[Record]:
    """The searched kind called ``name`` (``movement_restriction`` or ``MovementRestriction``)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(catalogue.entity_name(c) for c in KINDS)
        raise BluehelmetError(f"no kind of record '{name}' to search; the kinds: {known}") from None


def page_of(record: Record) -> str:
    """The path of the page that shows ``record`` (its history on the audit page when no page
    shows its kind)."""
    path = _PAGES.get(type(record).__name__, "/audit?kind={kind}&id={id}")
    return path.format(id=record.id, kind=type(record).__name__, name=quote(str(getattr(record, "name", "")), safe=""))


def _text_of(record: Record) -> str:
    """The record's searched text, its fields in the order indexed (lists as their items)."""
    if isinstance(record, Draft):
        return " ".join(str(t) for p in record.paragraphs for t in dict(p.get("text", {})).values())
    table = TABLES[type(record)].name
    parts = []
    for name in SEARCHED[table]:
        value = getattr(record, name, None)
        if (table, name) in LISTS and isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        if value and str(value) not in parts:  # an incident's place often repeats as its region
            parts.append(str(value))
    return " · ".join(parts)


def _title_of(record: Record) -> str:
    if isinstance(record, Draft):
        return record.name
    table = TABLES[type(record)].name
    first = getattr(record, SEARCHED[table][0], None)
    if table == "incident":
        place = getattr(record, "location_name", "")
        first = f"{first} · {place} · {getattr(record, 'event_date', '')}" if place else first
    if not first:  # then its naming field (a date for some kinds), else its id
        first = getattr(record, record.label_field, None)
    title = " ".join(str(first or "").split()) or f"#{record.id}"
    return title if len(title) <= _TITLE_LENGTH else title[: _TITLE_LENGTH - 1].rstrip() + "…"


def _hit(record: Record, query_words: list[str]) -> Hit:
    text, title = _text_of(record), _title_of(record)
    name = catalogue.entity_name(type(record))
    return Hit(
        name, record.id or 0, title, excerpt(text, query_words), score(title, text, query_words), page_of(record)
    )


def _may_read(tx: Transaction, principal: Principal, record: Record) -> bool:
    """A record as its own page reads it: a message through its draft, an alert with the records it names."""
    if isinstance(record, IntakeMessage):
        return intake.may_read(tx, principal, record)
    if isinstance(record, Alert):
        return watch.may_read(tx, principal, record)
    if isinstance(record, AlertRule) and record.sector_id is None:
        return True  # the mission's rules, shown to every account (watch.rules_for)
    return allowed(tx, principal, Action.READ, record)


def _in_mission(cls: type[Record], mission_id: int) -> Any:
    table = TABLES[cls]
    if "mission_id" in table.c:
        return table.c.mission_id == mission_id
    fk, parent = _PARENTS[cls.__name__]
    owners = TABLES[_C(parent)]
    return table.c[fk].in_(select(owners.c.id).where(owners.c.mission_id == mission_id))


def _of_kind(tx: Transaction, principal: Principal, cls: type[Record], query: str, mission_id: int,
             pool: int) -> tuple[int, list[Record]]:  # fmt: skip
    """How many records of ``cls`` hold ``query`` within the principal's reach, and the newest
    ``pool`` of them."""
    table = TABLES[cls]
    stmt, ask_each = scoped_select(cls, principal)
    dialect = tx.session.get_bind().dialect.name
    stmt = stmt.where(text_clause(dialect, table, query), _in_mission(cls, mission_id))
    main = date_field(cls) or ("received_at" if cls is IntakeMessage else None)
    order = [*([table.c[main].desc()] if main else []), table.c.id.desc()]
    if ask_each or (principal.scoped and cls in (IntakeMessage, Alert, AlertRule)):  # each asked as its page asks
        found = [r for r in tx.session.scalars(stmt.order_by(*order)) if _may_read(tx, principal, r)]
        return len(found), found[:pool]
    total = int(tx.session.scalar(select(func.count()).select_from(stmt.with_only_columns(table.c.id).subquery())) or 0)
    return total, list(tx.session.scalars(stmt.order_by(*order).limit(pool))) if total else []


def _drafts(tx: Transaction, principal: Principal, mission: str, query_words: list[str]) -> list[Record]:
    return [d for d in drafts.list_drafts(tx, principal, mission=mission) if matches(_text_of(d), query_words)]


def search(
    db: Database,
    principal: Principal,
    query: str,
    *,
    kinds: Sequence[str] = (),
    mission: str | None = None,
    limit: int = 10,
) -> Results:
    """The records of ``kinds`` (every kind searched when none is named) in ``mission`` (the
    principal's, or the first) whose text holds every word of ``query`` (each word beginning a
    word of the text, any case, any accents) and that ``principal`` may read: at most ``limit``
    of each kind, ranked, and how many of each kind match in all. A query without a word finds
    nothing; one longer than MAX_LENGTH characters, an unknown kind or a limit outside 1-100 is
    refused (BluehelmetError)."""
    if len(query) > MAX_LENGTH:
        raise BluehelmetError(f"a search is at most {MAX_LENGTH} characters (this one has {len(query):,})")
    if not 1 <= limit <= 100:
        raise BluehelmetError("a search shows 1 to 100 records of each kind")
    classes = [kind_named(k) for k in kinds] or list(KINDS)
    query_words = words(query)
    if not query_words:
        return Results(query, (), ())
    counts: dict[str, int] = {}
    hits: list[Hit] = []
    with db.transaction(principal.name) as tx:
        where = scope.scope_of(tx, principal, mission, first=True)
        for cls in sorted(set(classes), key=KINDS.index):
            if cls is Draft:
                found = _drafts(tx, principal, where.mission, query_words)
                total = len(found)
            else:
                total, found = _of_kind(tx, principal, cls, query, where.mission_id, max(3 * limit, 30))
            if total:
                counts[catalogue.entity_name(cls)] = total
                best = sorted((_hit(r, query_words) for r in found), key=lambda h: -h.score)
                hits.extend(best[:limit])
    order = {name: i for i, name in enumerate(counts)}
    hits.sort(key=lambda h: (-h.score, order[h.kind]))
    return Results(query, tuple(query_words), tuple(hits), counts)
