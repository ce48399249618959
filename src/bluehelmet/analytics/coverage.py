"""Coverage: how many of the records a figure speaks for it actually rests on.

A figure computed from a measure that some records do not give (a unit's strength, a vehicle's
serviceability) is only as wide as the records that give it. ``Coverage`` carries that beside
the figure, so that every door words it the same way: "strength known for 4 of 12 rotating
units", "of the 40 vehicles recorded, 22 were unserviceable". A record whose value is unknown
is never counted as 0: it is left out of the sum, and the coverage says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Coverage", "coverage_of", "known_sum"]


@dataclass(frozen=True)
class Coverage:
    """``known`` of the ``total`` records of ``kind`` (a plural noun: "units", "vehicles")
    give the value a figure rests on."""

    known: int
    total: int
    kind: str

    def __post_init__(self) -> None:
        if self.known < 0 or self.total < 0 or self.known > self.total:
            raise ValueError(f"coverage of {self.known} out of {self.total} {self.kind} is impossible")

    @property
    def missing(self) -> int:
        return self.total - self.known

    @property
    def complete(self) -> bool:
        """True when every record gives the value (and trivially when there is none)."""
        return self.known == self.total

    @property
    def share(self) -> float | None:
        """The known share between 0 and 1; None when there is no record at all."""
        return self.known / self.total if self.total else None

    def __add__(self, other: Coverage) -> Coverage:
        if other.kind != self.kind:
            raise ValueError(f"cannot add coverage of {other.kind} to coverage of {self.kind}")
        return Coverage(self.known + other.known, self.total + other.total, self.kind)

    def sentence(self, measure: str) -> str:
        """Plain English for the pages: "strength known for 4 of 12 units"; "strength known
        for all 3 units"; "no units recorded"."""
        if self.total == 0:
            return f"no {self.kind} recorded"
        if self.complete:
            return f"{measure} known for all {self.total} {self.kind}"
        return f"{measure} known for {self.known} of {self.total} {self.kind}"


def coverage_of(values: Iterable[object | None], kind: str) -> Coverage:
    """The coverage of ``values``: the known ones are those that are not None (0 is known)."""
    known = total = 0
    for value in values:
        total += 1
        known += value is not None
    return Coverage(known, total, kind)


def known_sum(values: Iterable[int | None], kind: str) -> tuple[int, Coverage]:
    """The sum of the known ``values`` and their coverage; an unknown value adds nothing."""
    listed = list(values)
    return sum(v for v in listed if v is not None), coverage_of(listed, kind)
