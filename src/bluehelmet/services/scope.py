"""The one place that says what a principal may reach: the missions it was granted (every one
when it was granted none, unless it is a sector account) and, for a sector account, its sector
in each, by id (``services.grants``).

Every door asks here: the API's analyses and map layers (which mission, and which sector of
it), the pages and their htmx fragments (a record by id: there and readable, or not found),
the writes (every record a new or changed record refers to must be readable too). A mission a
principal was not granted is answered as one that does not exist, whatever a request names; a
sector account reads, in each of its missions, only what ``services.access.allowed`` places in
its sector there.
Sector names are never compared across missions: two missions may both have a "Sector East".

What lies outside a principal's scope is answered exactly as what does not exist: the same
"not found", never naming the record, so ids cannot be walked to learn what is there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, NotFound, Problem
from bluehelmet.domain.places import Mission, Sector
from bluehelmet.domain.records import Record, entity_fields, reference_list_target, reference_target
from bluehelmet.services import records
from bluehelmet.services.access import allowed, reachable_missions
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.listing import OutsideScope
from bluehelmet.services.loading import find_mission

__all__ = [
    "FOREIGN_REFERENCE",
    "OutsideScope",
    "Scope",
    "admit",
    "check_references",
    "mission_for",
    "mission_named",
    "reachable",
    "readable",
    "references_first",
    "references_of",
    "scope_of",
]

#: What a write that refers to a record outside the principal's scope is told (naming nothing).
FOREIGN_REFERENCE = "refers to a record that does not exist or is outside your sector or missions"


@dataclass(frozen=True)
class Scope:
    """Where a principal reads: one mission (by id and name) and, for a sector account, one
    sector of it (by id and name; None: the whole mission)."""

    mission_id: int
    mission: str
    sector_id: int | None = None
    sector: str | None = None


def _mission_of(tx: Transaction, name: str | None, *, first: bool) -> Mission:
    if name is None and first:
        missions = sorted((m for m in records.list_records(tx, Mission) if isinstance(m, Mission)),
                          key=lambda m: m.id or 0)  # fmt: skip
        if missions:
            return missions[0]
    return find_mission(tx, name)


def _missions(tx: Transaction, principal: Principal) -> list[Mission]:
    """The live missions ``principal`` reaches, oldest first."""
    reach = reachable_missions(tx, principal)
    found = (m for m in records.list_records(tx, Mission) if isinstance(m, Mission))
    return sorted((m for m in found if reach is None or m.id in reach), key=lambda m: m.id or 0)


def reachable(tx: Transaction, principal: Principal) -> list[Scope]:
    """Every mission ``principal`` reaches (and, for a sector account, its sector in each),
    oldest mission first: what the header's switch and the comparison page offer."""
    return [_scope(tx, principal, m) for m in _missions(tx, principal)]


def _scope(tx: Transaction, principal: Principal, mission: Mission) -> Scope:
    if not principal.scoped:
        return Scope(mission.id or 0, mission.name)
    for sector_id in sorted(principal.sectors):
        try:
            sector = records.get(tx, Sector, sector_id, include_deleted=True)
        except NotFound:
            continue  # a sector that is gone reaches nothing
        if isinstance(sector, Sector) and sector.mission_id == mission.id:
            return Scope(mission.id or 0, mission.name, sector.id, sector.name)
    raise NotFound("Mission", 0)


def scope_of(tx: Transaction, principal: Principal, mission: str | None = None, *, first: bool = False) -> Scope:
    """The scope of ``principal`` in the mission called ``mission``: a mission the principal
    was not granted is answered exactly as a mission that does not exist. ``mission`` None
    means the only mission the principal reaches (or, with ``first``, the first when there are
    several, as the pages show before one is chosen); a sector account reads its sector of it."""
    reach = reachable_missions(tx, principal)
    if reach is None:
        return _scope(tx, principal, _mission_of(tx, mission, first=first))
    mine = _missions(tx, principal)
    if mission is not None:
        named = [m for m in mine if m.name == mission]
        if not named:
            raise BluehelmetError(f"no mission called '{mission}'")
        return _scope(tx, principal, named[0])
    if not mine:
        raise NotFound("Mission", 0)  # an account whose missions are all gone reaches nothing
    if len(mine) > 1 and not first:
        names = ", ".join(m.name for m in mine)
        raise BluehelmetError(f"say which mission with --mission (missions here: {names})")
    return _scope(tx, principal, mine[0])


