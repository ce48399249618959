"""The shapes the API documents, derived from the entities' one declaration in ``domain``.

Output models describe a record as ``domain.records.snapshot`` writes it (every field, system
fields included). Input bodies are parsed by ``services.parsing`` (strict, no unknown fields);
their schema is that input model's, written inline into the operation.
"""

from __future__ import annotations

import copy
import typing
from dataclasses import fields
from datetime import datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, create_model

from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.records import Record
from bluehelmet.services import parsing

__all__ = [
    "CLOCK_PATTERN",
    "AuditModel",
    "BulkCreated",
    "bulk_schema",
    "create_schema",
    "history_model",
    "inline",
    "page_model",
    "record_model",
    "update_schema",
]

#: A time of day as records give it (``06:45:00``): JSON Schema's "time" format would demand an offset.
CLOCK_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
_CLOCK = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]
_RECORDS: dict[type[Record], type[BaseModel]] = {}
_PAGES: dict[type[Record], type[BaseModel]] = {}
_HISTORIES: dict[type[Record], type[BaseModel]] = {}


class AuditModel(BaseModel):
    """One change to a record: who, when, what, and the record before and after."""

    id: int | None
    entity: str
    record_id: int
    action: AuditAction
    version: int
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record_model(cls: type[Record]) -> type[BaseModel]:
    """A record of ``cls`` as the API answers it."""
    if cls not in _RECORDS:
        hints = typing.get_type_hints(cls)
        spec: dict[str, Any] = {f.name: (_clock(hints[f.name]), ...) for f in fields(cls)}
        config = ConfigDict(extra="forbid")
        _RECORDS[cls] = create_model(f"{cls.__name__}Record", __config__=config, **spec)
    return _RECORDS[cls]


def _clock(hint: Any) -> Any:
    if hint is time:
        return _CLOCK
    if hint == time | None:
        return _CLOCK | None
    return hint


def page_model(cls: type[Record]) -> type[BaseModel]:
    """A page of a list: the records, the total that match, the page's place, the next page's link."""
    if cls not in _PAGES:
        _PAGES[cls] = create_model(
            f"{cls.__name__}Page",
            records=(typing.cast(Any, list)[record_model(cls)], ...),
            total=(int, ...),
            limit=(int, ...),
            offset=(int, ...),
            next=(str | None, ...),
        )
    return _PAGES[cls]


def history_model(cls: type[Record]) -> type[BaseModel]:
    if cls not in _HISTORIES:
        _HISTORIES[cls] = create_model(f"{cls.__name__}History", entries=(list[AuditModel], ...))
    return _HISTORIES[cls]


def inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` written in place (OpenAPI has no room for them)."""
    definitions = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("format") == "time":
                return {**{k: v for k, v in node.items() if k != "format"}, "pattern": CLOCK_PATTERN}
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(definitions[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def _input_schema(cls: type[Record]) -> dict[str, Any]:
    # The very model services.parsing validates with, so the schema cannot drift from the parser.
    return inline(parsing._input_model(cls).model_json_schema())


def create_schema(cls: type[Record]) -> dict[str, Any]:
    """The body of a new record of ``cls``."""
    return _input_schema(cls)


def bulk_schema(cls: type[Record], most: int) -> dict[str, Any]:
    """The body of a bulk creation: ``records``, a list of new records of ``cls``."""
    one = _input_schema(cls)
    items = {"type": "array", "items": one, "minItems": 1, "maxItems": most, "title": "Records"}
    return {"type": "object", "title": f"{cls.__name__}Bulk", "properties": {"records": items},
            "required": ["records"], "additionalProperties": False}  # fmt: skip


class BulkCreated(BaseModel):
    """What a bulk creation answers: how many records it created, and their ids in the order sent."""

    created: int
    ids: list[int]


def update_schema(cls: type[Record]) -> dict[str, Any]:
    """The body of a change: the ``version`` it is based on and any fields to change."""
    schema = _input_schema(cls)
    properties = {**schema["properties"], "version": {"type": "integer", "minimum": 1, "title": "Version"}}
    return {**schema, "title": f"{cls.__name__}Change", "properties": properties, "required": ["version"]}


# Built once, at import, for every kind: a kind that cannot be described fails loudly here.
for _cls in ENTITIES:
    page_model(_cls)
    history_model(_cls)
