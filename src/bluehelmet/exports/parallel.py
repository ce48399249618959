"""Writing a large export with every processor: the records cut into parts by id, each part
read and written by a process of its own, all reading the same state of the record.

An export of a million incidents spends its time in three nearly equal shares, all in Python:
reading the rows, writing their cells as text, and joining the lines. One process uses one
core; on a machine with two, two processes write a file in about half the time.

Every part reads the record as it was when the export began, whatever is written meanwhile.
On PostgreSQL the other processes take the first one's snapshot (``SET TRANSACTION
SNAPSHOT``). SQLite cannot share a snapshot: each process names the last change it sees, and
if one of them saw a change the first did not, the parts are thrown away and the file is
written again by one process in one transaction. The file is the same, byte for byte, as
:func:`bluehelmet.exports.writers.write` writes in one process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record
from bluehelmet.exports.writers import csv_chunks, geojson_chunks, write
from bluehelmet.services import exporting, records
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import columns
from bluehelmet.services.exporting import ExportRow, Selection, checked_date_field, export_rows, rows_in
from bluehelmet.services.loading import find_mission

__all__ = ["PARALLEL_FROM", "Progress", "export_file", "parts_for"]

#: Below this many records an export is written by one process: starting another takes one
#: to two seconds (an interpreter and the library), more than it would save.
PARALLEL_FROM = 200_000
#: At most this many processes write one export.
_MOST_PARTS = 4
#: About how many rows one process writes while another starts (1.4 s on the machine of
#: 2026-12-04: 1.1 s to import the library, then its connection and view, against 44,000
#: rows a second; both are processor work, so the ratio holds on a slower machine). The first
#: part, written at once in this process, takes that much more of a head start, the parts
#: started later that much less, so that they end together.
_START_ROWS = 60_000
#: Rows between two reports of progress.
_REPORT_EVERY = 10_000
#: Told of an export's progress: rows written so far, and rows in all.
Progress = Callable[[int, int], None]


def parts_for(processors: int | None = None) -> int:
    """How many processes write a large export: one per processor, at most four."""
    return max(1, min(_MOST_PARTS, processors if processors is not None else (os.cpu_count() or 1)))


def export_file(
    db: Database,
    kind: str | type[Record],
    fmt: str,
    path: Path,
    *,
    mission: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "export",
    parts: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the live records of ``kind`` to ``path`` in ``fmt``, as ``writers.write`` writes
    the rows of ``exporting.export_rows``, in ``parts`` processes (default :func:`parts_for`)
    when there are at least :data:`PARALLEL_FROM` records; returns how many were written.
    ``progress``, when given, is told the rows written by every part, every few thousand."""
    cls = records.kind_of(kind)
    field_name = checked_date_field(cls, date_from, date_to)
    parts = parts_for() if parts is None else max(1, parts)
    serial = fmt not in ("csv", "hxl", "geojson") or parts < 2
    if serial and progress is None:  # nothing to count the rows for
        return _serial(db, cls, fmt, path, mission, date_from, date_to, actor, _Report(None, 0))
    with db.transaction(actor) as tx:
        view = "" if serial else exporting.shared_view(tx)
        mission_id = find_mission(tx, mission).id if "mission_id" in cls.__dataclass_fields__ else None
        selection = Selection(mission_id, field_name, date_from, date_to)
        head = _START_ROWS * (parts - 1) // parts
        count, bounds = exporting.part_bounds(tx, cls, selection, 1 if serial else parts, head=head)
        report = _Report(progress, count)
        if not serial and (count < PARALLEL_FROM or not bounds):
            return _write_part(tx, cls, fmt, path, selection, first=True, last=True, report=report)
        written = None if serial else _in_parts(db.settings, tx, cls, fmt, path, selection, bounds, view, actor, report)
    if written is None:  # one process asked for, or on SQLite a change came between the parts' starts
        return _serial(db, cls, fmt, path, mission, date_from, date_to, actor, report)
    return written


