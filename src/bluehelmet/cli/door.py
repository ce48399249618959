"""What every command shares: settings, who acts, the database, JSON output, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from bluehelmet.cli import lazy
from bluehelmet.config import Settings
from bluehelmet.services.database import Database, Transaction

__all__ = [
    "DAY",
    "Door",
    "emit",
    "fail",
    "json_option",
    "mission_option",
    "pass_door",
    "settings_for",
]


def fail(message: str) -> NoReturn:
    """End the command with one line naming what is wrong (``{"error": ...}`` under --json)."""
    ctx = click.get_current_context(silent=True)
    lazy.fail(message, as_json=bool(ctx and ctx.meta.get(lazy.JSON_ASKED)))


def settings_for(ctx: click.Context) -> Settings:
    db = ctx.params.get("db") if ctx.parent is None else ctx.find_root().params.get("db")
    try:
        return Settings(database_url=db) if db else Settings()
    except ValidationError as error:
        fail(f"setting {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}")


class Door:
    """What every command needs: the settings, who acts, and the database, opened lazily."""

    def __init__(self, settings: Settings, actor: str) -> None:
        self.settings = settings
        self.actor = actor
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings)
        return self._db

    def close(self) -> None:
        """Release the database connections (called when the command ends)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.db.transaction(self.actor) as tx:
            yield tx


pass_door = click.make_pass_decorator(Door)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
mission_option = click.option("--mission", metavar="NAME", help="The mission (default: the only one).")
#: A day on the command line, written YYYY-MM-DD.
DAY = click.DateTime(["%Y-%m-%d"])


def emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text)
