"""A draft of the letter: an officer's prose for each paragraph, with the figures as tokens.

A draft starts as the generated letter, paragraph by paragraph; the officer rewrites any
paragraph in free prose and places figures as ``{{KEY}}``, where KEY is a figure key of the
letter's annex (``{{ied.total}}``). The figures stay computed: a refresh recomputes every one
from the records and keeps the prose. English and French prose of a paragraph sit side by side
under the same paragraph id, so the two letters stay paired paragraph by paragraph.

Pure: the tokens, the typed figures a careful reader would miss and the paragraph's shape are
worked out here; ``reporting.drafts`` builds and words the letter, ``services.drafts`` stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bluehelmet.domain.records import Record, ref

__all__ = [
    "TOKEN",
    "Draft",
    "DraftParagraph",
    "TypedFigure",
    "paragraph_of",
    "paragraph_value",
    "tokens",
    "typed_figures",
]

#: A figure placed in prose: ``{{ied.total}}``. A key may hold spaces (a place's name); the
#: spaces around it are not part of it.
TOKEN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
)
#: Digits that are not a figure of the period: dates, document symbols, resolution numbers,
#: paragraph references, ordinals ("1er", "2nd"), times and section labels ("(a)").
_NOT_FIGURES = re.compile(
    r"|".join(
        (
            r"\b[A-Z]{1,3}(?:/[A-Za-z0-9.\-]+)+",  # S/2021/520, A/RES/75/1, S/PRST/2021/1
            r"\b\d{1,4}\s*\(\s*(?:19|20)\d\d\s*\)",  # resolution 2531 (2020)
            r"\b(?:resolution|résolution|resolutions|résolutions)\s+\d+",
            r"\b(?:paragraph|paragraphe|paragraphs|paragraphes|para\.)\s+\d+(?:\s*\([a-z]\))?",
            r"\b\d{1,2}(?:er|re|st|nd|rd|th|e)?\s+(?:" + _MONTHS + r")(?:\s+(?:19|20)\d\d)?\b",
            r"\b(?:" + _MONTHS + r")\s+\d{1,2}(?:,\s*(?:19|20)\d\d)?",
            r"\b(?:" + _MONTHS + r")\s+(?:19|20)\d\d\b",
            r"\b(?:19|20)\d\d-\d\d-\d\d\b",
            r"\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b",
            r"\b\d{1,2}[:h]\d\d\b",
            r"(?<![\d.,])(?:19|20)\d\d(?!\d|[.,]\d)",  # a year standing alone
        )
    ),
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*\s*%?")


@dataclass(frozen=True)
class TypedFigure:
    """Digits typed in prose that read like a figure of the period (not a date, symbol or
    resolution): they will not move when the records do."""

    paragraph: str
    text: str


def tokens(prose: str) -> list[str]:
    """The figure keys placed in ``prose``, in order, each once."""
    return list(dict.fromkeys(TOKEN.findall(prose)))


def typed_figures(paragraph: str, prose: str) -> list[TypedFigure]:
    """Typed digits in ``prose`` that look like a figure, with the paragraph named."""
    plain = TOKEN.sub(" ", prose)
    plain = _NOT_FIGURES.sub(lambda m: " " * len(m.group(0)), plain)
    return [TypedFigure(paragraph, m.group(0).strip()) for m in _DIGITS.finditer(plain)]


@dataclass(frozen=True)
class DraftParagraph:
    """One paragraph of a draft as stored (a JSON object in the draft's ``paragraphs``).

    ``text`` and ``edited_at`` are by language. ``figures`` holds the value of each figure its
    prose places, at the last refresh; ``figures_at_edit`` the values when the officer last
    edited it (so a change since is named). ``section`` is the key of the letter's section."""

    id: str
    section: str
    text: dict[str, str]
    edited_at: dict[str, str | None] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    figures_at_edit: dict[str, float] = field(default_factory=dict)

    def edited(self, language: str) -> bool:
        return bool(self.edited_at.get(language))

    @property
    def any_edited(self) -> bool:
        return any(self.edited_at.values())


def paragraph_of(value: dict[str, Any]) -> DraftParagraph:
    """A stored paragraph (a JSON object) as a :class:`DraftParagraph`."""
    return DraftParagraph(
        id=str(value["id"]),
        section=str(value.get("section", "")),
        text={str(k): str(v) for k, v in dict(value.get("text", {})).items()},
        edited_at={str(k): (str(v) if v else None) for k, v in dict(value.get("edited_at", {})).items()},
        figures={str(k): float(v) for k, v in dict(value.get("figures", {})).items()},
        figures_at_edit={str(k): float(v) for k, v in dict(value.get("figures_at_edit", {})).items()},
    )


def paragraph_value(p: DraftParagraph) -> dict[str, Any]:
    """A paragraph as the JSON object a draft stores."""
    return {
        "id": p.id,
        "section": p.section,
        "text": dict(p.text),
        "edited_at": dict(p.edited_at),
        "figures": dict(p.figures),
        "figures_at_edit": dict(p.figures_at_edit),
    }


@dataclass(kw_only=True)
class Draft(Record):
    """A named draft of a mission's letter for a period, in one or two languages (the first is
    the one shown when none is asked for). Its name is unique among the mission's live drafts
    (``services.drafts`` keeps it so; a deleted draft leaves its name free). ``figures`` holds
    every figure of the letter at the last refresh, ``changed`` the figures that refresh moved
    (key, before, after)."""

    mission_id: int = ref("Mission")
    name: str
    date_from: date
    date_to: date
    languages: list[str] = field(default_factory=lambda: ["en"])
    symbol: str = ""
    letter_date: date | None = None
    paragraphs: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    changed: list[dict[str, Any]] = field(default_factory=list)
    refreshed_at: datetime | None = None
