"""The gazetteer: named places of the host country, their spellings and, when known, their coordinates.

The shipped gazetteer (``data/gazetteer.csv``, built by ``scripts/build_gazetteer.py``) holds the
GeoNames towns of Mali and every place named in S/2021/520, with the letter's spellings. Matching
is exact on the normalised form (see ``names.normalise``) of a place's name or of any of its
variants: no fuzzy matching, because a near miss in this country is often another village, and a
wrong coordinate is worse than a place flagged for a human to locate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from bluehelmet.domain.places import LocationKind
from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.geography.names import normalise

__all__ = ["Gazetteer", "Place", "PlaceSource"]


class PlaceSource(StrEnum):
    """Where a gazetteer entry comes from, in the order matching prefers them."""

    LETTER = "letter"  # named in the Secretary-General's letter S/2021/520 (letter_places.csv)
    FIELD = "field"  # known to the mission (variants.yaml) but in neither public source
    GEONAMES = "geonames"  # GeoNames cities500: populated places of 500 or more inhabitants


# The letter's places were checked by hand against the text; a GeoNames homonym was not.
_PREFERENCE = {PlaceSource.LETTER: 0, PlaceSource.FIELD: 1, PlaceSource.GEONAMES: 2}


@dataclass(frozen=True, kw_only=True)
class Place:
    """One named place.

    ``latitude``/``longitude`` are both set or both None (decimal degrees, WGS 84); a place
    with no coordinate stays in the gazetteer so that a record naming it is recognised and
    flagged rather than refused. ``admin1`` is the region as currently named (post-2016:
    "Ménaka", "Taoudénit"), "" when unknown; compare it through ``Boundaries.canonical_admin1``.
    ``coordinate_from`` says which source the coordinate was taken from.
    """

    name: str
    variants: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    admin1: str = ""
    admin2: str = ""
    kind: LocationKind = LocationKind.TOWN
    geonames_id: int | None = None
    source: PlaceSource = PlaceSource.GEONAMES
    coordinate_from: str = ""

    def __post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError(f"{self.name}: give both latitude and longitude, or neither")
        if (
            self.latitude is not None
            and self.longitude is not None
            and not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180)
        ):
            raise ValueError(f"{self.name}: ({self.latitude}, {self.longitude}) is not a coordinate")

    @property
    def geocoded(self) -> bool:
        """Whether the place has a coordinate."""
        return self.latitude is not None

    @property
    def spellings(self) -> tuple[str, ...]:
        """The name, then its variants: everything a record may call the place."""
        return (self.name, *self.variants)


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _place_from_row(row: dict[str, str]) -> Place:
    return Place(
        name=row["name"],
        variants=tuple(v for v in row["variants"].split("|") if v),
        latitude=_optional_float(row["latitude"]),
        longitude=_optional_float(row["longitude"]),
        admin1=row["admin1"],
        admin2=row["admin2"],
        kind=LocationKind(row["kind"]),
        geonames_id=int(row["geonames_id"]) if row["geonames_id"].strip() else None,
        source=PlaceSource(row["source"]),
        coordinate_from=row.get("coordinate_from", ""),
    )


class Gazetteer:
    """A read-only set of places, indexed by every normalised spelling.

    ``boundaries``, when given, lets ``match`` accept a region under any of its names, including
    the pre-2016 frame ("Ménaka" in "Gao"); without it, regions must normalise equal.
    """

    def __init__(self, places: Iterable[Place], *, boundaries: Boundaries | None = None) -> None:
        self._places = tuple(places)
        self._boundaries = boundaries
        self._index: dict[str, list[Place]] = {}
        for place in self._places:
            for key in dict.fromkeys(normalise(s) for s in place.spellings):
                if key:
                    self._index.setdefault(key, []).append(place)
        for found in self._index.values():
            found.sort(key=lambda p: _PREFERENCE[p.source])  # stable: file order within a source

    @classmethod
    def from_csv(cls, text: str, *, boundaries: Boundaries | None = None) -> Gazetteer:
        """Read a gazetteer written in the shipped CSV layout (``coordinate_from`` optional)."""
        return cls((_place_from_row(row) for row in csv.DictReader(io.StringIO(text))), boundaries=boundaries)

    @staticmethod
    def load() -> Gazetteer:
        """The shipped gazetteer of Mali, with Mali's boundaries; read once per process, then shared."""
        return _load_shipped()

    def match(self, name: str, admin1: str | None = None) -> list[Place]:
        """Every place called ``name`` (by its name or a variant, compared normalised).

        Contract: places from the letter come first, then the mission's own, then GeoNames;
        file order within each. With ``admin1``, only places in that region are kept, plus
        places whose region is unknown (nothing says they are elsewhere). A name that
        normalises to "" matches nothing.
        """
        found = self._index.get(normalise(name), [])
        if admin1 is None:
            return list(found)
        return [place for place in found if self._same_region(place.admin1, admin1)]

    def get(self, name: str, admin1: str | None = None) -> Place | None:
        """The one place ``match`` finds, or None when it finds none or several."""
        found = self.match(name, admin1)
        return found[0] if len(found) == 1 else None

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def _same_region(self, known: str, wanted: str) -> bool:
        if not known.strip() or normalise(known) == normalise(wanted):
            return True
        if self._boundaries is None:
            return False
        canonical = self._boundaries.canonical_admin1(known)
        return canonical is not None and canonical == self._boundaries.canonical_admin1(wanted)


@cache
def _load_shipped() -> Gazetteer:
    text = (resources.files("bluehelmet.geography") / "data" / "gazetteer.csv").read_text(encoding="utf-8")
    return Gazetteer.from_csv(text, boundaries=Boundaries.load("MLI"))
