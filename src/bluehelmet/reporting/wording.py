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
from bluehelmet.reporting.model import (
    Country,
    Day,
    Figure,
    Month,
    Names,
    Place,
    Sentence,
    Style,
    Term,
    Text,
    Value,
)

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "NBSP",
    "NUMBER_WORDS",
    "N_",
    "ONE_FEMININE",
    "FigurePart",
    "Np_",
    "Plural",
    "Wording",
    "catalogue_path",
    "wording",
]

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


#: One to nine, written in words in the letter's prose (10 and above in figures), as the Council's
#: documents write numbers; the feminine "one" is a message of its own for the languages that have it.
NUMBER_WORDS = (
    N_("one"), N_("two"), N_("three"), N_("four"), N_("five"), N_("six"), N_("seven"), N_("eight"), N_("nine"),
)  # fmt: skip
ONE_FEMININE = N_("one [before a feminine noun]")
#: French contractions of "à" and "de" with the article before a place's name.
_CONTRACTED = {("à", "le"): "au ", ("à", "les"): "aux ", ("de", "le"): "du ", ("de", "les"): "des "}
_ARTICLE = {"le": "le ", "la": "la ", "l'": "l'", "les": "les ", "none": ""}
_VOWELS = tuple("aeiouyhâàéèêëîïôöûüœAEIOUYHÂÀÉÈÊËÎÏÔÖÛÜŒ")
#: French typography: a non-breaking space before these signs (and between a figure and "%").
_FRENCH_SPACES = ((" ;", "\u202f;"), (" :", "\u00a0:"), (" ?", "\u202f?"), (" !", "\u202f!"), (" %", "\u00a0%"))
#: The spaces that may not break in French: after "1er" and between a day and its month.
NBSP = "\u00a0"


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

    def in_words(self, figure: Figure, spec: str = "") -> str:
        """A figure as the letter's prose writes it: one to nine in words (a whole count; "f" in
        the spec for the feminine form), 10 and above and every rate in figures; "d" in the spec
        keeps figures (a number that names, such as a phase)."""
        n = figure.value
        if figure.style == Style.COUNT and float(n).is_integer() and 1 <= n <= 9 and "d" not in spec:
            if n == 1 and "f" in spec:
                return self(ONE_FEMININE)
            return self(NUMBER_WORDS[int(n) - 1])
        return self.number(figure)

    def place(self, place: Place, spec: str = "") -> str:
        """A place's name in this language; in French with its article, contracted after the
        preposition the spec names ("à", "de"; any other word is written before it as it is)."""
        if self.language != "fr":
            return place.name
        name = place.name_fr or place.name
        article = place.article_fr if place.article_fr in _ARTICLE else "none"
        preposition = spec.strip()
        if not preposition:
            return _ARTICLE[article] + name
        if (preposition, article) in _CONTRACTED:
            return _CONTRACTED[preposition, article] + name
        if preposition == "de" and article == "none" and name.startswith(_VOWELS):
            return "d'" + name
        return f"{preposition} {_ARTICLE[article]}{name}"

    def translated(self, value: Value | Sentence) -> bool:
        """Whether a value can be written in this language without mixing in another's prose."""
        if self.language == "en":
            return True
        if isinstance(value, Text):
            return not value.prose or bool(value.fr)
        if isinstance(value, Place):
            return not value.needs_fr or bool(value.name_fr)
        if isinstance(value, Names):
            return all(self.translated(item) for item in value.items)
        if isinstance(value, Sentence):
            return all(self.translated(v) for v in value.values.values())
        return True

    def untranslated(self, sentence: Sentence) -> list[str]:
        """The record text of a sentence that has no value in this language (what --check lists)."""
        out: list[str] = []
        for value in sentence.values.values():
            items = value.items if isinstance(value, Names) else (value,)
            out.extend(
                item.value if isinstance(item, Text) else item.name
                for item in items
                if isinstance(item, Text | Place) and not self.translated(item)
            )
        return out

    def number(self, figure: Figure) -> str:
        value = figure.value
        if figure.style in (Style.COUNT, Style.PERCENT) or float(value).is_integer():
            return format_decimal(round(value), locale=self.locale)
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def day(self, value: Day) -> str:
        text = format_date(value.value, format="long", locale=self.locale)
        if self.language == "fr":
            day, _, rest = text.partition(" ")
            # French writes the first of the month as an ordinal, the day bound to its month
            return ("1er" if value.value.day == 1 else day) + NBSP + rest
        return text

    def value(self, value: Value | Sentence) -> str:
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
            return value.fr if self.language == "fr" and value.fr else value.value
        if isinstance(value, Place):
            return self.place(value)
        if isinstance(value, Term):
            return self.term(value.value)
        if isinstance(value, Sentence):
            return "".join(p if isinstance(p, str) else p.text for p in self._parts(value, initial=False))
        items = [self.value(item) for item in value.items]
        return format_list(items, locale=self.locale) if items else ""

    def template(self, sentence: Sentence) -> str:
        if isinstance(sentence.message, tuple):
            counted = sentence.values[sentence.count or ""]
            n = counted.value if isinstance(counted, Figure) else len(getattr(counted, "items", ()))
            return self.plural(sentence.message, n)
        return self(sentence.message)

    def parts(self, sentence: Sentence) -> list[str | FigurePart]:
        """The sentence in this language as literal text and figures, in order; none (the
        sentence is left out) when it would quote record text that has no value in this language."""
        out = self._parts(sentence, initial=True)
        if out and isinstance(out[0], str):  # a sentence opens with a capital, whatever value starts it
            out[0] = out[0][:1].upper() + out[0][1:]
        return out

    def _parts(self, sentence: Sentence, *, initial: bool) -> list[str | FigurePart]:
        if any(not self.translated(v) for v in sentence.values.values()):
            return self._parts(sentence.fallback, initial=initial) if sentence.fallback else []
        out: list[str | FigurePart] = []
        for literal, name, spec, _conv in string.Formatter().parse(self.template(sentence)):
            if literal:
                out.append(self._typography(literal))
            if name is None:
                continue
            try:
                value = sentence.values[name]
            except KeyError:
                raise BluehelmetError(f"the letter's sentence {sentence.message!r} has no value {name!r}") from None
            if isinstance(value, Figure):
                text = self.in_words(value, spec or "")
                out.append(FigurePart(text[:1].upper() + text[1:] if initial and not out else text, value))
            elif isinstance(value, Names):
                out.extend(self._list_parts(value))
            elif isinstance(value, Place):
                out.append(self.place(value, spec or ""))
            else:
                text = self._typography(self.value(value))
                out.append(text[:1].upper() + text[1:] if initial and not out and isinstance(value, Term) else text)
        return out

    def _typography(self, literal: str) -> str:
        if self.language != "fr":
            return literal
        for plain, bound in _FRENCH_SPACES:
            literal = literal.replace(plain, bound)
        return literal

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
            if isinstance(item, Figure):
                out.append(FigurePart(self.in_words(item), item))
            elif isinstance(item, Sentence):
                out.extend(self._parts(item, initial=False))
            else:
                out.append(self._typography(self.value(item)))
        return out

    def text(self, sentence: Sentence) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts(sentence))


def wording(language: str) -> Wording:
    return Wording(language)
