"""Check a draft before sending: what would go wrong or read false if it were exported now.

Blocking (the export is refused): a token whose figure the letter does not have, an empty
paragraph. To look at: figures with partial coverage (when the letter's figures say so), prose
not translated into a language of the draft, digits typed in an officer's prose that look like a
figure (they will not move with the records), paragraphs whose figures changed since the officer
last edited them, and figures the records moved since the last refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bluehelmet.domain.access import Principal
from bluehelmet.domain.drafts import DraftParagraph, tokens, typed_figures
from bluehelmet.reporting.drafts import figures_of, letter_of, show
from bluehelmet.reporting.model import Figure
from bluehelmet.services.database import Database

__all__ = ["BLOCKING", "Finding", "Kind", "check"]


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


def _coverage(figure: Figure) -> float | None:
    value = getattr(figure, "coverage", None)  # the letter's figures may say how much of the period they cover
    return float(value) if isinstance(value, int | float) else None


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
    placed = {k for p in view.paragraphs for t in p.text.values() for k in tokens(t)}
    for figure in letter.figures:
        share = _coverage(figure)
        if figure.key in placed and share is not None and share < 1:
            found.append(
                Finding(Kind.PARTIAL_COVERAGE, "", "", f"{{{{{figure.key}}}}} covers {share:.0%} of what it counts")
            )
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
