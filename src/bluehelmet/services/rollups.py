"""Keeping the incident rollup honest: rebuilding it after data written behind the services'
back (a bulk insert, a restore from backup), and checking it against the incidents.

The services keep it current on every change (see ``Transaction.rollup``); these are for an
administrator, a benchmark and the tests.
"""

from __future__ import annotations

from bluehelmet.services.database import Database
from bluehelmet.storage.rollups import MEASURES, RollupKey, rebuild_incident_rollup, rollup_named, rollup_rows

__all__ = ["check", "rebuild"]


def rebuild(db: Database, *, actor: str = "maintenance") -> int:
    """Recompute the incident rollups from the incidents; the number of rows they now have."""
    with db.transaction(actor) as tx:
        return rebuild_incident_rollup(tx.session)


def _describe(key: RollupKey) -> str:
    table, mission_id, *rest = key
    rollup = rollup_named(table)
    cell = f", {rest.pop(0)}" if rollup.cells else ""
    columns = rollup.key_columns[1 + len(rollup.cells) :]
    named = ", ".join(f"{name} {value!r}" for name, value in zip(columns, rest, strict=True) if value)
    return f"{table}: mission #{mission_id}{cell}" + (f", {named}" if named else "")


def check(db: Database, *, actor: str = "maintenance") -> list[str]:
    """Where the rollups differ from a fresh grouping of the incidents, one line per row (empty: none)."""
    with db.transaction(actor) as tx:
        stored, fresh = rollup_rows(tx.session), rollup_rows(tx.session, fresh=True)
    differences = []
    for key in sorted(stored.keys() | fresh.keys()):
        kept, counted = stored.get(key), fresh.get(key)
        if kept == counted:
            continue
        if kept is None:
            differences.append(f"{_describe(key)}: missing from the rollup")
        elif counted is None:
            differences.append(f"{_describe(key)}: in the rollup ({kept[0]} events) but no incident counts there")
        else:
            pairs = zip(MEASURES, kept, counted, strict=True)
            changes = [f"{name} {a} in the rollup, {b} in the incidents" for name, a, b in pairs if a != b]
            differences.append(f"{_describe(key)}: {'; '.join(changes)}")
    return differences
