"""Check a draft before sending: what would go wrong or read false if it were exported now.

Blocking (the export is refused): a token whose figure the letter does not have, an empty
paragraph. To look at: figures with partial coverage (``Figure.coverage``: "strength known for
2 of 10 units"), with the paragraph that states them; prose not translated into a language of the
draft, and the record text the letter in that language leaves out for want of a translation (what
``report letter --lang fr --check`` lists); digits typed in an officer's prose that look like a
figure (they will not move with the records), paragraphs whose figures changed since the officer
last edited them, and figures the records moved since the last refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.domain.access import Principal
from bluehelmet.domain.drafts import DraftParagraph, tokens, typed_figures
from bluehelmet.reporting.annex import untranslated
from bluehelmet.reporting.drafts import DraftView, all_figures, figures_of, letter_of, show
from bluehelmet.reporting.model import Figure, Letter
from bluehelmet.reporting.wording import Wording
from bluehelmet.services.database import Database

__all__ = ["BLOCKING", "Finding", "Kind", "check", "partial"]


class Kind(StrEnum):
    """What a finding is about (the ``kind`` of its JSON)."""

    UNKNOWN_FIGURE = "unknown_figure"
    EMPTY = "empty_paragraph"
    PARTIAL_COVERAGE = "partial_coverage"
    UNTRANSLATED = "untranslated"
    TYPED_FIGURE = "typed_figure"
    CHANGED_SINCE_EDIT = "changed_since_edit"
    CHANGED_SINCE_REFRESH = "changed_since_refresh"


#: The findings that block the export.
BLOCKING = frozenset({Kind.UNKNOWN_FIGURE, Kind.EMPTY})


@dataclass(frozen=True)
class Finding:
    kind: Kind
    paragraph: str  # "" when about the whole draft
    language: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "paragraph": self.paragraph or None,
            "language": self.language or None,
            "message": self.message,
            "blocking": self.blocking,
        }


def _number(value: float | None) -> str:
    return "none" if value is None else (f"{value:g}" if not float(value).is_integer() else str(int(value)))


def _paragraph(p: DraftParagraph, languages: list[str], figures: dict[str, float]) -> list[Finding]:
    out: list[Finding] = []
    first = languages[0]
    for lang in languages:
        prose = p.text.get(lang, "")
        if not prose.strip():
            out.append(Finding(Kind.EMPTY, p.id, lang, f"paragraph {p.id} has no text in {lang}"))
        for key in tokens(prose):
            if key not in figures:
                out.append(
                    Finding(
                        Kind.UNKNOWN_FIGURE,
                        p.id,
                        lang,
                        f"paragraph {p.id}: {{{{{key}}}}} is not a figure of the letter",
                    )
                )
        if p.edited(lang):
            for typed in typed_figures(p.id, prose):
                out.append(
                    Finding(
                        Kind.TYPED_FIGURE,
                        p.id,
                        lang,
                        f"paragraph {p.id}: '{typed.text}' is typed, not computed (use a {{{{figure}}}} token)",
                    )
                )
        if lang != first and prose.strip():
            source = p.text.get(first, "")
            if prose.strip() == source.strip() and any(c.isalpha() for c in prose):
                out.append(
                    Finding(Kind.UNTRANSLATED, p.id, lang, f"paragraph {p.id}: the {lang} text is the {first} text")
                )
            elif (p.edited_at.get(first) or "") > (p.edited_at.get(lang) or ""):
                out.append(
                    Finding(
                        Kind.UNTRANSLATED,
                        p.id,
                        lang,
                        f"paragraph {p.id}: the {first} text was rewritten after the {lang} text; translate it again",
                    )
                )
    if p.any_edited:
        moved = [k for k, v in p.figures_at_edit.items() if k in figures and figures[k] != v]
        for key in moved:
            out.append(
                Finding(
                    Kind.CHANGED_SINCE_EDIT,
                    p.id,
                    "",
                    f"paragraph {p.id}: {{{{{key}}}}} is {_number(figures[key])}, "
                    f"{_number(p.figures_at_edit[key])} when it was last edited; read the prose again",
                )
            )
    return out


#: What a partial figure's records do not all give, by the first part of its key: the words
#: ``Coverage.sentence`` puts before "known for 2 of 10 units".
_MEASURES = {
    "rotations": "strength",
    "evaluations": "strength",
    "equipment": "major equipment",
    "incidents": "casualty figures",
}


def _measure(figure: Figure) -> str:
    return _MEASURES.get(figure.key.split(".", 1)[0], "the measure")


def partial(figure: Figure) -> Coverage | None:
    """The figure's coverage when it rests on only part of the records it speaks for."""
    c = figure.coverage
    return c if c is not None and c.total and not c.complete else None


