"""The pages' words in English and French: the web's gettext catalogue, read with Babel.

Messages are English in the templates (``{{ _("Incidents") }}``) and in the page modules
(marked with ``N_``); the French catalogue is ``locale/fr/LC_MESSAGES/web.po``, compiled in
memory when first needed (as the letter's catalogue is, ``reporting.wording``). The language of
a request is ``?lang=`` if given, else the ``bluehelmet_lang`` cookie, else the browser's
``Accept-Language``, else English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from io import BytesIO

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.requests import Request

#: What a missing value shows.
NONE = "\u2013"

__all__ = [
    "COOKIE",
    "DOMAIN",
    "KIND_LABELS",
    "LANGUAGES",
    "NONE",
    "N_",
    "SPELLED",
    "Words",
    "catalogue",
    "choose_language",
    "english_term",
    "words",
]

DOMAIN = "web"
#: The languages of the pages and the Babel locale of each.
LANGUAGES = {"en": "en_GB", "fr": "fr_FR"}
COOKIE = "bluehelmet_lang"


#: Vocabulary values whose English is not their value read aloud (``isr`` is "ISR", not "Isr").
SPELLED = {
    "isr": "ISR",
    "isr_fixed_wing": "ISR fixed-wing",
    "counter_ied": "Counter-IED",
    "admin1": "Admin level 1",
    "admin2": "Admin level 2",
    "admin3": "Admin level 3",
    "phase_1": "Phase 1",
    "phase_2": "Phase 2",
    "medical_level_1": "Level 1 medical facility",
    "medical_level_2": "Level 2 hospital",
    "medical_level_3": "Level 3 hospital",
    "aviation_fixed_wing": "Fixed-wing aircraft",
    "unmanned_aerial_system": "Unmanned aerial system (UAS)",
}

#: Each kind of record as a person names it (the catalogue translates these like any message).
KIND_LABELS = {
    "Mission": "Mission",
    "ContributingCountry": "Contributing country",
    "AdminArea": "Admin area",
    "Sector": "Sector",
    "Location": "Location",
    "Unit": "Unit",
    "Operation": "Operation",
    "OperationPhase": "Operation phase",
    "Activity": "Activity",
    "Incident": "Incident",
    "Caveat": "Caveat",
    "CaveatImpact": "Caveat impact",
    "EquipmentItem": "Equipment item",
    "EquipmentStatusChange": "Equipment status change",
    "Inspection": "Inspection",
    "Evaluation": "Evaluation",
    "EvaluationFinding": "Evaluation finding",
    "ImprovementPlan": "Improvement plan",
    "ImprovementAction": "Improvement action",
    "ConvoyNotification": "Convoy notification",
    "ConvoyObservation": "Convoy observation",
    "MovementRestriction": "Movement restriction",
    "CapabilityRequirement": "Capability requirement",
    "InfrastructureProject": "Infrastructure project",
    "ProjectMilestone": "Project milestone",
    "Rotation": "Rotation",
    "OperationalPeriod": "Operational period",
    "TransitionActivity": "Transition activity",
    "JointProgramme": "Joint programme",
    "CoordinationBody": "Coordination body",
    "CoordinationMeeting": "Coordination meeting",
    "Account": "Account",
}


def english_term(value: object) -> str:
    """A vocabulary value as English writes it: spelled out, else read aloud
    (``ied_detonated`` -> ``IED detonated``); a value already in words is kept."""
    text = str(getattr(value, "value", value))
    if text in SPELLED:
        return SPELLED[text]
    if "_" not in text and not text.islower():
        return text
    spaced = " ".join("IED" if word == "ied" else word for word in text.split("_"))
    return spaced[:1].upper() + spaced[1:]


def N_(message: str) -> str:
    """Mark an English message for the catalogue; it is translated when the page is rendered."""
    return message


def catalogue(language: str) -> Catalog:
    """The catalogue of ``language`` as Babel reads it (for the tests and for compiling)."""
    source = resources.files("bluehelmet.web").joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.po")
    with source.open("rb") as po:
        return read_po(po, locale=LANGUAGES[language], domain=DOMAIN)


@cache
def _translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True)
class Words:
    """How one language writes the pages: messages, numbers, shares and dates."""

    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.language])

    def gettext(self, message: str, **values: object) -> str:
        text = _translations(self.language).gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = _translations(self.language).ngettext(singular, plural, n)
        return text.format(n=self.number(n), **values)

    def term(self, value: object) -> str:
        """A vocabulary value (an enum's value) as the language writes it; a value the catalogue
        does not know is shown as readable English (``english_term``)."""
        text = str(getattr(value, "value", value))
        translated = _translations(self.language).gettext(text)
        return translated if translated != text else english_term(text)

    def kind(self, name: str) -> str:
        """A kind of record (``CapabilityRequirement``) as the language names it."""
        return self.gettext(KIND_LABELS.get(name, name))

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return NONE
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def share(self, value: float | None) -> str:
        return NONE if value is None else format_percent(value, locale=self.locale)

    def day(self, value: date | None, style: str = "medium") -> str:
        return NONE if value is None else format_date(value, format=style, locale=self.locale)


def words(language: str) -> Words:
    return Words(language if language in LANGUAGES else "en")


def choose_language(request: Request) -> str:
    """The language of the request: asked for, remembered, or the browser's first known one."""
    for given in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if given in LANGUAGES:
            return given
    accepted = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        accepted.append((weight, tag.split("-")[0].lower()))
    for _weight, tag in sorted(accepted, key=lambda a: -a[0]):
        if tag in LANGUAGES:
            return tag
    return "en"
