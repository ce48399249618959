"""The annex of the letter: for each figure, its value, how it was computed and its records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from bluehelmet.reporting.model import AttachedFile, Evidence, Figure, Letter, Sentence
from bluehelmet.reporting.wording import N_, Wording
from bluehelmet.services.exchange import neutralise

__all__ = [
    "ATTACHMENT_COLUMNS",
    "MAX_RUNS",
    "AnnexRow",
    "annex_notes",
    "annex_rows",
    "attachments_csv",
    "compact_ids",
    "coverage_text",
    "evidence_csv",
    "evidence_text",
    "untranslated",
]

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
    coverage: str = ""  # the records the figure rests on out of those it speaks for


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


#: The columns of the attachments file: the figure and record as in the evidence file, then the file.
ATTACHMENT_COLUMNS = ("figure", "key", "kind", "id", "attachment", "filename", "media_type", "size", "sha256")


def attachments_csv(letter: Letter) -> str:
    """The files attached to the records of every figure, one line per figure and attachment
    (a record counted by two figures is listed under both): the figure and record as in the
    evidence file, then the attachment's id, name, type, size in bytes and SHA-256. A name a
    spreadsheet would run as a formula is written inert (a leading apostrophe)."""
    held: dict[tuple[str, int], list[AttachedFile]] = {}
    for a in letter.attachments:
        held.setdefault((a.kind, a.record_id), []).append(a)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ATTACHMENT_COLUMNS)
    for number, figure in enumerate(letter.figures, start=1):
        for e in figure.evidence:
            for i in sorted(set(e.ids)):
                writer.writerows(
                    [f"F{number}", figure.key, e.kind, i, a.attachment_id, neutralise(a.filename), a.media_type,
                     a.size, a.sha256]
                    for a in held.get((e.kind, i), ())
                )  # fmt: skip
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
                coverage_text(figure, wording),
            )
        )
    return rows


_PARTIAL = N_("partial: {known} of {total} {kind}")
_COMPLETE = N_("complete: {total} {kind}")
_WHOLE = N_("complete: every record it speaks for")


def coverage_text(figure: Figure, wording: Wording) -> str:
    """A figure's coverage as the annex states it: partial ("2 of 66 units") or complete."""
    c = figure.coverage
    if c is None:
        return wording(_WHOLE)
    n = {"total": wording.number(Figure("", c.total, "")), "kind": wording.term(c.kind)}
    if c.complete:
        return wording(_COMPLETE).format(**n)
    return wording(_PARTIAL).format(known=wording.number(Figure("", c.known, "")), **n)


def untranslated(letter: Letter, wording: Wording) -> list[tuple[str, str]]:
    """The record text the letter would quote that has no value in ``wording``'s language, with
    the key of its paragraph: what ``report letter --check`` lists, and what that language's
    letter leaves out."""
    out: list[tuple[str, str]] = []

    def visit(sentence: Sentence, key: str) -> None:
        out.extend((key, text) for text in wording.untranslated(sentence))
        for value in sentence.values.values():
            for item in getattr(value, "items", ()):
                if isinstance(item, Sentence):
                    visit(item, key)

    for section in letter.walk():
        for paragraph in section.paragraphs:
            for sentence in paragraph.sentences:
                visit(sentence, paragraph.key or section.key)
    return list(dict.fromkeys(out))


def annex_notes(letter: Letter, wording: Wording) -> list[str]:
    """What the letter leaves out or counts apart, one line each, for the annex."""
    notes = [wording.text(s) for s in letter.notes]
    notes.extend(f"{text} ({key})" for key, text in untranslated(letter, wording))
    return [n for n in notes if n]
