"""One comparison key for place and region names, whatever their spelling conventions.

Field reports, ACLED exports, GeoNames and the mission's own letters write the same place with or
without accents, in any case, with apostrophes, hyphens or spaces between its parts
("Aguel'hoc", "Aguel-hoc", "AGUEL HOC"). Every look-up in this package compares ``normalise(a) ==
normalise(b)``; spellings that differ in their letters ("N'Tillit" and "In-Tellit") are not made
equal here: they are listed as variants in the gazetteer instead.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["normalise"]

# Characters that join or separate the parts of a name but carry no letter. Unicode punctuation
# (category P*) is caught by category; these are the letter-like or symbol-like ones that are not:
# the modifier-letter apostrophes (Hausa, Tamasheq and Bambara transcriptions use them) and the
# spacing accents a keyboard produces when a dead key misfires.
_SEPARATORS = frozenset("\u02bc\u02bb\u02bd\u02b9\u02ca\u02cb`\u00b4^\u00a8\u02dc\u2212+=|~")


def _fold(text: str) -> str:
    # Decompose (é -> e + combining acute; compatibility forms such as ligatures and full-width
    # letters -> their plain letters), drop the combining marks, then fold case. Case folding
    # can itself yield decomposable characters (e.g. "İ" -> "i̇"), hence the caller repeats.
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _is_separator(ch: str) -> bool:
    category = unicodedata.category(ch)
    return ch in _SEPARATORS or category[0] in "PZC" or category == "Sk"


@lru_cache(maxsize=1 << 16)  # files name the same places and actors again and again
def normalise(name: str) -> str:
    """Return the comparison key of a name.

    Contract: the key is case-folded, has no accents or other combining marks, and has every run
    of separators (whitespace, apostrophes, hyphens, underscores, dots, slashes, brackets and
    other punctuation or control characters) replaced by one space, with none at either end. So
    ``normalise("Sévaré") == normalise("SEVARE") == "sevare"`` and ``normalise("Aguel'hoc") ==
    normalise("Aguel hoc") == "aguel hoc"``. Letters outside ASCII that have no decomposition
    (the Bambara "ɔ", "ɛ", "ɲ") are kept, folded to lower case. The function is idempotent:
    ``normalise(normalise(s)) == normalise(s)``. A name made only of separators gives "".
    """
    folded = _fold(name)
    # A second pass reaches the fixed point: the first may expose characters that only fold or
    # decompose once their neighbours have (checked by the property test in the test suite).
    while (again := _fold(folded)) != folded:
        folded = again
    spaced = "".join(" " if _is_separator(ch) else ch for ch in folded)
    return " ".join(spaced.split())