def _serial(
    db: Database,
    cls: type[Record],
    fmt: str,
    path: Path,
    mission: str | None,
    date_from: date | None,
    date_to: date | None,
    actor: str,
    report: _Report,
) -> int:
    chosen, rows = export_rows(db, cls, mission=mission, date_from=date_from, date_to=date_to, actor=actor)
    counted = _Counted(rows, report)
    written = write(fmt, path, chosen, counted)
    report(counted.count)
    return written


def _in_parts(
    settings: Settings,
    tx: Transaction,
    cls: type[Record],
    fmt: str,
    path: Path,
    selection: Selection,
    bounds: list[int],
    view: str,
    actor: str,
    report: _Report,
) -> int | None:
    """The first part written here, the others by processes of their own into files beside
    ``path``, appended in order; None (and nothing written) if they did not all see one view."""
    ends = [*bounds, None]
    pieces = [path.with_name(f".{path.name}.part{i}") for i in range(1, len(ends))]
    tallies = [piece.with_name(piece.name + ".rows") for piece in pieces]
    report.others = tallies
    children: list[_Child] = []
    try:
        with ExitStack() as outputs:
            for piece, tally, start, end in zip(pieces, tallies, bounds, ends[1:], strict=True):
                job = {"settings": settings.model_dump(mode="json"), "kind": cls.__name__, "format": fmt,
                       "path": str(piece), "selection": _as_json(selection._replace(ids=(start, end))), "view": view,
                       "actor": actor, "last": end is None, "tally": str(tally)}  # fmt: skip
                children.append(_Child(job, outputs))
            first = selection._replace(ids=(None, bounds[0]))
            count = _write_part(tx, cls, fmt, path, first, first=True, last=False, report=report)
            results = [child.result(lambda: report(count)) for child in children]
        if any(seen != view for _, seen in results):
            path.unlink(missing_ok=True)
            return None
        for piece in pieces:
            _append(piece, path)
        report(count)  # every part done: all of it
        return count + sum(n for n, _ in results)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        for child in children:
            child.stop()
        for piece in [*pieces, *tallies]:
            piece.unlink(missing_ok=True)


def _append(piece: Path, path: Path) -> None:
    """Add ``piece``'s bytes to the end of ``path``: copied by the kernel where it can
    (``copy_file_range``: 0.27 s for 700 MB against 1.2 s through Python), else read and written."""
    with piece.open("rb") as source, path.open("r+b") as target:
        target.seek(0, os.SEEK_END)
        left = os.fstat(source.fileno()).st_size
        try:
            while left > 0:
                copied = os.copy_file_range(source.fileno(), target.fileno(), left)
                if copied == 0:
                    break
                left -= copied
        except (AttributeError, OSError):  # no such call here, or not between these files
            pass
        if left > 0:
            source.seek(-left, os.SEEK_END)
            target.seek(0, os.SEEK_END)
            shutil.copyfileobj(source, target, 1 << 20)


