"""Deployment tables as units by base: ``bluehelmet import geopko FILE`` and ``bluehelmet import radpko FILE``.

One imported Unit is one contributing country's contingent at one base, for the **latest year
in the file** (the command has no year option; :func:`geopko_rows` and :func:`radpko_rows` take
``year=`` for other callers). It is named "BANGLADESH contingent, Aguelhok" (troops) or
"SENEGAL police, Gao" (police), after the base's name in the mission's gazetteer, so that
importing a newer table (of either layout) updates the same units: the last import gives the
strength, and the provenance says which source, which year, and what the figure is.
``unit_type`` is ``other``: neither table ties a unit type to a contributor; a planner sets it,
and a later import keeps what they set. The load report counts units, not file rows.

- Geo-PKO v2.3 (``TCCMap_v.2.3_*.csv``: ``mission, year, location, latitude, longitude, No.TCC,
  year.overview``): one unit per "Country (size)" of ``year.overview``; the size is Geo-PKO's
  estimate from map symbols; "(size unknown)" leaves the strength empty. Geo-PKO's FrontMap and
  TTMap tables name no contributor and are refused with a pointer to TCCMap.
- RADPKO (``radpko_bases_cc_y.csv``: ``mission, base, year, latitude, longitude, ...`` and per
  country ``<country>_untrp`` and ``<country>_unpol``): a military unit for troops and a police
  unit for police, strength the yearly mean rounded; a mean below 0.5 is no unit. Military
  observers (``_unmob``) are individuals, not contingents, and are not imported.

The base is found by name in the mission's gazetteer (Location records; "Mopti/Sevare" and
"Tombouctou (Timbuktu)" are tried part by part, the nearest to the row's coordinate winning).
A base the mission does not know is added to it, with a warning: from bluehelmet's gazetteer
when that knows the place, else with the file's own coordinate when it lies in the country;
otherwise the row is a problem. Adding beats refusing: a new mission can load its deployments
before anyone has typed its gazetteer, and every addition is reported for a person to check.
The row's coordinate is then checked against the base's: more than ``BASE_DISTANCE_KM`` away is
a warning naming row, column, value and why (RADPKO's Ménaka at longitude -2.40 instead of
+2.40 is one), and the unit is still imported at the base matched by name. A contributing country
missing from the record is created (ISO 3166 code from :data:`COUNTRIES`); a name with no code
there is a problem. A row whose ``mission`` is not the name (or full name) of the mission
imported into is a problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from bluehelmet.domain.errors import Problem
from bluehelmet.domain.places import Location, Mission
from bluehelmet.domain.records import Record
from bluehelmet.domain.units import Component, Unit
from bluehelmet.geography import Boundaries, Gazetteer, distance_km, normalise
from bluehelmet.imports.registry import Importer, register
from bluehelmet.imports.tables import FileProblem, read_table
from bluehelmet.services import records
from bluehelmet.services.loading import Resolver

__all__ = [
    "BASE_DISTANCE_KM",
    "COUNTRIES",
    "GEOPKO",
    "RADPKO",
    "Deployment",
    "convert_deployment",
    "country_code",
    "geopko_rows",
    "radpko_rows",
]

#: How far a table's coordinate may lie from its base in the gazetteer before it is flagged.
#: A camp sits at or next to its town; 25 km is generous for that and far below a wrong sign.
BASE_DISTANCE_KM = 25.0

#: ISO 3166-1 alpha-3 code -> name, for the contributors these tables name (and a few more).
COUNTRIES: Mapping[str, str] = {
    "ALB": "Albania", "BGD": "Bangladesh", "BEL": "Belgium", "BEN": "Benin", "BOL": "Bolivia",
    "BFA": "Burkina Faso", "BDI": "Burundi", "KHM": "Cambodia", "CMR": "Cameroon", "CAN": "Canada",
    "TCD": "Chad", "CHN": "China", "COG": "Congo", "CIV": "Côte d'Ivoire", "COD": "Democratic Republic of the Congo",
    "DNK": "Denmark", "DJI": "Djibouti", "EGY": "Egypt", "SLV": "El Salvador", "EST": "Estonia", "ETH": "Ethiopia",
    "FIN": "Finland", "FRA": "France", "GAB": "Gabon", "GMB": "Gambia", "DEU": "Germany", "GHA": "Ghana",
    "GTM": "Guatemala", "GIN": "Guinea", "IND": "India", "IDN": "Indonesia", "IRL": "Ireland", "ITA": "Italy",
    "JPN": "Japan", "JOR": "Jordan", "KEN": "Kenya", "KOR": "Republic of Korea", "LBR": "Liberia",
    "LTU": "Lithuania", "MWI": "Malawi", "MRT": "Mauritania", "MEX": "Mexico", "MNG": "Mongolia",
    "MNE": "Montenegro", "MAR": "Morocco", "MOZ": "Mozambique", "NAM": "Namibia", "NPL": "Nepal",
    "NLD": "Netherlands", "NER": "Niger", "NGA": "Nigeria", "NOR": "Norway", "PAK": "Pakistan", "PER": "Peru",
    "PHL": "Philippines", "PRT": "Portugal", "ROU": "Romania", "RUS": "Russian Federation", "RWA": "Rwanda",
    "SEN": "Senegal", "SLE": "Sierra Leone", "ZAF": "South Africa", "ESP": "Spain", "LKA": "Sri Lanka",
    "SWE": "Sweden", "CHE": "Switzerland", "TZA": "United Republic of Tanzania", "THA": "Thailand", "TGO": "Togo",
    "TUN": "Tunisia", "UKR": "Ukraine", "GBR": "United Kingdom", "USA": "United States", "URY": "Uruguay",
    "VNM": "Viet Nam", "YUG": "Yugoslavia", "ZMB": "Zambia",
}  # fmt: skip
_ALIASES = {"uk": "GBR", "great britain": "GBR", "korea": "KOR", "south korea": "KOR", "tanzania": "TZA",
            "russia": "RUS", "vietnam": "VNM", "drc": "COD", "dr congo": "COD", "usa": "USA",
            "united states of america": "USA"}  # fmt: skip
_BY_NAME = {**{normalise(name): iso3 for iso3, name in COUNTRIES.items()}, **_ALIASES}
_NO_COUNTRY = {"multinational"}  # Geo-PKO's mixed units: a unit with no contributing country
_TCC = re.compile(r"^(?P<country>.+?)\s*\((?P<size>\d+|size unknown)\)$")
_REGIONAL = {"f", "afr", "asian", "west"}  # RADPKO's subtotal prefixes, not countries
_T = TypeVar("_T")


def country_code(name: str) -> str | None:
    """The ISO 3166 alpha-3 code of a country as these tables write it ("burkina.faso", "UK")."""
    return _BY_NAME.get(normalise(name))


@dataclass(frozen=True)
class Deployment:
    """One contingent read from a table row (a row holds several); ``error`` when a cell of the
    row could not be read, with the ``error_column`` it is in."""

    source: str
    mission: str
    year: int
    base: str
    latitude: float | None
    longitude: float | None
    country: str
    component: Component
    strength: int | None
    note: str  # the unit's provenance: source, year, and what the strength is
    columns: Mapping[str, str]  # what the file calls: base, country, latitude, longitude
    first_of_row: bool = True
    error: str = ""
    error_column: str = ""


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip() not in ("", "NA") else None
    except ValueError:
        return None


def _latest_year(path: Path, check: Any) -> int:
    latest = None
    for number, cells in read_table(path):
        check(path, cells)
        year = _number(cells.get("year", ""))
        if year is None or not year.is_integer():
            raise FileProblem(path, f"column year holds '{cells.get('year', '')}', not a year", row=number)
        latest = max(latest or 0, int(year))
    if latest is None:
        raise FileProblem(path, "has no rows")
    return latest


def _check_geopko(path: Path, cells: Mapping[str, str]) -> None:
    if "year.overview" in cells:
        return
    which = "FrontMap" if "NoTroops" in cells else "TTMap" if "eng" in cells else ""
    why = f"is Geo-PKO's {which} table, which names no contributing country" if which else "is not a Geo-PKO table"
    raise FileProblem(path, f"{why}: import the TCCMap table (its year.overview column lists them)", row=1)


def geopko_rows(path: Path, year: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """The contingents of a Geo-PKO TCCMap table for ``year`` (default: the file's latest)."""
    year = year or _latest_year(path, _check_geopko)
    names = {"base": "location", "country": "year.overview", "latitude": "latitude", "longitude": "longitude"}
    for number, cells in read_table(path):
        _check_geopko(path, cells)
        if _number(cells.get("year", "")) != year:
            continue
        lat, lon = _number(cells.get("latitude", "")), _number(cells.get("longitude", ""))
        pieces = [p.strip() for p in cells.get("year.overview", "").split(",") if p.strip()]
        for i, piece in enumerate(pieces):
            match = _TCC.match(piece)
            size = match.group("size") if match else ""
            strength = "estimated from UN deployment-map symbols" if size.isdigit() else "unknown"
            deployment = Deployment(
                source="Geo-PKO v2.3", mission=cells.get("mission", ""), year=year, base=cells.get("location", ""),
                latitude=lat, longitude=lon, country=match.group("country") if match else piece,
                component=Component.MILITARY, strength=int(size) if size.isdigit() else None,
                note=f"Geo-PKO v2.3 TCCMap, {year}: strength {strength}", columns=names, first_of_row=i == 0,
                error="" if match else f"cannot read '{piece}': Geo-PKO writes 'Country (size)'",
                error_column="year.overview",
            )  # fmt: skip
            yield number, {**cells, "deployment": deployment}


def _check_radpko(path: Path, cells: Mapping[str, str]) -> None:
    if not {"base", "year"} <= cells.keys() or not any(c.endswith("_untrp") for c in cells):
        raise FileProblem(path, "is not a RADPKO bases table (base, year and <country>_untrp columns)", row=1)


def radpko_rows(path: Path, year: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """The contingents of a RADPKO bases table for ``year`` (default: the file's latest)."""
    year = year or _latest_year(path, _check_radpko)
    for number, cells in read_table(path):
        _check_radpko(path, cells)
        if _number(cells.get("year", "")) != year:
            continue
        countries = [c.removesuffix("_untrp") for c in cells if c.endswith("_untrp")]
        first = True
        for country in (c for c in countries if c not in _REGIONAL):
            for component, suffix in ((Component.MILITARY, "_untrp"), (Component.POLICE, "_unpol")):
                column = country + suffix
                text = cells.get(column, "")
                mean = _number(text)
                if mean is None and text.strip() not in ("", "NA"):
                    error = f"'{text}' is not a number of personnel"
                elif mean is None or round(mean) < 1:
                    continue
                else:
                    error = ""
                names = {"base": "base", "country": column, "latitude": "latitude", "longitude": "longitude"}
                deployment = Deployment(
                    source="RADPKO", mission=cells.get("mission", ""), year=year, base=cells.get("base", ""),
                    latitude=_number(cells.get("latitude", "")), longitude=_number(cells.get("longitude", "")),
                    country=country, component=component, strength=round(mean) if mean is not None else None,
                    note=f"RADPKO, {year}: strength is the yearly mean of monthly figures, rounded",
                    columns=names, first_of_row=first, error=error, error_column=column,
                )  # fmt: skip
                first = False
                yield number, {**cells, "deployment": deployment}


@dataclass(frozen=True)
class _Base:
    id: int
    name: str
    latitude: float | None
    longitude: float | None
    sector_id: int | None


@dataclass
class _State:
    mission: Mission
    boundaries: Boundaries | None
    bases: dict[str, _Base | str] = field(default_factory=dict)  # file's base name -> base, or why none


_STATES: WeakKeyDictionary[Resolver, _State] = WeakKeyDictionary()  # one per load, as the Resolver


def _state(resolver: Resolver) -> _State:
    if resolver not in _STATES:
        mission = records.get(resolver.tx, Mission, resolver.mission_id or 0)
        assert isinstance(mission, Mission)
        _STATES[resolver] = _State(mission, Boundaries.load(mission.country_iso3))
    return _STATES[resolver]


def _as_base(location: Record) -> _Base:
    assert isinstance(location, Location) and location.id is not None
    return _Base(location.id, location.name, location.latitude, location.longitude, location.sector_id)


def _names(base: str) -> list[list[str]]:
    """Ways to look a base up, most literal first: "Mopti/Sevare" -> [["Mopti/Sevare"], ["Mopti", "Sevare"]]."""
    parts = [p.strip() for p in re.split(r"[/()]", base) if p.strip()]
    return [[base.strip()], parts] if len(parts) > 1 else [[base.strip()]]


def _nearest(d: Deployment, found: list[_T], where: Callable[[_T], tuple[float | None, float | None]]) -> _T | None:
    """The one item found, or of several the nearest to the row's coordinate (None if it has none)."""
    lat, lon = d.latitude, d.longitude
    if len(found) <= 1 or lat is None or lon is None:
        return found[0] if len(found) == 1 else None

    def km(item: _T) -> float:
        there = where(item)
        return math.inf if there[0] is None or there[1] is None else distance_km(lat, lon, there[0], there[1])

    return min(found, key=km)


def _find_base(d: Deployment, resolver: Resolver, state: _State) -> _Base | str:
    """The base's Location (added to the mission if need be), or why there is none."""
    for names in _names(d.base):
        ids = sorted({i for name in names for i in resolver.find("Location", name)})
        bases = [_as_base(records.get(resolver.tx, Location, i)) for i in ids]
        chosen = _nearest(d, bases, lambda b: (b.latitude, b.longitude))
        if chosen is not None:
            return chosen
        if ids:
            return f"names {len(ids)} places of the mission's gazetteer and the row has no coordinate to choose"
    column = d.columns["base"]
    for names in _names(d.base):
        places = list({id(p): p for name in names for p in Gazetteer.load().match(name)}.values())
        place = _nearest(d, places, lambda p: (p.latitude, p.longitude))
        if place is not None:
            # the mission may know the place by another of its spellings ("Tombouctou" is the
            # mission's "Timbuktu"): that base, not a second place of the same name
            ids = sorted({i for spelling in place.spellings for i in resolver.find("Location", spelling)})
            known = _nearest(d, [_as_base(records.get(resolver.tx, Location, i)) for i in ids],
                             lambda b: (b.latitude, b.longitude))  # fmt: skip
            if known is not None:
                return known
            spellings = {normalise(s) for s in place.spellings}
            variants = [*place.variants, *([d.base.strip()] if normalise(d.base) not in spellings else [])]
            values = {"name": place.name, "kind": place.kind.value, "variants": variants,
                      "latitude": place.latitude, "longitude": place.longitude, "geonames_id": place.geonames_id,
                      "source": f"bluehelmet gazetteer ({place.source.value})"}  # fmt: skip
            resolver.warn(column, d.base, f"added {place.name} to the mission's gazetteer from bluehelmet's")
            return _add_location(resolver, state, values)
    inside = d.latitude is not None and d.longitude is not None and state.boundaries is not None
    if not inside or state.boundaries is None or not state.boundaries.contains(d.latitude or 0, d.longitude or 0):
        return "is in no gazetteer, and the row has no coordinate in the mission's country to add it with"
    name = d.base.strip().title() if d.base.islower() else d.base.strip()
    resolver.warn(column, d.base, f"is in no gazetteer: added as {name} at the file's coordinate; check it")
    values = {"name": name, "latitude": d.latitude, "longitude": d.longitude, "source": f"{d.source} coordinate"}
    return _add_location(resolver, state, values)


def _add_location(resolver: Resolver, state: _State, values: dict[str, Any]) -> _Base:
    location = records.create(resolver.tx, Location, {**values, "mission_id": state.mission.id})
    resolver.remember(location)
    return _as_base(location)


def _check_coordinate(d: Deployment, base: _Base, resolver: Resolver, state: _State) -> None:
    """Warn when the row puts the base far from where the gazetteer has it (never refuse: the
    base was matched by name)."""
    lat, lon, blat, blon = d.latitude, d.longitude, base.latitude, base.longitude
    if lat is None or lon is None or blat is None or blon is None:
        return
    km = distance_km(lat, lon, blat, blon)
    if km <= BASE_DISTANCE_KM:
        return
    reason = f"({lat}, {lon}) is {km:.0f} km from {base.name} in the gazetteer ({blat}, {blon})"
    if state.boundaries is not None:
        here, there = state.boundaries.admin1_at(lat, lon), state.boundaries.admin1_at(blat, blon)
        if here is None:
            reason += f", outside {state.mission.country_iso3}"
        elif here != there:
            reason += f", in {here} region, not {there}"
    column, value = d.columns["latitude"], f"{lat}, {lon}"
    if distance_km(lat, -lon, blat, blon) <= BASE_DISTANCE_KM:
        column, value, reason = d.columns["longitude"], str(lon), reason + "; the longitude's sign looks wrong"
    elif distance_km(-lat, lon, blat, blon) <= BASE_DISTANCE_KM:
        column, value, reason = d.columns["latitude"], str(lat), reason + "; the latitude's sign looks wrong"
    resolver.warn(column, value, reason + f"; the unit is placed at {base.name} as named")


def _country(d: Deployment, resolver: Resolver, problems: list[Problem], who: str) -> tuple[int | None, str]:
    if normalise(d.country) in _NO_COUNTRY:
        return None, d.country.strip()
    iso3 = country_code(d.country)
    if iso3 is None:
        problems.append(Problem(who, d.columns["country"], f"no ISO 3166 code known for '{d.country}'"))
        return None, d.country.strip()
    found = resolver.find("ContributingCountry", iso3)
    if not found:
        created = records.create(resolver.tx, "ContributingCountry", {"iso3": iso3, "name": COUNTRIES[iso3],
                                 "provenance": f"{d.source} import"})  # fmt: skip
        resolver.remember(created)
        found = [created.id or 0]
    return found[0], COUNTRIES[iso3]


def convert_deployment(
    cls: type[Record], row: Mapping[str, Any], resolver: Resolver, who: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The Converter of ``geopko`` and ``radpko``: one contingent at one base as a Unit."""
    d: Deployment = row["deployment"]
    state = _state(resolver)
    problems = [Problem(who, d.error_column, d.error)] if d.error else []
    mission = state.mission
    if normalise(d.mission) not in {normalise(mission.name), normalise(mission.full_name)}:
        problems.append(Problem(who, "mission", f"the row is about {d.mission}, not {mission.name}"))
    if normalise(d.base) not in state.bases:
        state.bases[normalise(d.base)] = _find_base(d, resolver, state)
    base = state.bases[normalise(d.base)]
    if isinstance(base, str):
        problems.append(Problem(who, d.columns["base"], base))
    elif d.first_of_row:
        _check_coordinate(d, base, resolver, state)
    # An unreadable cell names no country to look up: its problem is already reported.
    country_id, country = _country(d, resolver, problems, who) if not d.error else (None, d.country)
    kind = "contingent" if d.component == Component.MILITARY else "police"
    name = f"{country.upper()} {kind}, {base.name if isinstance(base, _Base) else d.base.strip()}"
    values: dict[str, Any] = {"name": name, "component": d.component.value, "country_id": country_id,
                              "deployed_strength": d.strength, "deployment_status": "deployed",
                              "provenance": d.note}  # fmt: skip
    if isinstance(base, _Base):
        values["base_id"] = base.id
        if base.sector_id is not None:
            values["sector_id"] = base.sector_id
    existing = resolver.find("Unit", name)
    unit = records.get(resolver.tx, Unit, existing[0]) if existing else None
    # A planner's unit type survives a later import (the loader needs one to find the unit).
    values["unit_type"] = unit.unit_type.value if isinstance(unit, Unit) else "other"
    return values, problems


GEOPKO = register(Importer("geopko", "Unit", "Geo-PKO v2.3 TCCMap: units by base", geopko_rows, convert_deployment))
RADPKO = register(Importer("radpko", "Unit", "RADPKO bases table: units by base", radpko_rows, convert_deployment))
