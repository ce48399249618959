"""Verifying many incidents at once, each kept or refused on its own, in one transaction
(``review.review_each``, ``Transaction.savepoint``): a refused one takes back its own row,
audit entry and rollup deltas and nothing else; the rest commit together, each audited; a
failure after the savepoints still undoes the whole transaction (on SQLite too, where the
driver would otherwise let a savepoint's RELEASE commit on its own)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.errors import BluehelmetError, NotFound, StaleVersion
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.services import records, review, rollups
from bluehelmet.services.database import Database
from bluehelmet.services.listing import OutsideScope
from tests import factories
from tests.test_rollups import _incident, _mission

ADMIN = Principal("chief", Role.ADMIN)


def _drafts(db: Database, n: int, **extra: object) -> list[int]:
    mission_id, _ = _mission(db)
    with db.transaction("tester") as tx:
        made = [
            _incident(tx, mission_id, date(2020, 3, 1) + timedelta(days=k), k % 3, review_status="draft", **extra)
            for k in range(n)
        ]
    return [int(i.id or 0) for i in made]


def _states(db: Database, ids: list[int]) -> list[str]:
    with db.transaction("tester") as tx:
        return [str(records.get(tx, Incident, i).review_status) for i in ids]  # type: ignore[attr-defined]


def _updates(db: Database, record_id: int) -> int:
    with db.transaction("tester") as tx:
        return sum(1 for e in records.history(tx, Incident, record_id) if e.action == AuditAction.UPDATE)


def test_each_is_verified_or_refused_on_its_own_and_every_change_is_audited(db: Database) -> None:
    ids = _drafts(db, 4)
    items = [(ids[0], 1), (ids[1], 7), (ids[2], 1), (999_999, 1), (ids[3], 1)]  # one stale, one unknown
    outcomes = review.review_each(db, ADMIN, items, ReviewStatus.VERIFIED)
    assert [type(o) for o in outcomes] == [Incident, StaleVersion, Incident, NotFound, Incident]
    assert _states(db, ids) == ["verified", "draft", "verified", "verified"]
    assert [_updates(db, i) for i in ids] == [1, 0, 1, 1]
    assert rollups.check(db) == []


def test_a_sector_account_verifies_its_own_sector_only(db: Database) -> None:
    mission_id, _ = _mission(db)
    with db.transaction("tester") as tx:
        east, west = (int(factories.make(tx, "Sector", mission_id=mission_id).id or 0) for _ in range(2))
        mine = _incident(tx, mission_id, date(2020, 3, 1), review_status="draft", sector_id=east)
        theirs = _incident(tx, mission_id, date(2020, 3, 2), review_status="draft", sector_id=west)
    principal = Principal("east", Role.SECTOR, sector_id=east)
    ids = [int(mine.id or 0), int(theirs.id or 0)]
    outcomes = review.review_each(db, principal, [(i, 1) for i in ids], ReviewStatus.VERIFIED)
    # another sector's incident is refused in the very words of an id that does not exist
    assert isinstance(outcomes[0], Incident) and isinstance(outcomes[1], NotFound)
    missing = review.review_each(db, principal, [(999_999, 1)], ReviewStatus.VERIFIED)[0]
    assert str(outcomes[1]).replace(str(ids[1]), "N") == str(missing).replace("999999", "N")
    # one the account may read but not review is refused as such
    viewer = review.review_each(db, Principal("viewer", Role.VIEWER), [(ids[1], 1)], ReviewStatus.VERIFIED)[0]
    assert isinstance(viewer, OutsideScope)
    assert _states(db, ids) == ["verified", "draft"]
    assert rollups.check(db) == []


def test_a_savepoint_refused_after_its_write_takes_back_its_row_audit_and_rollup(db: Database) -> None:
    ids = _drafts(db, 2)
    with db.transaction("tester") as tx:
        with pytest.raises(BluehelmetError), tx.savepoint():
            records.update(tx, Incident, ids[0], {"review_status": "rejected"}, 1)
            raise BluehelmetError("refused after the write")
        with tx.savepoint():
            records.update(tx, Incident, ids[1], {"review_status": "rejected"}, 1)
    assert _states(db, ids) == ["draft", "rejected"]
    assert [_updates(db, i) for i in ids] == [0, 1]
    assert rollups.check(db) == []  # a rejected incident leaves the rollups: only the second did


def test_a_failure_after_the_savepoints_undoes_them_all(db: Database) -> None:
    ids = _drafts(db, 2)
    with pytest.raises(RuntimeError), db.transaction("tester") as tx:
        for i in ids:
            with tx.savepoint():
                records.update(tx, Incident, i, {"review_status": "rejected"}, 1)
        raise RuntimeError("the transaction fails after its savepoints")
    assert _states(db, ids) == ["draft", "draft"]
    assert [_updates(db, i) for i in ids] == [0, 0]
    assert rollups.check(db) == []
