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


def _walk(command: click.Command, ctx: click.Context) -> list[click.Context]:
    # click caches a command's help option the first time it is asked for; a command seen first
    # elsewhere (a test's own group) would keep that group's names. Ask afresh, under this parent.
    command._help_option = None
    found = [ctx]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):  # the lazy group's too, imported here
            sub = command.get_command(ctx, name)
            if sub is None:
                continue
            # A real parent context, as when the command runs, so inherited settings
            # (such as the -h help option) are the ones users see.
            found += _walk(sub, click.Context(sub, info_name=name, parent=ctx))
    return found


def render() -> str:
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `scripts/cli_reference.py`; do not edit by hand.",
        "Every command takes the global options of `bluehelmet` (`--db`, `--actor`) before its name.",
        "",
    ]
    root = click.Context(cli, info_name="bluehelmet", terminal_width=100, **cli.context_settings)
    for ctx in _walk(cli, root):
        parts += [f"## `{ctx.command_path}`", "", "```text", ctx.get_help().rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
