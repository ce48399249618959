"""The annex of the letter: for each figure, its value, how it was computed and its records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from bluehelmet.reporting.model import Evidence, Figure, Letter, Sentence
from bluehelmet.reporting.wording import N_, Wording

__all__ = ["MAX_RUNS", "AnnexRow", "annex_rows", "compact_ids", "evidence_csv", "evidence_text"]

#: Id runs the annex of a document shows per figure; beyond them it points to the evidence file.
MAX_RUNS = 40
_MORE = N_("and {count} more records, listed in the evidence file")


@dataclass(frozen=True)
class AnnexRow:
    number: int
    anchor: str  # the id a link to this figure points at ("figure-3")
    value: str
    method: str
    records: str
    figure: Figure


def _runs(ordered: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in ordered:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def compact_ids(ids: Iterable[int], limit: int | None = None) -> tuple[str, int]:
    """Ids as sorted runs, ``1-4, 9, 12-13``, at most ``limit`` runs of them; and how many ids
    were left out beyond the limit (0 when all are shown)."""
    runs = _runs(sorted(set(ids)))
    shown = runs if limit is None else runs[:limit]
    left = sum(b - a + 1 for a, b in runs[len(shown) :])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in shown), left


def evidence_text(evidence: Iterable[Evidence], wording: Wording, limit: int | None = MAX_RUNS) -> str:
    """The records of a figure as the annex writes them: kind and id runs; a figure over many
    scattered records shows its first runs and says how many more the evidence file lists."""
    parts = []
    for e in evidence:
        if not e.ids:
            continue
        text, left = compact_ids(e.ids, limit)
        more = " " + wording(_MORE).format(count=wording.number(Figure("", left, ""))) if left else ""
        parts.append(f"{wording.term(e.kind)} {text}{more}")
    return "; ".join(parts) if parts else "-"


def evidence_csv(letter: Letter) -> str:
    """Every record of every figure, one line each (figure, key, kind, id): the full evidence,
    whatever the size, for the annex's figures that list only their first records."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "key", "kind", "id"])
    for number, figure in enumerate(letter.figures, start=1):
        for e in figure.evidence:
            writer.writerows([f"F{number}", figure.key, e.kind, i] for i in sorted(set(e.ids)))
    return out.getvalue()


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
