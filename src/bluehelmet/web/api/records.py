"""Every kind of record under ``/api/records/{kind}`` (``kind`` as files name it: ``incident``,
``equipment_item``): list, get, create, change, delete, restore, history.

Routes are made for each kind, so the schema shows each kind's fields. The role's permission is
the route's dependency; a sector account's sector is checked on the record itself, before and
after a change (a change may not move a record out of the sector). After a write commits, the
alert rules that read its kind are evaluated (``services.watch``), as after the incident form:
read beside the writes, and what they find raised in the writers' turn.
"""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.errors import NotFound
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.records import Record, snapshot
from bluehelmet.services import bulk, listing, records, scope, watch
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.listing import MAX_LIMIT, OutsideScope
from bluehelmet.services.parsing import LARGEST
from bluehelmet.web.api import schemas
from bluehelmet.web.api.bodies import strict_json
from bluehelmet.web.api.errors import COMMON, ApiRoute, problems, responses
from bluehelmet.web.deps import AfterWrites, database_of, need, write_in_turn

__all__ = ["BIGGEST", "RecordId", "Version", "filter_parameters", "router"]

router = APIRouter(prefix="/records", route_class=ApiRoute)

_PAGING = {"limit", "offset", "include_deleted", "q"}
_SEARCH = (
    "Text to find: for incidents, every word begins a word of the incident's text (any case, any "
    "accents); for other kinds, within the name"
)
#: The largest integer the columns hold (INTEGER, 32 bits, in PostgreSQL).
BIGGEST = LARGEST
RecordId = Annotated[int, Path(ge=1, le=BIGGEST)]
Version = Annotated[int, Query(ge=1, le=BIGGEST)]
_SCHEMA_OF = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string"},
    "datetime": {"type": "string", "format": "date-time"},
    "string": {"type": "string"},
}


def filter_parameters(cls: type[Record]) -> list[dict[str, Any]]:
    """The filters of a list, as OpenAPI query parameters (each may be repeated: any of)."""
    described = []
    for spec in listing.filter_specs(cls).values():
        schema: dict[str, Any] = dict(_SCHEMA_OF[spec.kind])
        if spec.choices:
            schema["enum"] = list(spec.choices)
        what = {
            "eq": f"{spec.field} equals this",
            "from": f"{spec.field} on or after",
            "to": f"{spec.field} on or before",
        }
        described.append({"name": spec.name, "in": "query", "required": False, "description": what[spec.op],
                          "schema": schema})  # fmt: skip
    return described


def _scoped(
    tx: Transaction,
    principal: Principal,
    action: Action,
    record: Record,
    doing: str,
    kept: frozenset[tuple[str, str, int]] = frozenset(),
) -> None:
    """Refuse ``doing`` ``action`` on ``record``: a record the principal may not even read is
    answered as one that does not exist (404, so that ids cannot be walked to learn what lies
    in another sector or mission); one it reads but may not change, or creates or moves outside
    its scope, 403."""
    if doing not in ("create", "move") and not allowed(tx, principal, Action.READ, record):
        raise NotFound(type(record).__name__, record.id or 0)
    scope.admit(tx, principal, action, record, doing, kept=kept)


def _review_gate(principal: Principal, cls: type[Record], before: str | None, after: Any) -> None:
    """Only a reviewer sets an incident's review status (the review routes are the usual way)."""
    if cls is Incident and after is not None and after != before and not permits(principal, Action.REVIEW, "Incident"):
        raise OutsideScope(f"the {principal.role} role may not set review_status")


def _json(record: Record, status: int = 200) -> JSONResponse:
    return JSONResponse(snapshot(record), status)


#: What the alert rules need to know of a record written: its kind, id, mission, whether live.
_Written = tuple[str, int, int | None, bool]


