"""Bring the letter's translation catalogues up to date with the messages in the code.

Usage: python scripts/letter_catalog.py [--check]

Extracts every message marked N_ / Np_ under src/bluehelmet/reporting (Babel's extractor), then
merges them into each locale/<lang>/LC_MESSAGES/bluehelmet.po: new messages arrive untranslated,
messages gone from the code are dropped. With --check it writes nothing and exits 1 when a
catalogue is missing a message or a translation (what the tests check too).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "src" / "bluehelmet" / "reporting"
KEYWORDS = {"N_": None, "Np_": (1, 2)}


def template() -> Catalog:
    catalog = Catalog(project="bluehelmet", domain="bluehelmet")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def main() -> int:
    check = "--check" in sys.argv[1:]
    pot = template()
    missing = 0
    for po_path in sorted(ROOT.glob("locale/*/LC_MESSAGES/bluehelmet.po")):
        language = po_path.parts[-3]
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        catalog.update(pot, no_fuzzy_matching=True)
        untranslated = [
            m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
        ]
        missing += len(untranslated)
        for message_id in untranslated:
            print(f"{language}: untranslated: {message_id!r}")
        if not check:
            catalog.obsolete.clear()
            with po_path.open("wb") as fh:
                write_po(fh, catalog, width=100, omit_header=False, sort_output=False, include_lineno=False)
    print(f"{len(pot)} messages; {missing} untranslated")
    return 1 if check and missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
