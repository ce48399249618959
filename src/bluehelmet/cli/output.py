"""How commands print results: aligned tables for people, plain JSON values for scripts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

__all__ = ["day", "plain", "share", "table"]


def day(value: datetime | None) -> date | None:
    """The date of a click DateTime option, if given."""
    return value.date() if value else None


def plain(value: Any) -> Any:
    """A result as JSON-ready values: dataclasses as objects, dates as ISO strings, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


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
