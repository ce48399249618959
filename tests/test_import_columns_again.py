"""An ACLED file imported again in columns: events of several rows (one per actor) proved like
any other, nothing written for what has not changed, and a change among unchanged rows written
with its audit entry; every time as the row path does it (mission A by rows, B by columns)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bluehelmet.domain.audit import AuditAction
from bluehelmet.imports import acled_columns
from bluehelmet.services import column_load, records
from bluehelmet.services.database import Database
from bluehelmet.storage import audit_store
from bluehelmet.storage.tables import TABLES
from tests.test_import_batched import _events, _written, two_missions
from tests.test_import_batched import _write as write_acled
from tests.test_import_columns import _column_path, _counts, _rollups_clean, _row_path

__all__ = ["two_missions"]  # the fixture, used here by name


def _per_actor(rows: list[dict[str, str]], every: int = 4) -> list[dict[str, str]]:
    """Every ``every``-th event with two actors written as two adjacent rows, one per actor
    (as ACLED's extracts do), the same toll on both."""
    out: list[dict[str, str]] = []
    for i, row in enumerate(rows):
        out.append(row)
        if i % every == 0 and row["actor2"]:
            out.append({**row, "actor1": row["actor2"], "inter1": row["inter2"], "actor2": row["actor1"],
                        "inter2": row["inter1"]})  # fmt: skip
    return out


@pytest.fixture
def slow_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows the columnar load leaves to the row path, counted."""
    counted: list[int] = []
    load_batched = column_load.load_batched

    def counting(tx: Any, cls: Any, rows: list[Any], *args: Any) -> None:
        counted.append(len(rows))
        load_batched(tx, cls, rows, *args)

    monkeypatch.setattr(column_load, "load_batched", counting)
    return counted


def _entries(db: Database) -> list[tuple[int, str]]:
    with db.transaction("reader") as tx:
        return [(e.record_id, str(e.action)) for e in audit_store.every_entry(tx.session) if e.entity == "Incident"]


def test_events_of_several_rows_are_proved_in_columns_and_left_alone_again(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow_rows: list[int]
) -> None:
    monkeypatch.setattr(acled_columns, "BATCH_ROWS", 9)  # events of two rows across batches' edges
    rows = _per_actor(_events(40))
    assert len(rows) - 40 >= 5, "the file has events of two rows"
    path = write_acled(tmp_path / "acled.csv", rows)
    first = _column_path(two_missions, path, "B")
    assert first == _row_path(two_missions, path, "A")
    assert first["created"] == first["rows"] == 40 and not first["warnings"]
    assert sum(slow_rows) == 0, "every event, of one row or two, was proved in columns"
    assert _written(two_missions, "B") == _written(two_missions, "A")
    entries = _entries(two_missions)
    again = _column_path(two_missions, path, "B")
    assert again == _row_path(two_missions, path, "A")
    assert again["unchanged"] == again["rows"] == 40 and sum(slow_rows) == 0
    assert _entries(two_missions) == entries  # no audit entry
    assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)


def test_a_change_among_unchanged_rows_is_written_with_its_audit_entry(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(acled_columns, "BATCH_ROWS", 7)
    events = _events(31)
    rows = _per_actor(events[:30], every=3)
    path = write_acled(tmp_path / "acled.csv", rows)
    assert _column_path(two_missions, path, "B") == _row_path(two_missions, path, "A")
    single = next(i for i in range(1, len(rows) - 1) if rows[i - 1]["event_id_cnty"] != rows[i]["event_id_cnty"]
                  != rows[i + 1]["event_id_cnty"])  # fmt: skip
    pair = next(i for i in range(len(rows) - 1) if rows[i]["event_id_cnty"] == rows[i + 1]["event_id_cnty"])
    edited = [dict(r) for r in rows]
    edited[single]["notes"] = "Seen again on review: the convoy turned back."
    edited[pair]["source"] = edited[pair + 1]["source"] = "Another newspaper"
    edited.append(events[30])  # a new event after batches found alike: written in bulk all the same
    changed_ids = {edited[single]["event_id_cnty"], edited[pair]["event_id_cnty"]}
    before = _counts(two_missions)
    entries = _entries(two_missions)
    changed = write_acled(tmp_path / "edited.csv", edited)
    report = _column_path(two_missions, changed, "B")
    assert report == _row_path(two_missions, changed, "A")
    assert report["updated"] == 2 and report["created"] == 1 and report["unchanged"] == report["rows"] - 3
    new = [e for e in _entries(two_missions) if e not in entries and e[1] != str(AuditAction.CREATE)]
    incident = TABLES[records.kind_of("Incident")]
    with two_missions.transaction("reader") as tx:
        by_id = dict(tx.session.execute(select(incident.c.id, incident.c.external_id)).all())
        history = {by_id[i]: records.history(tx, "Incident", i) for i, _ in new}
    assert len(new) == 4 and all(action == str(AuditAction.UPDATE) for _, action in new)  # two a mission
    assert set(history) == changed_ids
    for external_id, entries_of in history.items():
        last = entries_of[-1]
        field = "notes" if external_id == edited[single]["event_id_cnty"] else "source"
        assert last.before is not None and last.after[field] != last.before[field]
        assert {k for k in last.after if last.after[k] != last.before.get(k)} - {"version", "updated_at"} == {field}
    assert _counts(two_missions)[0] == before[0] + 2  # the new event, in each mission
    assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)


def test_events_of_several_rows_without_actor_2_columns_are_merged_by_the_row_path(
    two_missions: Database, tmp_path: Path, slow_rows: list[int]
) -> None:
    """A published extract without the actor-2 columns: a merged event has no column to write
    its second actor back into, so its rows go to the row path, which merges them."""
    rows = _per_actor(_events(12), every=2)
    kept = [c for c in rows[0] if c not in ("actor2", "assoc_actor_2", "inter2", "interaction")]
    path = tmp_path / "extract.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    report = _column_path(two_missions, path, "B")
    assert report == _row_path(two_missions, path, "A")
    assert report["created"] == 12 and sum(slow_rows) >= 1
    assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)
