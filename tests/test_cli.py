"""The command line: init, version, audit and record commands; errors are one line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bluehelmet import __version__
from bluehelmet.cli import cli
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.storage import migrate


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, "--actor", "cli-tester", *args])


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def ready(url: str) -> str:
    assert run(url, "init").exit_code == 0
    return url


def test_init_twice_then_version_and_audit_in_a_fresh_process(tmp_path: Path) -> None:
    """The acceptance path, through the real entry point in a separate Python process."""
    url = f"sqlite:///{tmp_path / 'x.db'}"

    def bluehelmet(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bluehelmet", "--db", url, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )

    first, second = bluehelmet("init"), bluehelmet("init")
    assert first.returncode == 0 and f"schema empty -> {migrate.head_revision()}" in first.stdout
    assert second.returncode == 0 and "nothing to do" in second.stdout
    version = bluehelmet("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"bluehelmet {__version__}"
    added = bluehelmet("record", "add", "mission", "name=MINUSMA", "country_iso3=MLI", "--json")
    assert added.returncode == 0, added.stderr
    history = bluehelmet("audit", "mission", str(json.loads(added.stdout)["id"]), "--json")
    assert history.returncode == 0
    (entry,) = json.loads(history.stdout)
    assert entry["action"] == "create" and entry["after"]["name"] == "MINUSMA"


def test_the_default_database_is_bluehelmet_db_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BLUEHELMET_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bluehelmet.db").exists()


def test_the_environment_names_the_database_and_db_overrides_it(tmp_path: Path) -> None:
    env_url = f"sqlite:///{tmp_path / 'env.db'}"
    flag_url = f"sqlite:///{tmp_path / 'flag.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env={"BLUEHELMET_DATABASE_URL": env_url}).exit_code == 0
    assert (tmp_path / "env.db").exists()
    assert runner.invoke(cli, ["--db", flag_url, "init"], env={"BLUEHELMET_DATABASE_URL": env_url}).exit_code == 0
    assert (tmp_path / "flag.db").exists()


def test_record_lifecycle_and_its_audit(ready: str) -> None:
    mission = json.loads(run(ready, "record", "add", "mission", "name=MINUSMA", "country_iso3=MLI", "--json").stdout)
    unit = run(
        ready,
        "record",
        "add",
        "unit",
        f"mission_id={mission['id']}",
        "name=645",
        "component=military",
        "unit_type=infantry_battalion",
        "deployed_strength=645",
        "--json",
    )
    assert unit.exit_code == 0, unit.stderr
    assert json.loads(unit.stdout)["name"] == "645"  # a name made of digits stays text
    assert run(ready, "record", "update", "unit", "1", "deployed_strength=640", "--version", "1").exit_code == 0
    assert run(ready, "record", "delete", "unit", "1", "--version", "2").exit_code == 0
    assert "[deleted]" in run(ready, "record", "list", "unit", "--deleted").stdout
    assert run(ready, "record", "restore", "unit", "1").exit_code == 0
    history = run(ready, "audit", "unit", "1")
    assert history.exit_code == 0
    lines = history.stdout.splitlines()
    assert [line.split()[2] for line in lines if line.startswith("v")] == ["create", "update", "delete", "restore"]
    assert "    deployed_strength: 645 -> 640" in lines
    assert all("by cli-tester" in line for line in lines if line.startswith("v"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["record", "add", "unit", "name=X"], "error: Unit (new) 'X': mission_id: field required"),
        (["record", "add", "starship", "name=X"], "error: unknown kind of record 'starship'"),
        (["record", "show", "unit", "42"], "error: Unit #42 does not exist"),
        (["audit", "platoon", "1"], "error: unknown kind of record 'platoon'"),
        (["record", "update", "mission", "1", "name=Y", "--version", "9"], "error: Mission #1 does not exist"),
    ],
)
def test_refusals_are_one_line_and_exit_non_zero(ready: str, args: list[str], message: str) -> None:
    result = run(ready, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_stale_version_is_refused_on_the_command_line(ready: str) -> None:
    run(ready, "record", "add", "mission", "name=MINUSMA", "country_iso3=MLI")
    assert run(ready, "record", "update", "mission", "1", "mandate=2531", "--version", "1").exit_code == 0
    stale = run(ready, "record", "update", "mission", "1", "mandate=2584", "--version", "1")
    assert stale.exit_code == 1
    assert "version 1 is stale, the record is now at version 2" in stale.stderr


def test_a_database_without_schema_says_to_run_init(url: str) -> None:
    result = run(url, "record", "list", "unit")
    assert result.exit_code == 1
    assert "run 'bluehelmet init'" in result.stderr


def test_an_unknown_database_kind_is_refused_clearly(tmp_path: Path) -> None:
    result = run("mysql://root@localhost/x", "init")
    assert result.exit_code == 1
    assert "is not a SQLite or PostgreSQL URL" in result.stderr


def test_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    result = run("postgresql+psycopg://nobody@127.0.0.1:1/none", "init")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: cannot prepare the database at postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_kinds_lists_every_entity_with_json(ready: str) -> None:
    listed = json.loads(CliRunner().invoke(cli, ["kinds", "--json"]).stdout)
    assert list(listed) == [entity_name(c) for c in ENTITIES]
    assert "deployed_strength" in listed["unit"]
