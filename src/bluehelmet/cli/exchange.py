"""Commands that move records between the mission record and files: template, import, export."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.intake import import_odk
from bluehelmet.domain.catalogue import entity_name
from bluehelmet.exports.parallel import PARALLEL_FROM, export_file
from bluehelmet.exports.writers import FORMATS, write_template
from bluehelmet.imports.registry import IMPORTERS, import_file, table_importer
from bluehelmet.imports.tables import count_rows
from bluehelmet.services import exchange, exporting, records

__all__ = ["COMMANDS", "export_command", "import_command", "template_command"]


@click.command("template")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@json_option
def template_command(kind: str, fmt: str, out: Path | None, as_json: bool) -> None:
    """Write a blank spreadsheet for KIND: the columns, and what each one holds."""
    cls = records.kind_of(kind)
    target = out or Path(f"{entity_name(cls)}-template.{fmt}")
    columns = exchange.columns(cls)
    write_template(fmt, target, columns)
    emit({"kind": entity_name(cls), "path": str(target), "format": fmt, "columns": len(columns)}, as_json,
         f"wrote {target}")  # fmt: skip


def _progress(total: int | None, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress bar on stderr (so --json output stays clean), fed with rows done."""
    if total is None or not sys.stderr.isatty():
        return (lambda done: None), (lambda: None)
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    bar.__enter__()
    state = {"done": 0}

    def update(done: int) -> None:
        bar.update(done - state["done"])
        state["done"] = done

    return update, lambda: bar.__exit__(None, None, None)


class _ExportBar:
    """The export's progress bar on stderr (when it is a terminal), made once the rows to
    write are known."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.update: Callable[[int], None] | None = None
        self.close: Callable[[], None] = lambda: None

    def __call__(self, done: int, total: int) -> None:
        if self.update is None:
            self.update, self.close = _progress(total, self.label)
        self.update(done)


@click.command("import")
@click.argument("kind")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@mission_option
@click.option("--dry-run", is_flag=True, help="Check the whole file; write nothing.")
@json_option
@pass_door
def import_command(door: Door, kind: str, path: Path, mission: str | None, dry_run: bool, as_json: bool) -> None:
    """Import PATH as records of KIND, all or nothing.

    KIND is a kind of record (columns as `bluehelmet template` writes them) or a layout:
    acled, hxl, geopko, radpko, or odk (an ODK Central or KoboToolbox export of the incident
    form, media included: its submissions come in once each, as draft incidents).
    """
    if kind == "odk":
        if dry_run:
            raise click.UsageError("import odk has no --dry-run: it refuses every submission or none")
        import_odk(door, path, mission, as_json)
        return
    importer = IMPORTERS.get(kind) or table_importer(entity_name(records.kind_of(kind)))
    update, close = _progress(count_rows(path), f"importing {path.name}")
    try:
        report = import_file(door.db, door.actor, importer, path, mission=mission, dry_run=dry_run, progress=update)
    finally:
        close()
    counts = f"{report.rows} rows: {report.created} new, {report.updated} changed, {report.unchanged} unchanged"
    lines = [f"{path.name}: {counts}"]
    lines += [f"  {p}" for p in report.problems]
    lines += [f"  warning: {w}" for w in report.warnings]
    if report.problem_count > len(report.problems):
        lines.append(f"  ... and {report.problem_count - len(report.problems)} more problems")
    if report.problem_count:
        lines.append(f"{report.problem_count} problem(s): nothing was written")
    elif dry_run:
        lines.append("dry run: nothing was written")
    emit(report.as_dict(), as_json, "\n".join(lines))
    if report.problem_count:
        sys.exit(1)


@click.command("export")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--from", "date_from", type=DAY, help="First date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DAY, help="Last date (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option(
    "--parts", type=click.IntRange(min=1), default=None,
    help=f"Processes writing a CSV, HXL or GeoJSON export of {PARALLEL_FROM:,} records or more "
    "(default: one per processor, at most four).",
)  # fmt: skip
@mission_option
@json_option
@pass_door
def export_command(
    door: Door,
    kind: str,
    fmt: str,
    date_from: datetime | None,
    date_to: datetime | None,
    out: Path,
    parts: int | None,
    mission: str | None,
    as_json: bool,
) -> None:
    """Export the live records of KIND to a file, streamed (any size)."""
    if fmt == "geojson" and not exporting.has_coordinates(records.kind_of(kind)):
        raise click.UsageError(f"{kind} records have no coordinates to map; use csv, xlsx or hxl")
    bar = _ExportBar(f"exporting {out.name}")
    try:
        count = export_file(
            door.db, kind, fmt, out, mission=mission, actor=door.actor, parts=parts, progress=bar,
            date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
        )  # fmt: skip
    finally:
        bar.close()
    emit({"path": str(out), "format": fmt, "records": count}, as_json, f"wrote {count} records to {out}")


COMMANDS = (template_command, import_command, export_command)
