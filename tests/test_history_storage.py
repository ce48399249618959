"""The database's size by table for an operator: `bluehelmet about --storage` (text and JSON) on
both backends (the Data quality page's Storage section: test_history_storage_page.py)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.services.database import Database
from tests.factories import make


def test_about_storage_names_every_table_with_its_bytes(db: Database) -> None:
    with db.transaction("tester") as tx:
        for _ in range(3):
            make(tx, "Incident")
    result = CliRunner().invoke(cli, ["--db", db.url, "about", "--storage", "--json"])
    assert result.exit_code == 0, result.output
    size = json.loads(result.output)
    tables = {t["table"]: t for t in size["tables"]}
    assert {"incident", "audit_entry", "audit_block", "incident_day"} <= set(tables)
    assert tables["incident"]["data_bytes"] > 0 and tables["incident"]["index_bytes"] > 0
    assert all(t["total_bytes"] == t["data_bytes"] + t["index_bytes"] for t in size["tables"])
    assert sum(t["total_bytes"] for t in size["tables"]) <= size["total_bytes"]
    assert size["backend"] == db.engine.dialect.name
    text = CliRunner().invoke(cli, ["--db", db.url, "about", "--storage"]).output
    assert re.search(rf"^{db.engine.dialect.name} database: [\d.,]+ MB in all", text)
    assert re.search(r"^  audit_entry +[\d.]+ MB +[\d.]+ MB +[\d.]+ MB +[\d.]+%$", text, re.MULTILINE)
