"""``bluehelmet synth``: write a synthetic mission's files, for trying bluehelmet at scale."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import click

from bluehelmet.cli.door import emit, fail, json_option
from bluehelmet.domain.catalogue import entity_class, entity_name
from bluehelmet.services.synth import SynthFile, synthesise

__all__ = ["COMMANDS", "synth_command"]

_EVERY = 100_000  # rows between progress lines


def _write(path: Path, file: SynthFile) -> int:
    written = 0
    started = time.monotonic()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(file.columns), extrasaction="raise")
        writer.writeheader()
        for row in file.iter_rows():
            writer.writerow(row)
            written += 1
            if written % _EVERY == 0:
                rate = written / max(time.monotonic() - started, 1e-9)
                click.echo(f"  {file.name}: {written:,} rows ({rate:,.0f} rows/s)", err=True)
    return written


def _kind(kind: str) -> str:
    return kind if kind == "acled" else entity_name(entity_class(kind))


@click.command("synth")
@click.option("--incidents", type=click.IntRange(min=0), default=10_000, show_default=True, help="Events to make.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same files.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Directory to write.")
@json_option
def synth_command(incidents: int, seed: int, out: Path, as_json: bool) -> None:
    """Write a synthetic mission to OUT: ACLED-layout incidents over Mali's regions and places,
    and the mission's sectors, places, units, equipment, evaluations and rotations in the
    template columns. Import them in the order listed (`bluehelmet import KIND FILE`)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot write to {out}: {error.strerror}")
    mission = synthesise(incidents=incidents, seed=seed)
    files = []
    for file in mission.files:
        rows = _write(out / file.name, file)
        files.append({"path": str(out / file.name), "import_as": _kind(file.kind), "rows": rows})
        if not as_json:
            click.echo(f"  wrote {file.name}: {rows:,} rows", err=True)
    lines = [f"synthetic mission (seed {seed}, {incidents:,} incidents) in {out}; import in this order:"]
    lines += [f"  bluehelmet import {f['import_as']} {f['path']}" for f in files]
    emit({"seed": seed, "incidents": incidents, "out": str(out), "files": files}, as_json, "\n".join(lines))


COMMANDS = (synth_command,)
