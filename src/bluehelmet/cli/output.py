"""How commands print results: aligned tables for people, plain JSON values for scripts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bluehelmet.services.results import plain

__all__ = ["day", "plain", "share", "table"]


def day(value: datetime | None) -> date | None:
    """The date of a click DateTime option, if given."""
    return value.date() if value else None


def share(value: float | None) -> str:
    """A fraction as a whole percentage ("n/a" when there is none)."""
    return "n/a" if value is None else f"{value:.0%}"


def table(
    rows: Sequence[Sequence[object]],
    header: Sequence[str],
    *,
    empty: str = "(none)",
    top: int | None = None,
    indent: str = "",
) -> str:
    """Rows under their header in aligned columns; with ``top``, only the first rows and a count
    of the rest (scripts get every row with --json)."""
    if not rows:
        return indent + empty
    shown = list(rows if top is None else rows[:top])
    cells = [["" if v is None else str(v) for v in row] for row in shown]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    if len(rows) > len(shown):
        lines.append(f"... and {len(rows) - len(shown)} more (--json lists all)")
    return "\n".join(indent + line for line in lines)
