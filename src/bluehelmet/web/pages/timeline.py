"""Where a span of days falls on a timeline drawn as a percentage of its width (for the
server-rendered bars of the Operations and Rotations pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Timeline"]


@dataclass(frozen=True)
class Timeline:
    """The days ``start`` to ``end`` (inclusive) laid across 100 per cent."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days + 1)

    def left(self, day: date | None) -> float:
        chosen = min(max(day or self.start, self.start), self.end + timedelta(days=1))
        return round(100 * (chosen - self.start).days / self.days, 2)

    def width(self, first: date | None, last: date | None) -> float:
        """The width of ``first``..``last`` (an open end runs to the edge), at least a sliver."""
        end = min(last or self.end, self.end) + timedelta(days=1)
        return max(0.4, round(self.left(end) - self.left(first), 2)) if end > self.start else 0.0

    def bar(self, first: date | None, last: date | None) -> str:
        """The CSS of a bar for ``first``..``last``."""
        return f"left:{self.left(first)}%;width:{self.width(first, last)}%"

    def months(self) -> list[tuple[str, float]]:
        """The first day of each month inside the timeline: its label (YYYY-MM) and position."""
        marks, day = [], self.start.replace(day=1)
        while day <= self.end:
            if day >= self.start:
                marks.append((day.strftime("%Y-%m"), self.left(day)))
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return marks
