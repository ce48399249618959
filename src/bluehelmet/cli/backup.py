"""`bluehelmet backup FILE` and `bluehelmet restore FILE`: the whole mission in one portable file."""

from __future__ import annotations

from pathlib import Path

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.services import backup as backups

__all__ = ["COMMANDS", "backup_command", "restore_command"]


def _progress(verb: str) -> backups.Progress:
    def report(table: str, rows: int, number: int, tables: int) -> None:
        click.echo(f"{verb} {number}/{tables} {table}: {rows} rows", err=True)

    return report


def _summary(manifest: backups.Manifest, path: Path) -> dict[str, object]:
    return {"path": str(path), "schema_revision": manifest.revision, "created_at": manifest.created_at,
            "rows": manifest.rows, "tables": {name: t["rows"] for name, t in manifest.tables.items()}}  # fmt: skip


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@json_option
@pass_door
def backup_command(door: Door, file: Path, quiet: bool, as_json: bool) -> None:
    """Write the whole mission record to FILE: every record, the audit history and the accounts.

    A zip of one xz-compressed file of JSON lines per table (its rows by column) with a manifest
    (schema revision, counts, checksums), the same from SQLite and PostgreSQL; a long table's
    progress is told every 100,000 rows. It holds password hashes: keep it as safe as the database. Its
    manifest is signed with BLUEHELMET_SECRET_KEY (unsigned when no key is set)."""
    manifest = backups.backup(door.db, file, progress=None if quiet else _progress("backed up"))
    signed = "" if door.settings.secret_key else " (unsigned: no BLUEHELMET_SECRET_KEY is set)"
    text = f"backed up {manifest.rows} rows of {len(manifest.tables)} tables from {door.db.url} to {file}{signed}"
    emit(_summary(manifest, file), as_json, text)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.option("--trust-unsigned", is_flag=True,
              help="Restore an archive that is unsigned, or not signed with this server's secret key.")  # fmt: skip
@json_option
@pass_door
def restore_command(door: Door, file: Path, quiet: bool, trust_unsigned: bool, as_json: bool) -> None:
    """Restore FILE (made by `bluehelmet backup`) into an empty database, all or nothing.

    The archive is checked whole before anything is written: its signature (made with
    BLUEHELMET_SECRET_KEY; an unsigned, foreign or edited archive is refused without
    --trust-unsigned), every table, every checksum. A database that holds any row is refused.
    The schema is brought up to date and the incident rollups rebuilt afterwards."""
    manifest = backups.restore(door.db, file, progress=None if quiet else _progress("restored"),
                               trust_unsigned=trust_unsigned)  # fmt: skip
    text = f"restored {manifest.rows} rows of {len(manifest.tables)} tables from {file} into {door.db.url}"
    emit(_summary(manifest, file), as_json, text)


COMMANDS = (backup_command, restore_command)
