"""What a load of rows did: the counts, and each problem and warning with its row and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_PROBLEMS", "LoadReport", "RowProblem"]

#: Problems kept in a report; past this only the count grows (a million bad rows stay small).
MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = f" ({self.value!r})" if self.value else ""
        return f"row {self.row}, column {self.column}{shown}: {self.reason}"


@dataclass
class LoadReport:
    """What a load did, or (when ``written`` is false) would have done."""

    source: str
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    #: Accepted but worth a person's look (a coordinate far from the place it names, say).
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and self.problem_count == 0

    def add(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "kind": self.kind, "dry_run": self.dry_run, "written": self.written,
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "problem_count": self.problem_count,
            "problems": [vars(p) for p in self.problems],
            "warnings": [vars(w) for w in self.warnings],
        }  # fmt: skip