class _Child:
    """A fresh interpreter writing one later part (no connection or state of this process),
    given its job on its input; what it prints is kept in files, which cannot block it as a
    full pipe would."""

    def __init__(self, job: dict[str, Any], outputs: ExitStack) -> None:
        self.out = outputs.enter_context(tempfile.TemporaryFile())  # noqa: SIM115  # closed by the stack
        self.err = outputs.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        command = [sys.executable, "-m", "bluehelmet.exports.parallel"]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=self.out, stderr=self.err)  # noqa: S603
        assert self.process.stdin is not None
        try:
            with self.process.stdin as given:
                given.write(json.dumps(job).encode())
        except BrokenPipeError:
            pass  # it ended before reading its job: result() says how

    def result(self, waiting: Callable[[], None]) -> tuple[int, str]:
        """How many rows it wrote and the view it read, ``waiting`` called now and then until it
        ends; BluehelmetError if it failed."""
        while True:
            try:
                self.process.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                waiting()
        self.out.seek(0)
        self.err.seek(0)
        err = self.err.read().decode(errors="replace").strip()
        if self.process.returncode != 0:
            last = err.splitlines()[-1] if err else f"exit status {self.process.returncode}"
            raise BluehelmetError(f"a part of the export failed: {last}")
        done = json.loads(self.out.read())
        return int(done["count"]), str(done["seen"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _as_json(selection: Selection) -> dict[str, Any]:
    return {**selection._asdict(), "date_from": _day(selection.date_from), "date_to": _day(selection.date_to)}


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _selection(values: dict[str, Any]) -> Selection:
    dates = {k: date.fromisoformat(values[k]) if values[k] else None for k in ("date_from", "date_to")}
    return Selection(values["mission_id"], values["date_field"], ids=tuple(values["ids"]), **dates)


def _write_part(
    tx: Transaction,
    cls: type[Record],
    fmt: str,
    path: Path,
    selection: Selection,
    *,
    first: bool,
    last: bool,
    report: Callable[[int], None],
) -> int:
    """Write the rows ``selection`` chooses, read in ``tx``: with the file's opening if
    ``first`` (its byte-order mark and header), with its closing if ``last``; the rows
    written so far told to ``report``, every few thousand and at the end."""
    names = [c.name for c in columns(cls)]
    counted = _Counted(rows_in(tx, cls, selection), report)
    if fmt == "geojson":
        chunks = geojson_chunks(names, counted, opening=first, closing=last)
    else:
        chunks = csv_chunks(names, counted, fmt == "hxl", header=first)
    with path.open("w", encoding="utf-8-sig" if first and fmt != "geojson" else "utf-8", newline="") as handle:
        for chunk in chunks:
            handle.write(chunk)
    report(counted.count)
    return counted.count


class _Counted:
    """Rows passed through, counted, the count told to ``report`` every :data:`_REPORT_EVERY`."""

    def __init__(self, rows: Iterator[ExportRow], report: Callable[[int], None]) -> None:
        self.rows, self.count, self.report = rows, 0, report

    def __iter__(self) -> Iterator[ExportRow]:
        for row in self.rows:
            self.count += 1
            if self.count % _REPORT_EVERY == 0:
                self.report(self.count)
            yield row


class _Report:
    """Tells ``progress`` (if any) the rows written: this process's, and those the other parts
    last wrote down in their tally files (``others``)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total = progress, total
        self.others: Sequence[Path] = ()

    def __call__(self, here: int) -> None:
        if self.progress is not None:
            done = here + sum(_tallied(path) for path in self.others)
            self.progress(min(done, self.total), self.total)


def _tallied(path: Path) -> int:
    """The rows a part wrote down in its tally file, 0 before it wrote any."""
    try:
        return int(path.read_text(encoding="ascii") or 0)
    except (OSError, ValueError):
        return 0


def _tally_to(path: Path) -> Callable[[int], None]:
    """Write a part's rows down in ``path``, replaced whole each time so that it is never read half-written."""

    def write_down(rows: int) -> None:
        fresh = path.with_name(path.name + ".new")
        fresh.write_text(str(rows), encoding="ascii")
        fresh.replace(path)

    return write_down


def _write_later_part(job: dict[str, Any]) -> tuple[int, str]:
    """In a process of its own: one part after the first, read in the first one's view;
    how many rows it wrote, and the view it read (compared with the first's)."""
    db = Database(Settings(**job["settings"]))
    try:
        with db.transaction(job["actor"]) as tx:
            seen = exporting.join_view(tx, job["view"])
            if seen != job["view"]:
                return 0, seen
            cls = records.kind_of(job["kind"])
            selection = _selection(job["selection"])
            written = _write_part(
                tx, cls, job["format"], Path(job["path"]), selection, first=False, last=job["last"],
                report=_tally_to(Path(job["tally"])),
            )  # fmt: skip
            return written, seen
    finally:
        db.close()


if __name__ == "__main__":
    written, seen = _write_later_part(json.loads(sys.stdin.read()))
    print(json.dumps({"count": written, "seen": seen}))
