"""The command line all day: errors name the valid choices, --json everywhere (errors as
``{"error": ...}`` with a non-zero exit), `serve` says where it listens and logs requests, summaries
are not cut, and --version / --help import no command (the lazy group)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import click
import pytest
import uvicorn
from click.testing import CliRunner, Result

from bluehelmet.cli import COMMANDS, cli
from bluehelmet.config import Settings
from bluehelmet.services.database import Database
from tests.factories import make


def run(url: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", url, "--actor", "cli-tester", *args], input=input)


@pytest.fixture
def url(tmp_path: Path) -> str:
    address = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(address, "init").exit_code == 0
    db = Database(Settings(database_url=address))
    with db.transaction("tester") as tx:
        mission = make(tx, "Mission", name="MINUSMA")
        east, _ = (make(tx, "Sector", mission_id=mission.id, name=name) for name in ("Sector East", "Sector West"))
        place = make(tx, "Location", mission_id=mission.id, name="Ansongo", sector_id=east.id)
        for name in ("Ansongo", "Aguelhok"):
            make(tx, "Incident", mission_id=mission.id, location_id=place.id, location_name=name, sector_id=east.id,
                 review_status="verified", event_date="2021-03-01")  # fmt: skip
    db.close()
    return address


def test_an_unknown_sector_names_the_valid_ones(url: str) -> None:
    result = run(url, "user", "add", "eastern", "--role", "sector", "--sector", "East", "--mission", "MINUSMA")
    assert result.exit_code == 1
    assert "no sector 'East'; the sectors are: Sector East, " in result.output and "Sector West" in result.output


def test_a_place_no_incident_names_is_refused_with_suggestions(url: str) -> None:
    nowhere = run(
        url,
        "stats",
        "rate",
        "--split",
        "2021-04-01",
        "--from",
        "2021-01-01",
        "--to",
        "2021-06-30",
        "--location",
        "Nowhereville",
    )
    assert (
        nowhere.exit_code == 1 and "no such place 'Nowhereville'" in nowhere.output and "0 events" not in nowhere.output
    )
    close = run(
        url,
        "stats",
        "rate",
        "--split",
        "2021-04-01",
        "--from",
        "2021-01-01",
        "--to",
        "2021-06-30",
        "--location",
        "Ansongoo",
    )
    assert close.exit_code == 1 and "did you mean 'Ansongo'?" in close.output
    cased = run(url, "stats", "incidents", "--location", "ANSONGO")
    assert cased.exit_code == 1 and "it is written 'Ansongo'" in cased.output
    fine = run(
        url,
        "stats",
        "rate",
        "--split",
        "2021-04-01",
        "--from",
        "2021-01-01",
        "--to",
        "2021-06-30",
        "--location",
        "Ansongo",
        "--json",
    )
    assert fine.exit_code == 0, fine.output
    assert json.loads(fine.output)["before_events"] + json.loads(fine.output)["after_events"] == 1


def test_errors_under_json_are_json_with_a_non_zero_exit(url: str) -> None:
    refused = run(url, "record", "show", "incident", "999", "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout) == {"error": "Incident #999 does not exist"}
    usage = run(url, "user", "add", "someone", "--role", "captain", "--json")
    assert usage.exit_code == 1 and "'captain' is not one of" in json.loads(usage.stdout)["error"]
    plain = run(url, "record", "show", "incident", "999")
    assert plain.exit_code == 1 and plain.output.strip() == "error: Incident #999 does not exist"


def test_template_answers_in_json(url: str, tmp_path: Path) -> None:
    out = tmp_path / "units.xlsx"
    result = run(url, "template", "unit", "--format", "xlsx", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["path"] == str(out) and answer["kind"] == "unit" and answer["columns"] > 5 and out.exists()


def test_serve_says_where_it_listens_and_logs_requests(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    called: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: called.update(kwargs))
    result = run(url, "serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "listening on http://127.0.0.1:8123/" in result.output
    assert called["port"] == 8123 and called["access_log"] is True and called["log_level"] == "info"


def test_the_lazy_summaries_are_the_commands_own() -> None:
    for name, (where, summary) in COMMANDS.items():
        module, _, attribute = where.partition(":")
        command: click.Command = getattr(import_module(module), attribute)
        first = " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())
        assert summary == first, f"COMMANDS[{name!r}] differs from the command's help: {first!r}"
        assert command.name == name or name in ("stats", "report")


def test_summaries_are_not_cut_inside_a_sentence() -> None:
    result = CliRunner().invoke(cli, ["record", "--help"])
    assert "Add a record of KIND from FIELD=VALUE pairs or --data." in result.output
    assert "e.g.\n" not in result.output


def test_version_and_help_import_no_command_nor_the_database() -> None:
    probe = (
        "import sys; from bluehelmet.cli import main; sys.argv = ['bluehelmet', '{arg}']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'pydantic', 'bluehelmet.services', 'bluehelmet.cli.records')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    for arg in ("--version", "--help"):
        done = subprocess.run([sys.executable, "-c", probe.replace("{arg}", arg)], capture_output=True, text=True,
                              check=True)  # fmt: skip
        assert "HEAVY []" in done.stdout, done.stdout
    assert "record" in done.stdout and "Add, change, delete" in done.stdout
