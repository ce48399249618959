"""The letter as data: sections of sentences whose values are computed figures, built once and
rendered many ways (Markdown, HTML, PDF, Word) in any language.

Nothing here is worded: a sentence holds the English message (the gettext msgid) and the values
to put in it. A ``Figure`` is a number computed from records, with the way it was computed and
the ids of the records it counts, so every rendering can show where each number comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bluehelmet.analytics.coverage import Coverage

__all__ = [
    "AttachedFile",
    "Chart",
    "ChartKind",
    "Country",
    "Day",
    "Evidence",
    "Figure",
    "Letter",
    "MapPoint",
    "Month",
    "Names",
    "Paragraph",
    "Place",
    "Section",
    "Sentence",
    "Series",
    "Style",
    "Term",
    "Text",
    "Value",
]


class Style(StrEnum):
    """How a figure is written: a whole count, a percentage (of 100), a rate, a plain decimal."""

    COUNT = "count"
    PERCENT = "percent"
    RATE = "rate"
    DECIMAL = "decimal"


@dataclass(frozen=True)
class Evidence:
    """Records a figure counts, by kind (an entity name such as "Incident") and id."""

    kind: str
    ids: tuple[int, ...]


@dataclass(frozen=True)
class AttachedFile:
    """A file attached to a record a figure counts (``kind`` #``record_id``), as the letter's
    evidence lists it: the attachment's id, the name it came with, what its bytes are, its size
    in bytes and its SHA-256 (the digest that proves, later, which file it was)."""

    kind: str
    record_id: int
    attachment_id: int
    filename: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Figure:
    """A computed number. ``method`` is an English message (translated on rendering) saying how
    it was computed, its ``{placeholders}`` filled from ``method_values``. ``coverage`` is the
    records it rests on out of the records it speaks for, when some do not give the measure
    (None: every record it speaks for counts)."""

    key: str
    value: float
    method: str
    evidence: tuple[Evidence, ...] = ()
    style: Style = Style.COUNT
    method_values: Mapping[str, Value] = field(default_factory=dict)
    coverage: Coverage | None = None

    @property
    def record_count(self) -> int:
        return sum(len(e.ids) for e in self.evidence)


@dataclass(frozen=True)
class Day:
    """A date, written by each language's rules."""

    value: date


@dataclass(frozen=True)
class Month:
    """A month (the day is ignored), written by each language's rules ("April 2021", "avril 2021")."""

    value: date


@dataclass(frozen=True)
class Country:
    """A country by its ISO 3166 alpha-2 code, named in each language."""

    alpha2: str


@dataclass(frozen=True)
class Text:
    """Text taken from the records. ``fr`` None: a name, the same in every language; otherwise the
    record's prose, with its French value ("" when the record has none: the French letter then
    leaves the sentence out and ``--check`` lists it, never mixing English into French prose)."""

    value: str
    fr: str | None = None

    @property
    def prose(self) -> bool:
        return self.fr is not None


@dataclass(frozen=True)
class Place:
    """A place or a sector by name, with its French name and article, so each language can put
    its prepositions before it: French "{place:à}" writes "à Gao", "au secteur Centre", "aux
    Iforas"; "{place:de}" writes "de Gao", "d'Ansongo", "du secteur Centre"; "{place}" alone
    writes the name with its article ("le secteur Centre")."""

    name: str
    name_fr: str = ""
    article_fr: str = "none"
    needs_fr: bool = False  # a name that is English words ("Sector Centre"), not a proper name


@dataclass(frozen=True)
class Term:
    """A word of the field's vocabulary (an enum value such as "intelligence"), translated."""

    value: str


@dataclass(frozen=True)
class Names:
    """A list written as each language writes lists ("A, B and C"): names, terms, figures or
    phrases (a sentence without its full stop: "{unit} in {place}", "{region} ({events})")."""

    items: tuple[Text | Term | Figure | Place | Sentence, ...]


Value = Figure | Day | Month | Country | Text | Term | Names | Place


@dataclass(frozen=True)
class Sentence:
    """An English message with ``{name}`` placeholders, and the values to put in them. A message
    given as (singular, plural) is chosen by the value named ``count`` (a figure, or a list by
    its length)."""

    message: str | tuple[str, str]
    values: Mapping[str, Value] = field(default_factory=dict)
    count: str | None = None
    fallback: Sentence | None = None  # said instead when a language has no value for a record's text


@dataclass(frozen=True)
class Paragraph:
    """Sentences that stand together. ``key`` names the paragraph for good ("security.ied"), so a
    draft can keep an officer's prose for it across refreshes; empty when the paragraph has no
    name of its own (a draft then names it by its section and place)."""

    sentences: tuple[Sentence, ...]
    key: str = ""


class ChartKind(StrEnum):
    BARS = "bars"  # grouped bars: a value per category and series
    STACKED = "stacked"  # stacked bars
    LINES = "lines"  # a line per series over ordered categories (days, months)
    MAP = "map"  # points over the mission's admin-1 boundaries


@dataclass(frozen=True)
class Series:
    """One series of a chart: its label (Text or Term) and a value per category."""

    label: Text | Term
    values: tuple[float, ...]


@dataclass(frozen=True)
class MapPoint:
    """A point of a map: where, what it is (a Term, e.g. "incident", "operation") and its label."""

    latitude: float
    longitude: float
    layer: str
    label: str
    weight: int = 1


@dataclass(frozen=True)
class Chart:
    """A chart of computed values: a title (an English message), categories (Text labels) and
    series, or map points; the records behind it as evidence."""

    key: str
    kind: ChartKind
    title: str
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    points: tuple[MapPoint, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    y_label: str = ""
    country_iso3: str = ""  # a map's country, whose shipped admin-1 boundaries it draws


@dataclass(frozen=True)
class Section:
    """A heading (an English message) with its paragraphs, charts and subsections."""

    key: str
    title: str
    paragraphs: tuple[Paragraph, ...] = ()
    charts: tuple[Chart, ...] = ()
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Letter:
    """The whole letter of a mission for a period, before any wording."""

    mission: str
    mission_full_name: str
    date_from: date
    date_to: date
    generated_on: date
    sections: tuple[Section, ...]
    figures: tuple[Figure, ...] = ()
    #: The frame: "letter" (the Secretary-General's letter, unnumbered paragraphs, opening and
    #: closing) or "report" (numbered paragraphs and headings); the document symbol ("" for the
    #: placeholder "S/…"), the date the letter bears, who signs it.
    style: str = "report"
    symbol: str = ""
    dated: date | None = None
    signatory: str = ""
    #: What the letter leaves out and says so in its annex (English messages with their values).
    notes: tuple[Sentence, ...] = ()
    #: The live attachments of the records its figures count, gathered while building (so that
    #: rendering never reads the database); listed beside the evidence file.
    attachments: tuple[AttachedFile, ...] = ()

    def figure_number(self) -> dict[str, int]:
        """Each figure's number (1, 2, ...) in the order the letter first states it."""
        return {f.key: i for i, f in enumerate(self.figures, start=1)}

    def walk(self) -> Sequence[Section]:
        """Every section, depth first, in reading order."""
        out: list[Section] = []

        def visit(section: Section) -> None:
            out.append(section)
            for sub in section.subsections:
                visit(sub)

        for s in self.sections:
            visit(s)
        return out
