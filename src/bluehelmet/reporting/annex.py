"""The annex of the letter: for each figure, its value, how it was computed and its records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bluehelmet.reporting.model import Evidence, Figure, Letter, Sentence
from bluehelmet.reporting.wording import Wording

__all__ = ["AnnexRow", "annex_rows", "compact_ids", "evidence_text"]


@dataclass(frozen=True)
class AnnexRow:
    number: int
    anchor: str  # the id a link to this figure points at ("figure-3")
    value: str
    method: str
    records: str
    figure: Figure


def compact_ids(ids: Iterable[int]) -> str:
    """Ids as sorted runs: ``1-4, 9, 12-13``, so a figure over a million records stays legible."""
    ordered = sorted(set(ids))
    runs: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        runs.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(runs)


def evidence_text(evidence: Iterable[Evidence], wording: Wording) -> str:
    parts = [f"{wording.term(e.kind)} {compact_ids(e.ids)}" for e in evidence if e.ids]
    return "; ".join(parts) if parts else "-"


def annex_rows(letter: Letter, wording: Wording) -> list[AnnexRow]:
    rows = []
    for number, figure in enumerate(letter.figures, start=1):
        method = wording.text(Sentence(figure.method, figure.method_values))
        rows.append(
            AnnexRow(
                number,
                f"figure-{number}",
                wording.number(figure),
                method,
                evidence_text(figure.evidence, wording),
                figure,
            )
        )
    return rows
