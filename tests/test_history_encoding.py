"""The audit history stored short (storage/audit_codec.py) shows every change whole: each kind
of change (create, update, delete, restore, review, import, re-import) gives back the images the
record had before and after it, on both backends; the history stays append-only; migration
0025 converts full images to the short forms and back without changing one."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bluehelmet.cli import cli
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.domain.records import snapshot
from bluehelmet.imports.acled import IMPORTER
from bluehelmet.imports.registry import table_importer
from bluehelmet.services import loading, records, review
from bluehelmet.services.database import Database
from bluehelmet.services.synth import synthesise
from bluehelmet.storage import migrate
from bluehelmet.storage.audit_codec import Form
from bluehelmet.storage.audit_store import every_entry
from bluehelmet.storage.tables import audit_table
from tests.factories import make


def _now(db: Database, kind: str, record_id: int) -> dict[str, Any]:
    with db.transaction("reader") as tx:
        return snapshot(records.get(tx, kind, record_id, include_deleted=True))


def _stored(db: Database, record_id: int) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        stmt = select(audit_table).where(audit_table.c.entity == "Incident", audit_table.c.record_id == record_id)
        return [dict(r) for r in conn.execute(stmt.order_by(audit_table.c.id)).mappings()]


def _as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def test_every_kind_of_change_shows_the_record_before_and_after(db: Database) -> None:
    states = []
    with db.transaction("clerk") as tx:
        incident = make(tx, "Incident", review_status="draft")
        assert incident.id is not None
        ident = incident.id
    states.append(_now(db, "Incident", ident))
    with db.transaction("clerk") as tx:
        records.update(tx, "Incident", ident, {"fatalities": 7, "notes": "Ambush near the wells."}, version=1)
    states.append(_now(db, "Incident", ident))
    review.review(db, Principal("chief", Role.ANALYST), ident, 2, ReviewStatus.VERIFIED)
    states.append(_now(db, "Incident", ident))
    with db.transaction("clerk") as tx:
        records.delete(tx, "Incident", ident, version=3)
    states.append(_now(db, "Incident", ident))
    with db.transaction("clerk") as tx:
        records.restore(tx, "Incident", ident, version=4)
        history = records.history(tx, "Incident", ident)
    states.append(_now(db, "Incident", ident))

    assert [str(e.action) for e in history] == ["create", "update", "update", "delete", "restore"]
    assert [e.actor for e in history] == ["clerk", "clerk", "chief", "clerk", "clerk"]
    befores = [None, *states[:-1]]
    for entry, before, after in zip(history, befores, states, strict=True):
        assert _as_json(entry.before) == _as_json(before), entry.action
        assert _as_json(entry.after) == _as_json(after), entry.action
    # What is stored is short: the creation without its stamps, each change only what it changed.
    stored = _stored(db, ident)
    assert [r["form"] for r in stored] == [Form.CREATE, Form.CHANGE, Form.CHANGE, Form.CHANGE, Form.CHANGE]
    assert "created_at" not in stored[0]["after"] and stored[0]["after"]["review_status"] == "draft"
    assert stored[1]["after"] == {"fatalities": 7, "notes": "Ambush near the wells."}
    assert stored[2]["before"] == {"review_status": "draft"} and stored[2]["after"] == {"review_status": "verified"}
    assert set(stored[3]["after"]) == {"deleted_at", "deleted_by"}

    # The command line shows the same full images.
    result = CliRunner().invoke(cli, ["--db", db.url, "audit", "Incident", str(ident), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    entries = shown if isinstance(shown, list) else shown["entries"]
    assert _as_json(entries[2]["before"]) == _as_json(states[1]) and _as_json(entries[-1]["after"]) == _as_json(
        states[-1]
    )


def test_a_change_after_an_unaudited_one_keeps_its_images_whole(db: Database) -> None:
    """A row changed outside the history (a migration's backfill, a hand fix) breaks the chain:
    the next change is stored with its full images, never shortened into a wrong one."""
    with db.transaction("clerk") as tx:
        ident = make(tx, "Incident").id or 0
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE incident SET notes = 'fixed by hand' WHERE id = :i"), {"i": ident})
    with db.transaction("clerk") as tx:
        records.update(tx, "Incident", ident, {"fatalities": 30}, version=1)
        history = records.history(tx, "Incident", ident)
    assert history[1].before is not None and history[1].before["notes"] == "fixed by hand"
    assert history[0].after is not None and history[0].after["notes"] != "fixed by hand"
    assert [r["form"] for r in _stored(db, ident)] == [Form.CREATE, Form.FULL]


def _import(db: Database, path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    report = loading.load(db, "importer", "Incident", IMPORTER.rows(path), mission="Synth", convert=IMPORTER.convert)
    assert not report.problems, report.problems


def _synth_mission(db: Database, tmp_path: Path, incidents: int) -> list[dict[str, str]]:
    files = {f.kind: f for f in synthesise(incidents=incidents, seed=3).files}
    with db.transaction("test") as tx:
        records.create(tx, "Mission", {"name": "Synth", "country_iso3": "MLI"})
    for kind in ("Sector", "Location"):
        path = tmp_path / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(files[kind].columns))
            writer.writeheader()
            writer.writerows(files[kind].iter_rows())
        assert loading.load(db, "test", kind, table_importer(kind).rows(path), mission="Synth").written
    return list(files["acled"].iter_rows())


def test_an_import_and_a_re_import_show_every_record_whole(db: Database, tmp_path: Path) -> None:
    events = _synth_mission(db, tmp_path, 60)
    columns = list(events[0])
    _import(db, tmp_path / "first.csv", events, columns)
    changed = [
        dict(e, fatalities=str(int(e["fatalities"] or 0) + 1)) if n % 5 == 0 else e for n, e in enumerate(events)
    ]
    _import(db, tmp_path / "second.csv", changed, columns)
    with db.transaction("reader") as tx:
        incidents = records.list_records(tx, "Incident", limit=1000)
        histories = {i.id: records.history(tx, "Incident", i.id or 0) for i in incidents}
        now = {i.id: snapshot(i) for i in incidents}
    assert incidents and any(len(h) == 2 for h in histories.values())
    for ident, history in histories.items():
        assert history[0].before is None and history[0].actor == "importer"
        assert _as_json(history[-1].after) == _as_json(now[ident])
        for earlier, later in itertools.pairwise(history):
            assert _as_json(later.before) == _as_json(earlier.after)
            assert later.after is not None and later.before is not None
            assert later.after["fatalities"] == later.before["fatalities"] + 1
    with db.engine.connect() as conn:
        forms = dict(
            conn.execute(text("SELECT form, count(*) FROM audit_entry WHERE entity = 'Incident' GROUP BY form")).all()
        )
        blocks = conn.execute(text("SELECT count(*) FROM audit_block")).scalar_one()
    assert forms.get(Form.BLOCK, 0) >= len(incidents) and blocks >= 1 and Form.FULL not in forms


def test_the_history_and_its_blocks_cannot_be_changed_or_removed(db: Database, tmp_path: Path) -> None:
    events = _synth_mission(db, tmp_path, 10)
    _import(db, tmp_path / "events.csv", events, list(events[0]))
    for statement in ("UPDATE audit_block SET entity = 'x'", "DELETE FROM audit_block",
                      "UPDATE audit_entry SET form = 0", "DELETE FROM audit_entry"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def _raw(db: Database) -> dict[int, tuple[str, str]]:
    """Every entry's stored before and after, as JSON text (full images at revision 0024)."""
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, before, after FROM audit_entry")).all()
    return {r.id: (_as_json(_plain(r.before)), _as_json(_plain(r.after))) for r in rows}


def _plain(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value  # SQLite gives the JSON's text


def _images(db: Database) -> dict[int, tuple[str, str]]:
    with Session(db.engine) as session:
        return {e.id or 0: (_as_json(e.before), _as_json(e.after)) for e in every_entry(session)}


def _converts_both_ways(db: Database) -> int:
    """Down to full images, up to the short forms, down again: every image the same each time."""
    short = _images(db)
    _downgrade(db)
    full = _raw(db)
    assert full == short
    migrate.upgrade(db.engine)
    assert _images(db) == full
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entry WHERE form = 0")).scalar_one() < len(full) / 10
    return len(full)


def _downgrade(db: Database) -> None:
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0024")


def test_migration_0025_keeps_every_image_of_a_synthetic_mission(db: Database, tmp_path: Path) -> None:
    events = _synth_mission(db, tmp_path, 40)
    _import(db, tmp_path / "events.csv", events, list(events[0]))
    with db.transaction("clerk") as tx:
        first = records.list_records(tx, "Incident", limit=1)[0]
        records.update(tx, "Incident", first.id or 0, {"notes": "Checked on the ground."}, version=1)
    assert _converts_both_ways(db) > 40


def test_migration_0025_keeps_every_image_of_the_reference_mission(reference_copy: Database) -> None:
    assert _converts_both_ways(reference_copy) > 900
