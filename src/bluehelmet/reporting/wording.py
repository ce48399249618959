"""Words for the letter in one language: the gettext catalogue, numbers, dates and lists as
that language writes them (Babel), and the sentences of the letter cut into text and values.

Messages are English in the code (marked ``N_`` and ``Np_`` so that Babel's extractor finds
them); the French catalogue is ``locale/fr/LC_MESSAGES/bluehelmet.po``, read and compiled in
memory when first needed, so no compiled file is kept in the repository.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import BytesIO

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.reporting.model import Country, Day, Figure, Month, Names, Sentence, Style, Term, Text, Value

__all__ = ["DOMAIN", "LANGUAGES", "N_", "FigurePart", "Np_", "Plural", "Wording", "catalogue_path", "wording"]

DOMAIN = "bluehelmet"
#: The languages the letter is written in, and the Babel locale of each (UN English is British).
LANGUAGES = {"en": "en_GB", "fr": "fr_FR"}

#: A message with a singular and a plural form, chosen by a count.
Plural = tuple[str, str]


def N_(message: str) -> str:
    """Mark an English message for the catalogue; it is translated when the letter is rendered."""
    return message


def Np_(singular: str, plural: str) -> Plural:
    """Mark a message with a plural form for the catalogue."""
    return singular, plural


def catalogue_path(language: str) -> str:
    return f"locale/{language}/LC_MESSAGES/{DOMAIN}.po"


@cache
def _translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    source = resources.files("bluehelmet.reporting").joinpath(catalogue_path(language))
    with source.open("rb") as po:
        catalogue = read_po(po, locale=LANGUAGES[language], domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True)
class FigurePart:
    """A figure as written in a sentence, with the figure itself (for links and annexes)."""

    text: str
    figure: Figure


class Wording:
    """How one language writes the letter."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise BluehelmetError(f"no letter in {language!r}; languages: {', '.join(LANGUAGES)}")
        self.language = language
        self.locale = Locale.parse(LANGUAGES[language])
        self._gettext = _translations(language)

    def __call__(self, message: str) -> str:
        return self._gettext.gettext(message) if message else message

    def plural(self, message: Plural, n: float) -> str:
        return self._gettext.ngettext(message[0], message[1], int(n))

    def term(self, value: str) -> str:
        """A word of the vocabulary: its English wording from ``TERMS`` (or the value with spaces),
        translated."""
        from bluehelmet.reporting.terms import TERMS  # noqa: PLC0415 - terms imports this module's markers

        return self(TERMS.get(value, value.replace("_", " ")))

    def number(self, figure: Figure) -> str:
        value = figure.value
        if figure.style in (Style.COUNT, Style.PERCENT) or float(value).is_integer():
            return format_decimal(round(value), locale=self.locale)
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def day(self, value: Day) -> str:
        text = format_date(value.value, format="long", locale=self.locale)
        if self.language == "fr" and value.value.day == 1:
            return "1er" + text[1:]  # French writes the first of the month as an ordinal
        return text

    def value(self, value: Value) -> str:
        """Any value as plain text (a figure without its link)."""
        if isinstance(value, Figure):
            return self.number(value)
        if isinstance(value, Day):
            return self.day(value)
        if isinstance(value, Month):
            return format_date(value.value, format="LLLL y", locale=self.locale)
        if isinstance(value, Country):
            return str(self.locale.territories.get(value.alpha2, value.alpha2))
        if isinstance(value, Text):
            return value.value
        if isinstance(value, Term):
            return self.term(value.value)
        items = [self.value(item) for item in value.items]
        return format_list(items, locale=self.locale) if items else ""

    def template(self, sentence: Sentence) -> str:
        if isinstance(sentence.message, tuple):
            counted = sentence.values[sentence.count or ""]
            n = counted.value if isinstance(counted, Figure) else len(getattr(counted, "items", ()))
            return self.plural(sentence.message, n)
        return self(sentence.message)

    def parts(self, sentence: Sentence) -> list[str | FigurePart]:
        """The sentence in this language as literal text and figures, in order."""
        out: list[str | FigurePart] = []
        for literal, name, _spec, _conv in string.Formatter().parse(self.template(sentence)):
            if literal:
                out.append(literal)
            if name is None:
                continue
            try:
                value = sentence.values[name]
            except KeyError:
                raise BluehelmetError(f"the letter's sentence {sentence.message!r} has no value {name!r}") from None
            if isinstance(value, Figure):
                out.append(FigurePart(self.number(value), value))
            elif isinstance(value, Names):
                out.extend(self._list_parts(value))
            else:
                out.append(self.value(value))
        return out

    def _list_parts(self, names: Names) -> list[str | FigurePart]:
        """A list whose items may be figures: the language's list pattern around each item."""
        marks = [f"\x00{i}\x00" for i in range(len(names.items))]
        pattern = format_list(marks, locale=self.locale) if marks else ""
        out: list[str | FigurePart] = []
        for i, piece in enumerate(pattern.split("\x00")):
            if i % 2 == 0:
                if piece:
                    out.append(piece)
                continue
            item = names.items[int(piece)]
            out.append(FigurePart(self.number(item), item) if isinstance(item, Figure) else self.value(item))
        return out

    def text(self, sentence: Sentence) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts(sentence))


def wording(language: str) -> Wording:
    return Wording(language)
