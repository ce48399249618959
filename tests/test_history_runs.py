"""An import's creations kept as runs (migration 0032): one stored entry a batch, and every
creation given back, with its own id and its whole image, to every reader of the history (a
record's history, the list of recent changes, the sync's capture, a backup's round trip, the
migration both ways), on both backends."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from bluehelmet.domain.audit import AuditAction, AuditEntry
from bluehelmet.domain.records import snapshot
from bluehelmet.imports import acled_columns
from bluehelmet.services import records
from bluehelmet.services.backup import backup, restore
from bluehelmet.services.database import Database
from bluehelmet.services.sync_log import capture
from bluehelmet.storage import audit_runs, audit_store, migrate
from bluehelmet.storage import sync_tables as sync_store
from bluehelmet.storage.audit_codec import Form, stamps
from bluehelmet.storage.audit_queries import Kept, recent_entries
from bluehelmet.storage.audit_store import every_entry
from bluehelmet.storage.tables import TABLES, audit_table
from tests.test_backup import KEY, Fresh, fresh, spare_postgres
from tests.test_import_batched import _events, two_missions
from tests.test_import_batched import _write as write_acled
from tests.test_import_columns import _column_path

__all__ = ["fresh", "spare_postgres", "two_missions"]  # the fixtures, used here by name

_ROWS = 40


def _imported(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Mission B's incidents, imported in columns in batches of 7; their ids."""
    monkeypatch.setattr(acled_columns, "BATCH_ROWS", 7)
    report = _column_path(db, write_acled(tmp_path / "acled.csv", _events(_ROWS)), "B")
    assert report["created"] == _ROWS, report
    with db.transaction("reader") as tx:
        return sorted(i.id or 0 for i in records.list_records(tx, "Incident", limit=1000))


def _forms(db: Database) -> dict[int, int]:
    with db.engine.connect() as conn:
        stmt = select(audit_table.c.form, func.count()).where(audit_table.c.entity == "Incident")
        return {int(f): int(n) for f, n in conn.execute(stmt.group_by(audit_table.c.form))}


def _everything(db: Database) -> dict[int, str]:
    with db.transaction("reader") as tx:
        return {e.id or 0: json.dumps([e.entity, e.record_id, e.action, e.version, e.actor, str(e.at), e.before,
                                       e.after], sort_keys=True, default=str)
                for e in every_entry(tx.session)}  # fmt: skip


