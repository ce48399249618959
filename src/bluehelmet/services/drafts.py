"""Drafts of the letter kept as records: created, read by name, changed with their version, soft
deleted, every change audited like any record's (``services.records`` does the writing).

A draft is mission-wide: it reads every sector's records. A principal reads it if its role may
read mission-wide records (``services.access.allowed``: a sector account may not) and changes it
if its role may report (``Action.REPORT``). The command line acts with no principal, as the
database's own user. Building and wording the letter is ``reporting.drafts``'s part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.drafts import Draft
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.places import Mission
from bluehelmet.services import records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Transaction
from bluehelmet.services.scope import mission_named
from bluehelmet.storage import repository

__all__ = ["MAX_NAME", "NoDraft", "create", "delete", "find", "list_drafts", "may_write", "mission_name", "update"]

#: The longest name a draft may have (it is part of the page's address).
MAX_NAME = 200


class NoDraft(BluehelmetError):
    """No draft of that name that the asker may read (the two are not told apart)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no draft called '{name}'")


def may_write(principal: Principal | None) -> bool:
    """Whether ``principal`` may create and change drafts (None: the command line, which may)."""
    return principal is None or permits(principal, Action.REPORT, "Draft")


def _writer(principal: Principal | None) -> None:
    if not may_write(principal):
        raise BluehelmetError("your role may not write drafts of the letter")


def list_drafts(tx: Transaction, principal: Principal | None = None, *, mission: str | None = None) -> list[Draft]:
    """The live drafts of the mission that ``principal`` may read, by name."""
    found = mission_named(tx, principal, mission)
    drafts = repository.select_records(tx.session, Draft, {"mission_id": found.id})
    readable = [d for d in drafts if isinstance(d, Draft) and _readable(tx, principal, d)]
    return sorted(readable, key=lambda d: d.name)


def _readable(tx: Transaction, principal: Principal | None, draft: Draft) -> bool:
    return principal is None or allowed(tx, principal, Action.READ, draft)


def find(tx: Transaction, name: str, principal: Principal | None = None, *, mission: str | None = None) -> Draft:
    """The live draft called ``name`` of the mission, if ``principal`` may read it."""
    found = mission_named(tx, principal, mission)
    for draft in repository.find(tx.session, Draft, {"mission_id": found.id, "name": name}):
        if isinstance(draft, Draft) and not draft.is_deleted and _readable(tx, principal, draft):
            return draft
    raise NoDraft(name)


def mission_name(tx: Transaction, draft: Draft) -> str:
    """The name of the mission a draft is of."""
    mission = records.get(tx, Mission, draft.mission_id, include_deleted=True)
    assert isinstance(mission, Mission)
    return mission.name


def create(
    tx: Transaction, values: Mapping[str, Any], principal: Principal | None = None, *, mission: str | None = None
) -> Draft:
    """Store a new draft of the mission (``values`` as JSON values, without ``mission_id``)."""
    _writer(principal)
    name = str(values.get("name", ""))
    if not name.strip():
        raise BluehelmetError("a draft needs a name")
    if len(name) > MAX_NAME or "/" in name or any(ord(c) < 32 for c in name):
        raise BluehelmetError(f"a draft's name has at most {MAX_NAME} characters, no '/' and no control character")
    found = mission_named(tx, principal, mission)
    if any(
        isinstance(d, Draft) and d.name == name
        for d in repository.select_records(tx.session, Draft, {"mission_id": found.id})
    ):
        raise BluehelmetError(f"there is already a draft called '{name}': choose another name, or delete that draft")
    record = records.create(tx, Draft, {**values, "mission_id": found.id})
    assert isinstance(record, Draft)
    return record


def update(tx: Transaction, draft: Draft, changes: Mapping[str, Any], principal: Principal | None = None) -> Draft:
    """Change a draft read in this transaction (refused if someone changed it meanwhile)."""
    _writer(principal)
    assert draft.id is not None and draft.version is not None
    record = records.update(tx, Draft, draft.id, changes, draft.version)
    assert isinstance(record, Draft)
    return record


def delete(tx: Transaction, draft: Draft, principal: Principal | None = None) -> None:
    """Soft-delete a draft (``records.restore`` brings it back)."""
    _writer(principal)
    assert draft.id is not None and draft.version is not None
    records.delete(tx, Draft, draft.id, draft.version)
