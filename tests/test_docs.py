"""Docs that cannot drift: the CLI reference, the settings page, the architecture page."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bluehelmet.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _cli_reference_module() -> object:
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_generated_from_the_commands() -> None:
    expected = _cli_reference_module().render()  # type: ignore[attr-defined]
    actual = (ROOT / "docs" / "cli.md").read_text()
    assert actual == expected, "docs/cli.md is stale: run `python scripts/cli_reference.py`"


def test_every_setting_is_documented_with_its_environment_variable() -> None:
    page = (ROOT / "docs" / "settings.md").read_text()
    for name, field in Settings.model_fields.items():
        assert f"`{name}`" in page, f"setting {name} is not in docs/settings.md"
        assert f"`BLUEHELMET_{name.upper()}`" in page
        assert field.description, f"setting {name} has no description"


def test_the_readme_quick_start_has_exactly_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```")[1::2]
    commands = [b.strip().split("\n", 1)[1].strip() for b in blocks]
    assert len(commands) == 2, commands
    assert commands[1] == "bash scripts/test"
    assert "pytest" in (ROOT / "scripts" / "test").read_text().splitlines()[-1]
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text(), "CI runs README's test command"


def test_architecture_names_every_top_level_part_of_the_package() -> None:
    page = (ROOT / "ARCHITECTURE.md").read_text()
    package = ROOT / "src" / "bluehelmet"
    parts = [p.name for p in package.iterdir() if p.is_dir() and not p.name.startswith("__")]
    parts += [p.name for p in package.glob("*.py") if not p.name.startswith("__")]
    for part in parts:
        assert part in page, f"ARCHITECTURE.md does not mention {part}"
