"""The history's blocks by row (before issue 29's columns) against by column, on a database's own
blocks: their bytes, and the codec's processor time to write and to read them, in turn.

Usage: python benchmarks/audit_blocks.py URL [--rounds 7]

Reads every block of the database at URL (either layout), and for each writes it again by row
(``zlib.compress(block_text(.., ROWS), 6)``, what bluehelmet wrote before) and by column
(``encode_block``), then decodes both; each step ``--rounds`` times in turn, the best processor
time (``time.process_time``) kept. Prints the bytes, the times and the load average.
"""

from __future__ import annotations

import argparse
import os
import time
import zlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, select

from bluehelmet.storage import audit_codec
from bluehelmet.storage.tables import audit_block_table

ROWS = audit_codec.Layout.ROWS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    engine = create_engine(args.url)
    with engine.connect() as conn:
        stored = [bytes(d) for d in conn.scalars(select(audit_block_table.c.data).order_by(audit_block_table.c.id))]
    engine.dispose()
    blocks: list[tuple[list[str], dict[int, list[Any]]]] = []
    for data in stored:
        images = audit_codec.decode_block(data)
        keys = list(next(iter(images.values()), {}))
        blocks.append((keys, {i: [image[k] for k in keys] for i, image in images.items()}))
    rows = sum(len(r) for _, r in blocks)
    by_row = [zlib.compress(audit_codec.block_text(k, r, ROWS), 6) for k, r in blocks]
    by_column = [audit_codec.encode_block(k, r) for k, r in blocks]
    steps: dict[str, Callable[[], object]] = {
        "write by row": lambda: [zlib.compress(audit_codec.block_text(k, r, ROWS), 6) for k, r in blocks],
        "write by column": lambda: [audit_codec.encode_block(k, r) for k, r in blocks],
        "read by row": lambda: [audit_codec.decode_block(d) for d in by_row],
        "read by column": lambda: [audit_codec.decode_block(d) for d in by_column],
    }
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(args.rounds):
        for name, step in steps.items():
            started = time.process_time()
            step()
            best[name] = min(best[name], time.process_time() - started)
    row_bytes, column_bytes = sum(map(len, by_row)), sum(map(len, by_column))
    print(f"{len(blocks)} blocks, {rows:,} rows: by row {row_bytes:,} bytes, by column {column_bytes:,} "
          f"({column_bytes / row_bytes - 1:+.1%})")  # fmt: skip
    for name, seconds in best.items():
        print(f"{name}: {seconds:.3f} s processor ({seconds / max(rows, 1) * 1e6:.1f} us a row)")
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
