"""The mission, its sectors, the administrative areas of the host country and the gazetteer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = ["AdminArea", "AdminLevel", "FrenchArticle", "Location", "LocationKind", "Mission", "Sector"]


class AdminLevel(StrEnum):
    """Administrative levels of the host country (in Mali: région, cercle, commune)."""

    ADMIN1 = "admin1"
    ADMIN2 = "admin2"
    ADMIN3 = "admin3"


class FrenchArticle(StrEnum):
    """The article French puts before a name ("le secteur Centre", "la Mauritanie", "l'Azawad",
    "les Iforas"); none before most towns ("Gao"). The letter contracts it after "à" and "de"."""

    NONE = "none"
    LE = "le"
    LA = "la"
    ELIDED = "l'"
    LES = "les"


class LocationKind(StrEnum):
    TOWN = "town"
    VILLAGE = "village"
    NEIGHBOURHOOD = "neighbourhood"
    CAMP = "camp"
    TEMPORARY_OPERATING_BASE = "temporary_operating_base"
    AIRFIELD = "airfield"
    ROAD = "road"
    AREA = "area"
    OTHER = "other"


@dataclass(kw_only=True)
class Mission(Record):
    """A peacekeeping mission (e.g. MINUSMA) and the area its records must fall in.

    The bounding box, when given, is the check applied to every coordinate entered for the
    mission; a coordinate outside it is refused.
    """

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("name",),)

    name: str
    full_name: str = ""
    country_iso3: str
    mandate: str = ""
    #: The letter's French side and frame (migration 0015): the full name in French, what the
    #: resolution of ``mandate`` asks the letter for (in each language) and who signs it.
    full_name_fr: str = ""
    letter_request: str = ""
    letter_request_fr: str = ""
    signatory: str = ""
    min_latitude: float | None = None
    max_latitude: float | None = None
    min_longitude: float | None = None
    max_longitude: float | None = None


@dataclass(kw_only=True)
class Sector(Record):
    """A military sector of the mission (Sector North, East, Centre, West...)."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)

    mission_id: int = ref("Mission")
    name: str
    #: The name in French ("secteur Centre") and the article French puts before it ("le", "la",
    #: "l'", "les" or none), so the letter can write "dans le secteur Centre", "du secteur Centre".
    name_fr: str = ""
    article_fr: FrenchArticle = FrenchArticle.NONE


@dataclass(kw_only=True)
class AdminArea(Record):
    """An administrative area of the host country: a region (admin-1), a cercle (admin-2)..."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "level", "name", "parent_id"),)

    mission_id: int = ref("Mission")
    level: AdminLevel
    name: str
    pcode: str = ""
    parent_id: int | None = ref("AdminArea", optional=True)


@dataclass(kw_only=True)
class Location(Record):
    """A gazetteer entry: a named place, its other spellings and, when known, its coordinates."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name", "admin1_id", "admin2_id"),)
    mission_id: int = ref("Mission")
    name: str
    kind: LocationKind = LocationKind.TOWN
    variants: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    admin1_id: int | None = ref("AdminArea", optional=True)
    admin2_id: int | None = ref("AdminArea", optional=True)
    sector_id: int | None = ref("Sector", optional=True)
    geonames_id: int | None = None
    source: str = ""
    #: The name in French where it differs ("quartier hydraulique" keeps its name, "Niger River"
    #: becomes "fleuve Niger") and its article (migration 0015).
    name_fr: str = ""
    article_fr: FrenchArticle = FrenchArticle.NONE