def mission_named(tx: Transaction, principal: Principal | None, name: str | None) -> Mission:
    """The mission called ``name`` (None: the only one) as ``principal`` reaches it: for a
    principal limited to some missions, another mission is one that does not exist; with no
    principal (the command line, as the database's own user), any mission."""
    if principal is None or not principal.limited:
        return find_mission(tx, name)
    found = records.get(tx, Mission, scope_of(tx, principal, name).mission_id, include_deleted=True)
    assert isinstance(found, Mission)
    return found


def mission_for(db: Database, principal: Principal, mission: str | None, *, first: bool = False) -> str:
    """The name of the mission a request of ``principal`` reads (see ``scope_of``)."""
    with db.transaction(principal.name) as tx:
        return scope_of(tx, principal, mission, first=first).mission


def readable(tx: Transaction, principal: Principal, kind: str | type[Record], record_id: int) -> Record:
    """The live record ``kind`` #``record_id`` if ``principal`` may read it; else NotFound, the
    same for a record that does not exist, is deleted, or lies outside the principal's scope."""
    cls = records.kind_of(kind) if isinstance(kind, str) else kind
    try:
        found = records.get(tx, cls, record_id)
    except NotFound:
        raise NotFound(cls.__name__, record_id) from None
    if not allowed(tx, principal, Action.READ, found):
        raise NotFound(cls.__name__, record_id)
    return found


def _references(record: Record | tuple[type[Record], Mapping[str, Any]]) -> Iterator[tuple[str, str, int]]:
    """(field, kind, id) of every record ``record`` (or the values given for a kind) refers to."""
    cls, values = record if isinstance(record, tuple) else (type(record), None)
    for f in entity_fields(cls):
        value = values.get(f.name) if values is not None else getattr(record, f.name, None)
        single, many = reference_target(f), reference_list_target(f)
        if single and isinstance(value, int):
            yield f.name, single, value
        elif many and isinstance(value, list | tuple):
            yield from ((f.name, many, v) for v in value if isinstance(v, int))


def references_of(record: Record) -> frozenset[tuple[str, str, int]]:
    """(field, kind, id) of every record ``record`` refers to (taken before a change, to tell
    the references it adds)."""
    return frozenset(_references(record))


def _who(record: Record | tuple[type[Record], Mapping[str, Any]]) -> str:
    if isinstance(record, tuple):
        return f"{record[0].__name__} (new)"
    return f"{type(record).__name__} #{record.id or 'new'}"


def check_references(
    tx: Transaction,
    principal: Principal,
    record: Record | tuple[type[Record], Mapping[str, Any]],
    kept: frozenset[tuple[str, str, int]] = frozenset(),
) -> None:
    """Refuse ``record`` (InvalidRecord) if it refers to a record ``principal`` may not read,
    other than those in ``kept`` (what it referred to before a change); the refusal names the
    field, never the record referred to. ``record`` may be the values sent for a kind, checked
    before the rules run (whose messages name the records they compare)."""
    if not principal.limited:
        return
    problems = []
    for name, kind, ident in _references(record):
        if (name, kind, ident) in kept:
            continue
        try:
            readable(tx, principal, kind, ident)
        except NotFound:
            problems.append(Problem(_who(record), name, FOREIGN_REFERENCE))
    if problems:
        raise InvalidRecord(problems)


def admit(
    tx: Transaction,
    principal: Principal,
    action: Action,
    record: Record,
    doing: str,
    *,
    kept: frozenset[tuple[str, str, int]] = frozenset(),
) -> None:
    """Refuse (OutsideScope, naming neither the record nor its sector) a principal's ``action``
    on ``record`` outside its scope; a record written (``doing`` "create" or "move", with
    ``kept`` the references it had before) is also refused if it has come to refer to a record
    the principal may not read (``check_references``)."""
    if not allowed(tx, principal, action, record):
        kind = type(record).__name__
        raise OutsideScope(f"a {principal.role} account may not {doing} this {kind} (outside its sector or missions)")
    if doing in ("create", "move"):
        check_references(tx, principal, record, kept)


@contextmanager
def references_first(
    tx: Transaction,
    principal: Principal,
    values: tuple[type[Record], Mapping[str, Any]],
    kept: frozenset[tuple[str, str, int]] = frozenset(),
) -> Iterator[None]:
    """Around a write of ``values``: if the rules refuse it, and it refers to a record
    ``principal`` may not read, the refusal is the reference's (naming only the field), not the
    rules' (which name the records they compare)."""
    try:
        yield
    except InvalidRecord:
        check_references(tx, principal, values, kept)
        raise