def _partial(view: DraftView, letter: Letter) -> list[Finding]:
    """Each figure with partial coverage, in each paragraph whose prose places it."""
    out: list[Finding] = []
    figures = all_figures(letter)
    for p in view.paragraphs:
        placed = dict.fromkeys(k for lang in view.draft.languages for k in tokens(p.text.get(lang, "")))
        for key in placed:
            figure = figures.get(key)
            c = partial(figure) if figure is not None else None
            if figure is None or c is None:
                continue
            out.append(
                Finding(
                    Kind.PARTIAL_COVERAGE,
                    p.id,
                    "",
                    f"paragraph {p.id}: {{{{{key}}}}} is partial: {c.sentence(_measure(figure))}; "
                    "word it as a part, not as the whole",
                )
            )
    return out


def _untranslated(view: DraftView, letter: Letter) -> list[Finding]:
    """The record text the letter in each language of the draft leaves out for want of a value
    in it (``annex.untranslated``, what ``report letter --check`` lists), named with the draft's
    paragraph when the officer has not rewritten it in that language."""
    out: list[Finding] = []
    by_id = {p.id: p for p in view.paragraphs}
    for lang in view.draft.languages:
        for key, text in untranslated(letter, Wording(lang)):
            in_section = [p for p in view.paragraphs if p.section == key]
            home = by_id.get(key) or (in_section[0] if len(in_section) == 1 else None)
            if home is not None and home.edited(lang):
                continue  # the officer's own prose stands in that language
            where = f"paragraph {home.id}" if home is not None else f"section {key}"
            out.append(
                Finding(
                    Kind.UNTRANSLATED,
                    home.id if home is not None else "",
                    lang,
                    f"{where}: the record text '{text}' has no {lang} value, so the {lang} letter leaves it "
                    "out (give the record its translation, or write the paragraph)",
                )
            )
    return out


def _why_empty(finding: Finding, left_out: list[Finding]) -> Finding:
    """An empty paragraph whose language's letter left its record text out says so."""
    if finding.kind is not Kind.EMPTY or not any(
        f.paragraph == finding.paragraph and f.language == finding.language for f in left_out
    ):
        return finding
    lang = finding.language
    return replace(
        finding,
        message=f"{finding.message}: the {lang} letter left it out for want of a {lang} value of its record "
        f"text (listed below); write the paragraph in {lang}",
    )


def check(
    db: Database,
    name: str,
    *,
    mission: str | None = None,
    principal: Principal | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Every finding on the draft called ``name``, against the records as they are now."""
    view = show(db, name, mission=mission, principal=principal)
    letter = letter_of(db, view.draft, today)
    figures = figures_of(letter)
    languages = list(view.draft.languages)
    found: list[Finding] = []
    for p in view.paragraphs:
        found.extend(_paragraph(p, languages, figures))
    found.extend(_partial(view, letter))
    left_out = _untranslated(view, letter)
    found = [_why_empty(f, left_out) for f in found]
    found.extend(left_out)
    placed = {k for p in view.paragraphs for t in p.text.values() for k in tokens(t)}
    for key in [*figures, *(k for k in view.figures if k not in figures)]:
        if view.figures.get(key) != figures.get(key) and key in placed:
            found.append(
                Finding(
                    Kind.CHANGED_SINCE_REFRESH,
                    "",
                    "",
                    f"{{{{{key}}}}} is now {_number(figures.get(key))}, {_number(view.figures.get(key))} "
                    "at the last refresh: refresh the draft",
                )
            )
    return found
