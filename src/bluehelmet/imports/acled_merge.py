"""The rows of one event merged before a batch is read in columns (``acled_columns.py``).

ACLED writes some events once per actor, in adjacent rows of one ``event_id_cnty``; the row
path merges them (``AcledEvent.absorb``, then ``merged_cells``). Here each such run of rows
becomes one row of the batch, its cells the first row's with the merged actors written back,
by those very functions, so the columnar reader converts and proves it as it does any other
row (a new event written in bulk, or an unchanged one left as stored). A run the row path
would warn about (rows that disagree on the toll, more than two actors) or with a cell of any
of its rows the columnar reader would not read as it is keeps its own rows, for the row path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bluehelmet.imports import acled_cells as cell
from bluehelmet.imports.acled import AcledEvent

__all__ = ["Merged", "merge_events"]

#: The cells ``merged_cells`` writes back (the other cells of an event are its first row's).
_ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2")


@dataclass
class Merged:
    """A batch with one row an event: ``table``; for each of its rows the batch row it starts
    at (``origin``), and whether it may be proved (``ok``: False for an event of several rows
    the row path must merge itself); ``parts``: the batch rows of each event of several rows."""

    table: pa.Table
    origin: np.ndarray
    ok: np.ndarray
    parts: dict[int, list[int]]

    def rows_of(self, at: list[int]) -> list[int]:
        """The batch rows the rows ``at`` stand for, in file order."""
        return sorted(r for i in at for r in self.parts.get(i, [int(self.origin[i])]))


def merge_events(
    table: pa.Table, names: list[str], header: list[str], ids: list[str], clean: Callable[[pa.Table], np.ndarray]
) -> Merged:
    """Each run of adjacent rows of one event id (as ``group_events`` compares them: stripped,
    not empty) as one row; ``clean`` says which rows of a table the columnar reader reads as
    they are."""
    n = table.num_rows
    keys = list(map(str.strip, ids))  # as group_events compares them (map: no Python frame a row)
    runs: list[list[int]] = []
    for i in range(1, n):
        if keys[i] and keys[i] == keys[i - 1]:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i - 1, i])
    if not runs:
        return Merged(table, np.arange(n), np.ones(n, dtype=bool), {})
    keep = np.ones(n, dtype=bool)
    for run in runs:
        keep[run[1:]] = False
    kept = np.flatnonzero(keep)
    merged = table.take(pa.array(kept))
    origin_at = {int(o): k for k, o in enumerate(kept.tolist())}
    parts = {origin_at[run[0]]: run for run in runs}
    ok = np.ones(len(kept), dtype=bool)
    if any(c not in names for c in _ACTOR_COLUMNS):  # no column to write a merged actor back into
        ok[list(parts)] = False
        return Merged(merged, kept, ok, parts)
    multi = [r for run in runs for r in run]
    clean_of = dict(zip(multi, clean(table.take(pa.array(multi))).tolist(), strict=True))
    rows = dict(zip(multi, table.take(pa.array(multi)).to_pylist(), strict=True))
    written: dict[int, dict[str, str]] = {}
    for at, run in parts.items():
        event = AcledEvent(run[0], cell.cells(header, rows[run[0]]))
        for r in run[1:]:
            event.absorb(AcledEvent(r, cell.cells(header, rows[r])))
        cells = event.merged_cells()
        ok[at] = not event.warnings and all(clean_of[r] for r in run)
        written[at] = cells
    mask = np.zeros(len(kept), dtype=bool)
    mask[list(written)] = True
    places = sorted(written)
    for column in _ACTOR_COLUMNS:
        index = names.index(column)
        cells = pa.array([written[at][column] for at in places], pa.string())
        replaced = pc.replace_with_mask(merged.column(index).combine_chunks(), pa.array(mask), cells)
        merged = merged.set_column(index, merged.schema.field(index), replaced)
    return Merged(merged, kept, ok, parts)
