"""What a search shows of a record it found (pure): the words matched, marked in a short
excerpt of the record's text, and how well the record matches, scored alike for every kind.

A query word matches a word of the text that it begins, whatever the case and the accents
("menaka" matches "Ménaka", "attaque" matches "Attaques"), as the full-text indexes match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Excerpt", "excerpt", "fold", "matches", "score"]

_WORD = re.compile(r"[^\W_]+")
#: About how many characters an excerpt holds, and how many of them come before the first match.
_WIDTH = 200
_BEFORE = 60


def fold(text: str) -> str:
    """``text`` in lower case without accents (as the indexes fold it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Excerpt:
    """Part of a record's text, and where the matched words lie in it (start, end), in order."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def parts(self) -> list[tuple[str, bool]]:
        """The excerpt cut into (text, matched) pieces, for a page to mark the matches."""
        out: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.marks:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The excerpt with each match between ``before`` and ``after`` (for a terminal)."""
        return "".join(f"{before}{t}{after}" if hit else t for t, hit in self.parts())


def _matched(text: str, folded_words: list[str]) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end()) for m in _WORD.finditer(text) if any(fold(m.group()).startswith(q) for q in folded_words)
    ]


def matches(text: str, query_words: list[str]) -> bool:
    """Whether every word of the query begins a word of ``text`` (any case, any accents)."""
    words = {fold(w) for w in _WORD.findall(text)}
    return bool(query_words) and all(any(w.startswith(fold(q)) for w in words) for q in query_words)


def excerpt(text: str, query_words: list[str]) -> Excerpt:
    """About 200 characters of ``text`` (its spaces made single) from a little before its first
    matched word, with every matched word in it marked; the start when no word matches."""
    flat = " ".join(text.split())
    spans = _matched(flat, [fold(q) for q in query_words])
    start = 0
    if spans and spans[0][0] > _BEFORE:
        start = flat.rfind(" ", 0, spans[0][0] - _BEFORE) + 1
    end = len(flat)
    if end - start > _WIDTH:
        cut = flat.rfind(" ", start, start + _WIDTH)
        end = cut if cut > start else start + _WIDTH
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(flat) else ""
    shift = len(lead) - start
    marks = tuple((a + shift, b + shift) for a, b in spans if a >= start and b <= end)
    return Excerpt(lead + flat[start:end] + tail, marks)


def score(title: str, text: str, query_words: list[str]) -> float:
    """How well a record matches, from 0 to 1: each query word counts fully when it is a whole
    word of the title, less as a whole word of the text, less again as the beginning of a word;
    averaged over the query's words (a record matching none scores 0)."""
    if not query_words:
        return 0.0
    title_words = {fold(w) for w in _WORD.findall(title)}
    text_words = {fold(w) for w in _WORD.findall(text)}
    total = 0.0
    for q in (fold(w) for w in query_words):
        best = 0.0
        for words, whole, begun in ((title_words, 1.0, 0.8), (text_words, 0.6, 0.4)):
            if q in words:
                best = max(best, whole)
            elif any(w.startswith(q) for w in words):
                best = max(best, begun)
        total += best
    return round(total / len(query_words), 4)
