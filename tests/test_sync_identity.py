"""Every record has a global identity; every change a change id of its own, applied once.

On both backends: migration 0022 gives every existing record a UUID of its own; every audited
change is captured into the change log once; a change sent twice is a no-op; a change based on
a state that is no longer current is kept as a conflict, not applied.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.sync import Outcome
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.services.sync import apply_change
from bluehelmet.services.sync_log import capture, change_of_row
from bluehelmet.storage import migrate
from bluehelmet.storage import sync_tables as store
from tests.factories import make

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_the_migration_gives_every_existing_record_a_uuid_of_its_own(db: Database) -> None:
    with db.transaction("tester") as tx:
        make(tx, "Incident")
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0019")
    migrate.upgrade(db.engine)
    assert migrate.schema_drift(db.engine) == []
    with db.transaction("reader") as tx:
        uids = [r.uid for kind in ("Mission", "Sector", "Location", "AdminArea", "Incident")
                for r in records.list_records(tx, kind)]  # fmt: skip
    assert len(uids) >= 8 and len(set(uids)) == len(uids)
    assert all(_UUID.fullmatch(u) for u in uids), uids


def test_each_change_is_logged_once_and_applied_once(db: Database) -> None:
    with db.transaction("tester") as tx:
        incident = make(tx, "Incident", notes="first")
        assert incident.id is not None
        records.update(tx, "Incident", incident.id, {"notes": "second"}, 1)
    with db.transaction("tester") as tx:
        logged = capture(tx)
        assert logged >= 2 and capture(tx) == 0  # nothing twice
        rows = [r for r in store.changes_after(tx.session, 0, 1000) if r["record_uid"] == incident.uid]
    assert [(r["action"], r["version"]) for r in rows] == [("create", 1), ("update", 2)]
    assert rows[1]["base_change"] == rows[0]["change_uid"]
    assert rows[1]["after"]["notes"] == "second" and rows[1]["after"]["uid"] == incident.uid
    assert rows[1]["after"]["location_id"] != incident.location_id  # type: ignore[attr-defined]
    later = change_of_row(rows[1])
    with db.transaction("tester") as tx:
        assert apply_change(tx, later)[0] == Outcome.DUPLICATE  # sent again: nothing done
        stale = replace(later, uid=str(uuid.uuid4()), version=2, base=rows[0]["change_uid"], at=datetime.now(UTC),
                        after={**later.after, "notes": "third, based on the first"})  # fmt: skip
        assert apply_change(tx, stale)[0] == Outcome.CONFLICT
        assert apply_change(tx, stale)[0] == Outcome.DUPLICATE  # kept once
        follows = replace(stale, uid=str(uuid.uuid4()), version=3, base=later.uid,
                          after={**later.after, "notes": "third"})  # fmt: skip
        assert apply_change(tx, follows)[0] == Outcome.APPLIED
    with db.transaction("reader") as tx:
        kept = records.get(tx, "Incident", incident.id)
        assert (kept.notes, kept.version) == ("third", 3)  # type: ignore[attr-defined]
        assert [e.version for e in records.history(tx, "Incident", incident.id)] == [1, 2, 3]
        (open_conflict,) = store.conflict_rows(tx.session)
        assert open_conflict["incoming"]["after"]["notes"] == "third, based on the first"


def test_the_node_commands_refuse_in_one_line(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "laptop.db")
    url = f"sqlite:///{tmp_path / 'laptop.db'}"
    runner = CliRunner()
    cases = [
        (["sync", "--json"], '{"error": "this database is not a sector node: run \'bluehelmet node join URL'),
        (["node", "join", "ftp://server", "--token", "bhn_x"], "error: the server URL must start with http://"),
        (["node", "join", "http://127.0.0.1:9", "--token", "bhn_x"], "error: cannot reach the server at http://127.0.0.1:9"),
        (["serve", "--sync-every", "60"], "error: --sync-every needs a sector node"),
        (["node", "add", "server", "--sector", "East"], "error: a node name is 1 to 100 letters"),
        (["conflict", "resolve", "nothing", "--keep", "mine"], "error: no open conflict on record nothing"),
    ]  # fmt: skip
    for args, expected in cases:
        result = runner.invoke(cli, ["--db", url, *args])
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith(expected) and result.output.count("\n") == 1, (args, result.output)
    assert runner.invoke(cli, ["--db", url, "conflict", "list"]).output == "no open conflicts\n"
    assert runner.invoke(cli, ["--db", url, "node", "list", "--json"]).output.strip() == "[]"
