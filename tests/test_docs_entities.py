"""The entity pages in docs/entities cannot drift from the domain model.

Each kind of record has a page naming every field a user sets and every word of every
vocabulary those fields take (a vocabulary shared with another kind, such as the unit types a
capability requirement takes, may instead be listed in full on the page that owns it, if the page
links there); the index links every page; no page outlives its entity.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from enum import StrEnum
from pathlib import Path
from typing import Any

from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.records import Record, entity_fields

DOCS = Path(__file__).parents[1] / "docs" / "entities"
INDEX = DOCS / "README.md"
# A relative link to another page, with an optional anchor: [unit](unit.md#rules).
_LINK = re.compile(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)")


def _path(cls: type[Record]) -> Path:
    return DOCS / f"{entity_name(cls)}.md"


def _page(cls: type[Record]) -> str:
    return _path(cls).read_text(encoding="utf-8")


def _links(text: str) -> list[str]:
    """The pages a page links to, as written (relative to docs/entities)."""
    return _LINK.findall(text)


def _linked_pages(cls: type[Record]) -> list[str]:
    """The other entity pages the entity's page links to (the index is no vocabulary's owner)."""
    own = _path(cls)
    targets = {DOCS / target for target in _links(_page(cls))}
    return [t.read_text(encoding="utf-8") for t in sorted(targets) if t.is_file() and t not in (own, INDEX)]


def _lists(page: str, value: StrEnum) -> bool:
    return f"`{value.value}`" in page


def _documented() -> list[type[Record]]:
    """The kinds that have a page (a missing page is reported once, by its own test)."""
    return [c for c in ENTITIES if _path(c).is_file()]


def _enums_in(tp: Any) -> set[type[StrEnum]]:
    """The StrEnum types inside a type hint, through Optional, unions, lists and dicts."""
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return {tp}
    found: set[type[StrEnum]] = set()
    if typing.get_origin(tp) in (typing.Union, types.UnionType, list, tuple, set, frozenset, dict):
        for arg in typing.get_args(tp):
            found |= _enums_in(arg)
    return found


def _enum_fields(cls: type[Record]) -> dict[str, set[type[StrEnum]]]:
    hints = typing.get_type_hints(cls)
    return {f.name: enums for f in entity_fields(cls) if (enums := _enums_in(hints[f.name]))}


def test_every_entity_has_a_page() -> None:
    missing = [entity_name(c) for c in ENTITIES if not _path(c).is_file()]
    assert not missing, f"no page in {DOCS} for: {', '.join(missing)}"


def test_no_page_without_an_entity() -> None:
    names = {entity_name(c) for c in ENTITIES}
    orphans = sorted(p.name for p in DOCS.glob("*.md") if p != INDEX and p.stem not in names)
    assert not orphans, f"pages for kinds of record that no longer exist: {', '.join(orphans)}"


# Fields every record has (such as provenance) are documented once, on the index page.
_COMMON = {f.name for f in dataclasses.fields(Record)}


def test_every_common_field_is_documented_on_the_index() -> None:
    index = INDEX.read_text(encoding="utf-8")
    missing = [f.name for f in entity_fields(Record) if f"`{f.name}`" not in index]
    assert not missing, f"fields of every record not named on the index page: {', '.join(missing)}"


def test_every_field_is_documented() -> None:
    missing = [
        f"{entity_name(cls)}.{f.name}"
        for cls in _documented()
        for f in entity_fields(cls)
        if f.name not in _COMMON and f"`{f.name}`" not in _page(cls)
    ]
    assert not missing, f"fields not named in backticks on their page: {', '.join(missing)}"


def test_every_vocabulary_value_is_documented() -> None:
    """Every value in backticks on the entity's page, or the whole vocabulary on one page it links to.

    A linked page counts only if it lists the vocabulary in full, so that values scattered over
    pages that merely mention a few of them (unit types named on the capability requirement page)
    do not hide a value missing from the page that owns the vocabulary.
    """
    missing = []
    for cls in _documented():
        page, linked = _page(cls), _linked_pages(cls)
        for name, enums in _enum_fields(cls).items():
            for enum in enums:
                if any(all(_lists(other, value) for value in enum) for other in linked):
                    continue
                missing += [f"{entity_name(cls)}.{name}: {v.value}" for v in enum if not _lists(page, v)]
    assert not missing, (
        "vocabulary values not listed in backticks on their page (nor in full on a page it links to): "
        + ", ".join(missing)
    )


def test_every_page_has_a_title_and_the_sections() -> None:
    incomplete = []
    for cls in _documented():
        text = _page(cls)
        if not text.startswith("# "):
            incomplete.append(f"{entity_name(cls)}: no title")
        incomplete += [
            f"{entity_name(cls)}: no '{heading}' section"
            for heading in ("## Fields", "## Rules", "## Example")
            if heading not in text
        ]
    assert not incomplete, "; ".join(incomplete)


def test_index_links_every_page() -> None:
    index = INDEX.read_text(encoding="utf-8")
    missing = [entity_name(c) for c in ENTITIES if f"({entity_name(c)}.md)" not in index]
    assert not missing, f"{INDEX.name} does not link: {', '.join(missing)}"


def test_links_between_pages_resolve() -> None:
    broken = [
        f"{page.name} -> {target}"
        for page in sorted(DOCS.glob("*.md"))
        for target in _links(page.read_text(encoding="utf-8"))
        if not (DOCS / target).is_file()
    ]
    assert not broken, f"links to pages that do not exist: {', '.join(broken)}"