def test_a_columnar_import_stores_one_entry_a_batch_and_gives_every_creation_back(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _imported(two_missions, tmp_path, monkeypatch)
    forms = _forms(two_missions)
    assert forms.get(Form.RUN, 0) >= 4 and sum(forms.values()) < _ROWS / 3, forms  # a few stored, not forty
    with two_missions.transaction("reader") as tx:
        for record_id in ids:
            history = records.history(tx, "Incident", record_id)
            record = records.get(tx, "Incident", record_id)
            assert [(e.action.value, e.version, e.actor, e.before) for e in history] == [("create", 1, "analyst", None)]
            assert json.dumps(history[0].after, sort_keys=True) == json.dumps(snapshot(record), sort_keys=True)
    everything = _everything(two_missions)
    created = {json.loads(v)[1]: k for k, v in everything.items() if json.loads(v)[0] == "Incident"}
    assert sorted(created) == ids and len(set(created.values())) == _ROWS  # an id of its own each


def test_a_record_of_a_run_changed_later_shows_its_creation_then_its_changes(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _imported(two_missions, tmp_path, monkeypatch)
    middle = ids[len(ids) // 2]  # neither end of its run
    with two_missions.transaction("clerk") as tx:
        records.update(tx, "Incident", middle, {"notes": "Confirmed by the sector."}, version=1)
        records.delete(tx, "Incident", middle, version=2)
        records.restore(tx, "Incident", middle, version=3)
    with two_missions.transaction("reader") as tx:
        history = records.history(tx, "Incident", middle)
        now = snapshot(records.get(tx, "Incident", middle))
    assert [(e.action.value, e.version) for e in history] == [("create", 1), ("update", 2), ("delete", 3),
                                                              ("restore", 4)]  # fmt: skip
    assert [e.id or 0 for e in history] == sorted(e.id or 0 for e in history)
    for earlier, later in itertools.pairwise(history):
        assert json.dumps(later.before, sort_keys=True) == json.dumps(earlier.after, sort_keys=True)
    assert history[1].after is not None and history[1].after["notes"] == "Confirmed by the sector."
    assert json.dumps(history[-1].after, sort_keys=True) == json.dumps(now, sort_keys=True)


def test_migration_0032_keeps_every_entry_with_its_id_both_ways(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _imported(two_missions, tmp_path, monkeypatch)
    with two_missions.transaction("clerk") as tx:
        records.update(tx, "Incident", ids[3], {"notes": "Seen again."}, version=1)
    kept = _everything(two_missions)
    runs = _forms(two_missions)[Form.RUN]
    config = migrate.alembic_config()
    with two_missions.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0031")
    with two_missions.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
        forms = dict(conn.execute(text("SELECT form, count(*) FROM audit_entry GROUP BY form")).all())
        entries = {int(i): int(r) for i, r in conn.execute(text("SELECT id, record_id FROM audit_entry"))}
    assert stored == len(kept) and Form.RUN not in forms  # each entry a row again, with its id
    assert entries == {i: json.loads(v)[1] for i, v in kept.items()}
    migrate.upgrade(two_missions.engine)
    assert migrate.schema_drift(two_missions.engine) == []
    assert _everything(two_missions) == kept and _forms(two_missions)[Form.RUN] == runs


def test_the_list_of_recent_changes_pages_through_runs_entry_by_entry(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _imported(two_missions, tmp_path, monkeypatch)
    with two_missions.transaction("clerk") as tx:
        records.update(tx, "Incident", ids[10], {"notes": "A later change."}, version=1)
    everything = {k: json.loads(v) for k, v in _everything(two_missions).items()}
    incident = TABLES[records.kind_of("Incident")]
    some = select(incident.c.id).where(incident.c.id.in_(ids[::3]))
    cases: list[tuple[dict[str, Any], Any]] = [
        ({}, lambda e: True),
        ({"entities": ["Incident"], "actor": "analyst"}, lambda e: e[0] == "Incident" and e[4] == "analyst"),
        ({"kept": Kept("Incident", some)}, lambda e: e[0] != "Incident" or e[1] in ids[::3]),
    ]
    for asked, wanted in cases:
        expected = sorted(((i, e[0], e[1]) for i, e in everything.items() if wanted(e)), reverse=True)
        pages: list[tuple[int, str, int]] = []
        with two_missions.transaction("reader") as tx:
            while page := recent_entries(tx.session, limit=6, before_id=pages[-1][0] if pages else None, **asked):
                assert len(page) <= 6
                pages += page
        assert pages == expected, asked


def test_the_sync_logs_every_creation_of_a_run_once_in_order(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _imported(two_missions, tmp_path, monkeypatch)
    monkeypatch.setattr("bluehelmet.services.sync_log._BATCH", 5)  # a run is longer than a batch
    with two_missions.transaction("syncer") as tx:
        logged = capture(tx)
        assert capture(tx) == 0
        rows = sync_store.changes_after(tx.session, 0, 100_000)
    assert logged == len(rows) == len(_everything(two_missions))
    assert [r["audit_id"] for r in rows] == sorted(r["audit_id"] for r in rows)
    created = [r for r in rows if r["kind"] == "Incident"]
    assert len(created) == len(ids) and {r["action"] for r in created} == {"create"}
    assert len({r["record_uid"] for r in created}) == len(ids)


def test_when_the_ids_do_not_follow_each_other_each_creation_is_stored(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_runs, "reserve", lambda session, count: None)  # another writer took ids meanwhile
    ids = _imported(two_missions, tmp_path, monkeypatch)
    assert _forms(two_missions).get(Form.RUN, 0) == 0 and _forms(two_missions)[Form.BLOCK] >= len(ids)
    with two_missions.transaction("reader") as tx:
        for record_id in ids:
            history = records.history(tx, "Incident", record_id)
            assert len(history) == 1 and history[0].after is not None and history[0].after["id"] == record_id


def test_runs_round_trip_through_a_backup_across_backends(
    two_missions: Database, fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _imported(two_missions, tmp_path, monkeypatch)
    with two_missions.transaction("clerk") as tx:
        records.update(tx, "Incident", ids[-1], {"notes": "The run's stored one, changed."}, version=1)
    kept, runs = _everything(two_missions), _forms(two_missions)[Form.RUN]
    backup(two_missions, tmp_path / "runs.zip", key=KEY)
    other = fresh("postgresql" if two_missions.engine.dialect.name == "sqlite" else "sqlite")
    restore(other, tmp_path / "runs.zip", key=KEY)
    assert _everything(other) == kept and _forms(other)[Form.RUN] == runs
    with other.transaction("clerk") as tx:  # the ids after the restore are new ones, after every run
        records.update(tx, "Incident", ids[0], {"notes": "After the restore."}, version=1)
    after = _everything(other)
    assert len(after) == len(kept) + 1 and max(after) > max(kept)


def test_a_run_whose_records_ids_leave_gaps_gives_back_only_its_own(db: Database) -> None:
    """A batch whose records' ids leave gaps (ids another writer took): its run covers the range,
    and a record in a gap, created alone, is not taken for one of the run's."""
    at = datetime(2021, 3, 1, 12, tzinfo=UTC)
    batch = [(record_id, at, {**stamps(record_id, 1, "importer", at), "name": f"Place {record_id}", "note": None})
             for record_id in range(1001, 1020, 2)]  # fmt: skip
    with db.transaction("importer") as tx:
        audit_store.append_creations(tx.session, "Probe", "importer", batch)
    with db.transaction("clerk") as tx:
        alone = AuditEntry(entity="Probe", record_id=1004, action=AuditAction.CREATE, version=1, actor="clerk", at=at,
                           after={**stamps(1004, 1, "clerk", at), "name": "Alone", "note": None})  # fmt: skip
        audit_store.append(tx.session, alone)
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_table)).scalar_one() == 2  # the run's, the clerk's
    with db.transaction("reader") as tx:
        for record_id, _, image in batch:
            history = audit_store.history(tx.session, "Probe", record_id)
            assert [(e.actor, e.after and e.after["name"]) for e in history] == [("importer", image["name"])]
        assert [e.actor for e in audit_store.history(tx.session, "Probe", 1004)] == ["clerk"]
        assert audit_store.history(tx.session, "Probe", 1006) == []  # in the range, in no batch
        everything = sorted(((e.id or 0, e.entity, e.record_id) for e in every_entry(tx.session)), reverse=True)
        pages: list[tuple[int, str, int]] = []
        while page := recent_entries(tx.session, limit=3, before_id=pages[-1][0] if pages else None):
            pages += page
    assert len(everything) == len(batch) + 1 and pages == everything
    assert [r for _, _, r in everything if r != 1004] == [r for r, _, _ in reversed(batch)]