def _written(tx: Transaction, record: Record) -> _Written | None:
    """What to evaluate once the write of ``record`` commits; None when no rule could fire (a
    live incident outside every window of its mission's incident rules)."""
    if isinstance(record, Incident) and not record.is_deleted and not watch.after_incident_needed(tx, record):
        return None
    mission_id = getattr(record, "mission_id", None)
    return type(record).__name__, record.id or 0, mission_id, not record.is_deleted


def _found(db: Database, principal: Principal, written: _Written) -> list[watch.Pending]:
    """After the write committed: what the alert rules that read its kind find (a live
    incident: those whose window it falls in), read in a transaction that writes nothing."""
    kind, record_id, mission_id, live = written
    if kind == "Incident" and live:
        return watch.found_after_incident(db, principal.name, record_id)
    return watch.found_after_changes(db, principal.name, (kind,), mission_id)


def _answered(
    request: Request, db: Database, principal: Principal, done: tuple[JSONResponse, _Written | None]
) -> JSONResponse:
    """The answer of a write, with the alert rules it may make fire evaluated once it is sent,
    coalesced with the writes of the same kind and mission still waiting (``AfterWrites``): the
    client does not wait for them. The rules read beside the writes, not in the writers' turn
    (on SQLite the next write would wait for the reading of the whole mission: about a second
    after a bulk of 10,000); only raising what they found takes a turn, a short one."""
    answer, written = done
    if written is not None:
        waiting: AfterWrites = request.app.state.after_writes
        key = (written[0], written[2])
        if waiting.queue(key, written):
            if not isinstance(answer.background, BackgroundTasks):
                answer.background = BackgroundTasks()
            answer.background.add_task(_evaluate, request, db, principal, waiting, key)
    return answer


async def _evaluate(
    request: Request, db: Database, principal: Principal, waiting: AfterWrites, key: tuple[str, int | None]
) -> None:
    written = waiting.take(key)
    if written is None:
        return
    pending = await run_in_threadpool(_found, db, principal, written)
    if pending:
        await write_in_turn(request, partial(watch.raise_pending, db, principal.name, pending))


def _body(body: Any) -> dict[str, Any]:
    """The body's fields. Values a database cannot hold (integers past 32 bits, text with NUL)
    are refused by the parse, naming the record and the field, as in a bulk."""
    if not isinstance(body, dict):
        raise problems(("(body)", "must be a JSON object of the record's fields"))
    return body


def _bulk_items(body: Any) -> list[Any]:
    """The records of a bulk body ``{"records": [...]}``; 413 past :data:`bulk.MAX_RECORDS`."""
    if not isinstance(body, dict) or set(body) != {"records"} or not isinstance(body["records"], list):
        raise problems(("records", 'the body is {"records": [...]}, a list of new records'))
    items: list[Any] = body["records"]
    if not items:
        raise problems(("records", "is empty: send at least one record"))
    if len(items) > bulk.MAX_RECORDS:
        raise HTTPException(413, f"{len(items):,} records: a bulk creation takes at most {bulk.MAX_RECORDS:,}")
    return items


