"""French everywhere: every vocabulary value a page can show (every StrEnum of ``domain``), every
kind of record and every message of the web catalogue has its French; English spells the
values a reader knows by their letters ("ISR", not "Isr")."""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil

import bluehelmet.domain
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.evaluations import DEFAULT_RATING_SCALE
from bluehelmet.domain.records import entity_fields
from bluehelmet.web.i18n import KIND_LABELS, catalogue, words
from bluehelmet.web.pages.audit import field_label


def _vocabularies() -> list[type[enum.StrEnum]]:
    found = []
    for module_info in pkgutil.iter_modules(bluehelmet.domain.__path__):
        module = importlib.import_module(f"bluehelmet.domain.{module_info.name}")
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, enum.StrEnum) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_every_vocabulary_value_has_its_french() -> None:
    vocabularies = _vocabularies()
    assert len(vocabularies) > 30  # the walk found the domain's enums
    french = catalogue("fr")
    missing = [f"{v.__name__}.{m.name}" for v in vocabularies for m in v
               if (entry := french.get(m.value)) is None or not entry.string or entry.fuzzy]  # fmt: skip
    assert not missing, f"vocabulary values without French in web.po: {missing}"


def test_every_rating_of_the_default_scale_has_its_french() -> None:
    french = catalogue("fr")
    for rating in (*DEFAULT_RATING_SCALE, "not rated"):
        assert (entry := french.get(rating)) is not None and entry.string, rating
    assert words("fr").term("needs_improvement") == "À améliorer"


def test_every_kind_of_record_is_named_in_both_languages() -> None:
    assert {cls.__name__ for cls in ENTITIES} <= set(KIND_LABELS)
    french = catalogue("fr")
    missing = [label for label in KIND_LABELS.values() if (entry := french.get(label)) is None or not entry.string]
    assert not missing
    assert words("en").kind("CapabilityRequirement") == "Capability requirement"
    assert words("fr").kind("CapabilityRequirement") == "Besoin en capacités"


def test_every_message_of_the_catalogue_is_translated() -> None:
    french = catalogue("fr")
    empty = [m.id for m in french if m.id and (not m.string or m.fuzzy or
             (isinstance(m.string, tuple) and not all(m.string)))]  # fmt: skip
    assert len(french) > 500 and not empty, empty


def test_values_are_spelled_as_readers_know_them() -> None:
    en, fr = words("en"), words("fr")
    assert en.term("isr") == "ISR" and en.term("isr_fixed_wing") == "ISR fixed-wing"
    assert en.term("ied_detonated") == "IED detonated" and en.term("Armed clash") == "Armed clash"
    assert fr.term("infantry_battalion") == "Bataillon d'infanterie" and fr.term("Armed clash") == "Affrontement armé"
    assert fr.term("unserviceable") == "Hors d'usage" and en.term("unserviceable") == "Unserviceable"


def test_every_field_of_every_kind_has_a_french_label() -> None:
    french, en = catalogue("fr"), words("en")
    stamps = {"id", "version", "created_at", "created_by", "updated_at", "updated_by"}
    missing = set()
    for cls in ENTITIES:
        for f in entity_fields(cls):
            label = field_label(en, f.name.removesuffix("_fr"))
            if f.name not in stamps and ((entry := french.get(label)) is None or not entry.string):
                missing.add(label)
    assert not missing, sorted(missing)
    assert field_label(words("fr"), "description_fr") == "Description (français)"
