"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

Run after changing a command: `python scripts/cli_reference.py`. tests/test_docs.py fails when
docs/cli.md differs from what this prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bluehelmet.cli import cli

TARGET = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += _walk(command.commands[name], [*path, name])
    return found


def render() -> str:
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `scripts/cli_reference.py`; do not edit by hand.",
        "Every command takes the global options of `bluehelmet` (`--db`, `--actor`) before its name.",
        "",
    ]
    for path, command in _walk(cli, ["bluehelmet"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100) as ctx:
            text = command.get_help(ctx)
        parts += [f"## `{' '.join(path)}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
