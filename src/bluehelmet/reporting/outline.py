"""The letter laid out as UN documents are, in one language, for the HTML, PDF and Word renderings.

Headings are numbered I., II. (sections), A., B. (subsections) and 1., 2. (below); paragraphs are
numbered 1, 2, 3 through the whole letter; a section's charts follow its paragraphs. Every figure
in a sentence keeps its number in the annex, so each rendering can point at it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from bluehelmet.reporting import frame
from bluehelmet.reporting.model import Chart, Day, Figure, Letter, Section, Sentence, Text
from bluehelmet.reporting.wording import FigurePart, Wording

__all__ = [
    "Block",
    "ChartBlock",
    "Heading",
    "Masthead",
    "Numbered",
    "Para",
    "charts_after",
    "heading_label",
    "masthead",
    "outline",
]

#: A label a heading already carries, as resolution 2531 (2020) names its parts: "(a) Progress in ..."
#: in English, "a) Progrès ..." in French.
_OWN_LABEL = re.compile(r"\A(\(?(?:[a-z]|[ivxlc]+|\d+)\))\s+")
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


@dataclass(frozen=True)
class Heading:
    level: int  # 1 for a section, 2 for a subsection, 3 for anything deeper
    label: str  # "I.", "A.", "1."
    text: str
    key: str


@dataclass(frozen=True)
class Numbered:
    """A figure in a sentence, with its number in the annex (None if the letter does not list it)."""

    text: str
    figure: Figure
    number: int | None

    @property
    def anchor(self) -> str:
        return f"figure-{self.number}"


@dataclass(frozen=True)
class Para:
    """A paragraph: its number (0 in a letter, whose paragraphs are not numbered), its parts and
    its key (``Paragraph.key``)."""

    number: int
    parts: tuple[str | Numbered, ...]
    key: str = ""


@dataclass(frozen=True)
class ChartBlock:
    chart: Chart
    caption: str


Block = Heading | Para | ChartBlock


@dataclass(frozen=True)
class Masthead:
    """The fixed words of the letter's heading, in the letter's language."""

    organisation: str
    organ: str
    distribution: str
    date: str
    original: str
    title: str
    draft_note: str
    running: str  # the running header of later pages: mission and period
    symbol: str = ""  # the document symbol ("S/2021/520", or the placeholder "S/…")
    signature: str = ""  # "(Signed) António Guterres" under a letter; "" under a report


def _roman(n: int) -> str:
    out = []
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def heading_label(level: int, n: int) -> str:
    """The label of the n-th heading (from 1) at a level: "IV.", "B.", "3.". A heading whose
    title starts with its own label ("(a) Progress ...") keeps that label instead."""
    if level == 1:
        return f"{_roman(n)}."
    if level == 2:
        return f"{string.ascii_uppercase[(n - 1) % 26]}."
    return f"{n}."


def masthead(letter: Letter, w: Wording) -> Masthead:
    date_from, date_to = w.day(Day(letter.date_from)), w.day(Day(letter.date_to))
    dated = letter.dated or letter.generated_on
    if letter.style == "letter":
        title = w.text(Sentence(frame.LETTER_HEADING, {"date": Day(dated)}))
    else:
        title = w(frame.TITLE).format(mission=letter.mission_full_name or letter.mission, date_from=date_from,
                                      date_to=date_to)  # fmt: skip
    signature = ""
    if letter.style == "letter":
        signatory = letter.signatory or "\N{HORIZONTAL ELLIPSIS}"
        signature = w.text(Sentence(frame.SIGNED, {"name": Text(signatory)}))
    return Masthead(
        organisation=w(frame.ORGANISATION),
        organ=w(frame.ORGAN),
        distribution=w(frame.DISTRIBUTION),
        date=w.day(Day(dated)),
        original=w(frame.ORIGINAL),
        title=title,
        draft_note=w(frame.DRAFT_NOTE).format(generated_on=w.day(Day(letter.generated_on))),
        running=f"{letter.symbol or frame.SYMBOL_PLACEHOLDER} \N{EM DASH} {letter.mission}"
        if letter.style == "letter"
        else f"{letter.mission} \N{EM DASH} {date_from} \N{EN DASH} {date_to}",
        symbol=letter.symbol or frame.SYMBOL_PLACEHOLDER,
        signature=signature,
    )


def charts_after(letter: Letter, w: Wording) -> list[Block]:
    """The charts a letter shows after its signature, under their own heading (none for a report,
    which shows them in place): a letter from the Secretary-General has no chart in its text."""
    if letter.style != "letter":
        return []
    charts: list[Block] = [ChartBlock(c, w(c.title)) for s in letter.walk() for c in s.charts]
    return [Heading(1, "", w(frame.CHARTS_TITLE), "charts"), *charts] if charts else []


def outline(letter: Letter, w: Wording) -> list[Block]:
    """Headings, numbered paragraphs and charts of the letter, in reading order (no annex)."""
    numbers = letter.figure_number()
    blocks: list[Block] = []
    paragraph = 0
    numbered = letter.style != "letter"  # a letter's headings and paragraphs carry no numbers

    def visit(section: Section, level: int, n: int) -> None:
        nonlocal paragraph
        title = w(section.title)
        own = _OWN_LABEL.match(title)
        label = (own.group(1) if own else heading_label(level, n)) if numbered else ""
        worded_any = any(w.parts(s) for p in section.paragraphs for s in p.sentences)
        if title and (worded_any or section.subsections or (numbered and section.charts)):
            # a heading with nothing under it in this language (every sentence left out) is not shown
            text = title[own.end() :] if own else title
            blocks.append(Heading(min(level, 3), label, text[:1].upper() + text[1:], section.key))
        for para in section.paragraphs:
            parts: list[str | Numbered] = []
            for sentence in para.sentences:
                worded = w.parts(sentence)
                if worded and parts:
                    parts.append(" ")
                for part in worded:
                    if isinstance(part, FigurePart):
                        parts.append(Numbered(part.text, part.figure, numbers.get(part.figure.key)))
                    else:
                        parts.append(part)
            if not parts:
                continue
            paragraph += 1
            blocks.append(Para(paragraph if numbered else 0, tuple(parts), para.key))
        if numbered:  # a report shows its charts in place; a letter after its signature (``charts_after``)
            blocks.extend(ChartBlock(chart, w(chart.title)) for chart in section.charts)
        for i, sub in enumerate(section.subsections, start=1):
            visit(sub, level + 1, i)

    for i, section in enumerate(letter.sections, start=1):
        visit(section, 1, i)
    return blocks