def _add_routes(cls: type[Record]) -> None:  # noqa: PLR0915 - one small function per route
    kind = entity_name(cls)
    name = cls.__name__
    path = f"/{kind}"
    tags: list[Any] = [f"records: {kind}"]
    Read = Annotated[Principal, Depends(need(Action.READ, name))]
    Write = Annotated[Principal, Depends(need(Action.WRITE, name))]
    Db = Annotated[Database, Depends(database_of)]

    @router.get(path, name=f"list_{kind}", response_model=schemas.page_model(cls), tags=tags, responses=COMMON,
                openapi_extra={"parameters": filter_parameters(cls)})  # fmt: skip
    def list_records(
        request: Request,
        principal: Read,
        db: Db,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
        offset: Annotated[int, Query(ge=0, le=BIGGEST)] = 0,
        include_deleted: bool = False,
        q: Annotated[str, Query(max_length=200, description=_SEARCH)] = "",
    ) -> JSONResponse:
        """Records matching every filter (a repeated filter: any of its values), in id order."""
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in _PAGING]
        page = listing.list_page(
            db, principal, cls, query, limit=limit, offset=offset, include_deleted=include_deleted, text=q.strip()
        )
        following = None
        if offset + limit < page.total:
            following = str(request.url.include_query_params(offset=offset + limit, limit=limit))
        body = {"records": [snapshot(r) for r in page.records], "total": page.total, "limit": limit,
                "offset": offset, "next": following}  # fmt: skip
        return JSONResponse(body)

    @router.get(path + "/{record_id}", name=f"get_{kind}", response_model=schemas.record_model(cls), tags=tags,
                responses={**COMMON, **responses(404)})  # fmt: skip
    def get_record(record_id: RecordId, principal: Read, db: Db, include_deleted: bool = False) -> JSONResponse:
        with db.transaction(principal.name) as tx:
            record = records.get(tx, cls, record_id, include_deleted=include_deleted)
            _scoped(tx, principal, Action.READ, record, "read")
            return _json(record)

    @router.post(path, name=f"create_{kind}", status_code=201, response_model=schemas.record_model(cls), tags=tags,
                 responses={**COMMON, **responses(409)}, openapi_extra={"requestBody": {"required": True, "content": {
                     "application/json": {"schema": schemas.create_schema(cls)}}}})  # fmt: skip
    async def create_record(request: Request, principal: Write, db: Db, body: Annotated[Any, Body()]) -> JSONResponse:
        """A new record; answers it as stored (with its id and version 1)."""
        data = _body(body)
        _review_gate(principal, cls, ReviewStatus.DRAFT.value, data.get("review_status"))

        def create() -> tuple[JSONResponse, _Written | None]:
            with db.transaction(principal.name) as tx:
                with scope.references_first(tx, principal, (cls, data)):  # the rules name what they compare
                    record = records.create(tx, cls, data)
                _scoped(tx, principal, Action.WRITE, record, "create")
                return _json(record, 201), _written(tx, record)

        return _answered(request, db, principal, await write_in_turn(request, create))

    many = {"application/json": {"schema": schemas.bulk_schema(cls, bulk.MAX_RECORDS)}}

    @router.post(path + "/bulk", name=f"bulk_create_{kind}", status_code=201, response_model=schemas.BulkCreated,
                 tags=tags, responses={**COMMON, **responses(409, 413)},
                 openapi_extra={"requestBody": {"required": True, "content": many}})  # fmt: skip
    async def create_records(request: Request, principal: Write, db: Db) -> JSONResponse:
        """Many new records in one transaction, all or nothing: each checked as a single creation
        is; if any is refused, nothing is written and the 422 names each problem with the
        record's ``index`` in the list. Answers the ids created, in the order sent."""
        items = _bulk_items(strict_json(await request.body()))

        def gate(index: int, values: Any) -> None:
            try:
                _review_gate(principal, cls, ReviewStatus.DRAFT.value, values.get("review_status"))
            except OutsideScope as error:
                raise OutsideScope(f"records[{index}]: {error}") from None

        def create() -> tuple[JSONResponse, list[int | None]]:
            with db.transaction(principal.name) as tx:
                made = bulk.create_many(tx, principal, cls, items, gate=gate)
                ids = [record.id or 0 for record in made]
                missions = sorted({getattr(record, "mission_id", None) or 0 for record in made})
                if cls is Incident:  # only where one of them falls in a rule's window
                    wanted = watch.missions_to_evaluate(tx, [r for r in made if isinstance(r, Incident)])
                    missions = [m for m in missions if m in wanted]
            return JSONResponse({"created": len(ids), "ids": ids}, 201), [m or None for m in missions]

        answer, missions = await write_in_turn(request, create)
        for mission_id in missions:  # once per mission, as after an import
            _answered(request, db, principal, (answer, (name, 0, mission_id, False)))
        return answer

    @router.patch(path + "/{record_id}", name=f"update_{kind}", response_model=schemas.record_model(cls), tags=tags,
                  responses={**COMMON, **responses(404, 409)}, openapi_extra={"requestBody": {"required": True,
                  "content": {"application/json": {"schema": schemas.update_schema(cls)}}}})  # fmt: skip
    async def update_record(
        request: Request, record_id: RecordId, principal: Write, db: Db, body: Annotated[Any, Body()]
    ) -> JSONResponse:
        """Change the fields given, if the record is still at ``version`` (else 409 with the current record)."""
        changes = dict(_body(body))
        version = changes.pop("version", None)
        if type(version) is not int:
            raise problems(("version", "is required: the version (an integer) the change is based on"))

        def update() -> tuple[JSONResponse, _Written | None]:
            with db.transaction(principal.name) as tx:
                current = records.get(tx, cls, record_id)
                _scoped(tx, principal, Action.WRITE, current, "change")
                _review_gate(principal, cls, getattr(current, "review_status", None), changes.get("review_status"))
                kept = scope.references_of(current)  # what it referred to before: not refused again
                with scope.references_first(tx, principal, (cls, changes), kept):
                    changed = records.update(tx, cls, record_id, changes, version)
                _scoped(tx, principal, Action.WRITE, changed, "move", kept)
                return _json(changed), _written(tx, changed)

        return _answered(request, db, principal, await write_in_turn(request, update))

    @router.delete(path + "/{record_id}", name=f"delete_{kind}", response_model=schemas.record_model(cls),
                   tags=tags, responses={**COMMON, **responses(404, 409)})  # fmt: skip
    async def delete_record(
        request: Request, record_id: RecordId, version: Version, principal: Write, db: Db
    ) -> JSONResponse:
        """Mark the record deleted (it stays, with its history, and can be restored)."""

        def delete() -> tuple[JSONResponse, _Written | None]:
            with db.transaction(principal.name) as tx:
                _scoped(tx, principal, Action.WRITE, records.get(tx, cls, record_id), "delete")
                deleted = records.delete(tx, cls, record_id, version)
                return _json(deleted), _written(tx, deleted)

        return _answered(request, db, principal, await write_in_turn(request, delete))

    @router.post(path + "/{record_id}/restore", name=f"restore_{kind}", response_model=schemas.record_model(cls),
                 tags=tags, responses={**COMMON, **responses(404, 409)})  # fmt: skip
    async def restore_record(
        request: Request, record_id: RecordId, version: Version, principal: Write, db: Db
    ) -> JSONResponse:
        """Undo a soft delete, if the record is still at ``version``."""

        def restore() -> tuple[JSONResponse, _Written | None]:
            with db.transaction(principal.name) as tx:
                _scoped(tx, principal, Action.WRITE, records.get(tx, cls, record_id, include_deleted=True), "restore")
                restored = records.restore(tx, cls, record_id, version)
                return _json(restored), _written(tx, restored)

        return _answered(request, db, principal, await write_in_turn(request, restore))

    @router.get(path + "/{record_id}/history", name=f"history_{kind}", response_model=schemas.history_model(cls),
                tags=tags, responses={**COMMON, **responses(404)})  # fmt: skip
    def record_history(record_id: RecordId, principal: Read, db: Db) -> JSONResponse:
        """Every change to the record, oldest first, with the record before and after."""
        with db.transaction(principal.name) as tx:
            _scoped(tx, principal, Action.READ, records.get(tx, cls, record_id, include_deleted=True), "read")
            entries = [
                {"id": e.id, "entity": e.entity, "record_id": e.record_id, "action": str(e.action),
                 "version": e.version, "actor": e.actor, "at": e.at.isoformat(), "before": e.before, "after": e.after}
                for e in records.history(tx, cls, record_id)
            ]  # fmt: skip
        return JSONResponse({"entries": entries})


# Incidents first: routes are matched in order, and incidents are the records written most.
for _cls in sorted(ENTITIES, key=lambda cls: cls is not Incident):
    _add_routes(_cls)
