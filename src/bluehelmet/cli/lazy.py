"""The command group that imports a command's module only when that command runs.

``bluehelmet --version`` and ``--help`` import click and nothing of the analysis, the database
or the web (under 0.3 s, ``benchmarks/cli_startup.py``): each command is named with where it
lives and its one-line summary, which a test keeps equal to the command's own. A refusal is one
line on stderr, or ``{"error": ...}`` on stdout when ``--json`` was given, and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from importlib import import_module
from typing import Any, NoReturn

import click

from bluehelmet import __version__

__all__ = ["JSON_ASKED", "LazyGroup", "Summary", "fail", "print_version"]

#: Where ``ctx.meta`` remembers that the command line asked for JSON.
JSON_ASKED = "bluehelmet.json"
#: Where a command lives ("module:attribute") and its one-line summary.
Summary = tuple[str, str]


def fail(message: str, *, as_json: bool = False) -> NoReturn:
    """End the command with one line naming what is wrong (JSON on stdout with ``as_json``)."""
    if as_json:
        click.echo(json.dumps({"error": message}, ensure_ascii=False))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(1)


def print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"bluehelmet {__version__}")
    ctx.exit()


class LazyGroup(click.Group):
    """A group whose commands are imported when used; its refusals are one line, never a traceback."""

    def __init__(self, *args: Any, lazy: dict[str, Summary] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            command = getattr(import_module(module), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their summaries, without importing any of them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        rows = []
        for name in names:
            if name in self.lazy and name not in self.commands:
                rows.append((name, click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit)))
            elif (command := self.commands.get(name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--json" in args:
            ctx.meta[JSON_ASKED] = True
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from pydantic import ValidationError  # noqa: PLC0415 - only once a command runs

        from bluehelmet.domain.errors import BluehelmetError  # noqa: PLC0415

        as_json = bool(ctx.meta.get(JSON_ASKED))
        try:
            return super().invoke(ctx)
        except BluehelmetError as error:
            fail(str(error), as_json=as_json)
        except ValidationError as error:
            first = error.errors()[0]
            fail(f"setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}", as_json=as_json)
        except click.ClickException as error:
            if not as_json:
                raise
            fail(error.format_message(), as_json=True)
