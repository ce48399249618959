"""The geography package: spellings, the shipped gazetteer, admin-1 boundaries and the real errors they catch."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from bluehelmet.domain.places import LocationKind
from bluehelmet.geography import (
    SOURCES,
    Boundaries,
    Gazetteer,
    Place,
    PlaceSource,
    attribution_markdown,
    distance_km,
    normalise,
)
from tests.conftest import require_shared_data

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
LETTER_PLACES = SHARED_DATA / "gazetteer-mali" / "letter_places.csv"
DATA = resources.files("bluehelmet.geography") / "data"

# RADPKO's Ménaka base (radpko_bases_cc_y_MINUSMA.csv, 2014-2019): the longitude's sign is wrong.
RADPKO_MENAKA = (15.91301022, -2.40233577199996)


@pytest.fixture(scope="module")
def mali() -> Boundaries:
    boundaries = Boundaries.load("MLI")
    assert boundaries is not None
    return boundaries


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sévaré", "SEVARE"),
        ("Sévaré", "sevare"),
        ("Aguel'hoc", "Aguel hoc"),
        ("Aguel\u2019hoc", "AGUEL-HOC"),
        ("Gourma_Rharous", "Gourma-Rharous"),
        ("  Ké-Macina ", "ke macina"),
        ("Ti-n-Essako", "ti n essako"),
        ("St. Louis", "st louis"),
        ("Niafunké", "NIAFUNKE"),
        ("Ménaka", "Me\u0301naka"),  # composed and decomposed accents
        ("Tombouctou  (Timbuktu)", "tombouctou timbuktu"),
    ],
)
def test_normalise_makes_spellings_that_differ_only_in_form_equal(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_normalise_keeps_spellings_that_differ_in_their_letters_apart() -> None:
    assert normalise("N'Tillit") != normalise("In-Tellit")
    assert normalise("Labbezanga") != normalise("Labezanga")
    assert normalise("Aguel'hoc") == "aguel hoc"
    assert normalise("'-._ ") == ""


_LETTERS = "abcdefghijklmnopqrstuvwxyzæœ"
_ACCENTS = ["", "\u0301", "\u0300", "\u0302", "\u0308", "\u0327", "\u0303"]


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once


@given(st.lists(st.tuples(st.sampled_from(_LETTERS + " '-._"), st.sampled_from(_ACCENTS)), max_size=30))
def test_normalise_ignores_case_and_accents(letters: list[tuple[str, str]]) -> None:
    plain = "".join(letter for letter, _ in letters)
    accented = unicodedata.normalize("NFC", "".join(letter + accent for letter, accent in letters))
    assert normalise(accented) == normalise(plain) == normalise(plain.upper()) == normalise(accented.upper())


# --- gazetteer ---------------------------------------------------------------------------------

VARIANT_GROUPS = [
    ["Labezanga", "Labbezanga", "Labézanga"],
    ["Ogoussagou", "Ogossagou"],
    ["Sévaré", "Sevare"],
    ["In-Tellit", "N'tillit", "Intillit", "In-Tillit"],
    ["Tombouctou", "Timbuktu"],
    ["Aguelhok", "Aguelhoc", "Aguel'hoc"],
    ["Ménaka", "Menaka"],
    ["Taoudénit", "Taoudeni", "Taoudenni"],
    ["Niafunké", "Niafunke", "Niafounké"],
    ["Anefis", "Anéfis"],
    *[[name] for name in ["Tessalit", "Kidal", "Douentza", "Bandiagara", "Sokoura", "Tori", "Soumpi"]],
    *[[name] for name in ["Echefell", "Kerena", "Ber", "Goundam", "Mopti", "Gao", "Ansongo", "Tessit"]],
]


@pytest.mark.parametrize("spellings", VARIANT_GROUPS, ids="/".join)
def test_every_known_spelling_finds_the_same_single_place(gazetteer: Gazetteer, spellings: list[str]) -> None:
    places = {spelling: gazetteer.get(spelling) for spelling in spellings}
    assert None not in places.values(), places
    assert len(set(places.values())) == 1, places


def test_the_letters_places_keep_the_letters_spellings(gazetteer: Gazetteer) -> None:
    letter = {place.name for place in gazetteer if place.source is PlaceSource.LETTER}
    assert {"Labézanga", "Sévaré", "Niafunké", "In-Tellit", "Ogoussagou", "Aguelhok", "Timbuktu"} <= letter
    assert len(letter) == 24


def test_echefell_is_kept_without_a_coordinate(gazetteer: Gazetteer) -> None:
    echefell = gazetteer.get("Echefell")
    assert echefell is not None
    assert not echefell.geocoded
    assert echefell.latitude is None and echefell.longitude is None
    assert echefell.source is PlaceSource.LETTER


def test_no_spelling_names_two_places_in_the_shipped_gazetteer(gazetteer: Gazetteer) -> None:
    seen: dict[str, str] = {}
    for place in gazetteer:
        for spelling in place.spellings:
            key = normalise(spelling)
            assert seen.setdefault(key, place.name) == place.name, f"{spelling!r}: {place.name} and {seen[key]}"


def test_letter_places_are_preferred_and_an_ambiguous_name_has_no_single_place() -> None:
    geonames = Place(name="Tori", latitude=12.0, longitude=-5.0, admin1="Sikasso", source=PlaceSource.GEONAMES)
    letter = Place(name="Tori", latitude=13.62, longitude=-3.71, admin1="Mopti", source=PlaceSource.LETTER)
    unplaced = Place(name="Tori", kind=LocationKind.OTHER, source=PlaceSource.FIELD)
    small = Gazetteer([geonames, unplaced, letter], boundaries=Boundaries.load("MLI"))
    assert small.match("TORI") == [letter, unplaced, geonames]
    assert small.get("Tori") is None
    assert small.match("Tori", admin1="Région de Mopti") == [letter, unplaced]
    assert small.match("Tori", admin1="Kidal") == [unplaced]
    assert small.match("") == [] and small.match("Nowhere") == []
    assert len(small) == 3 and list(small) == [geonames, unplaced, letter]


def test_a_region_matches_under_its_pre_2016_name(gazetteer: Gazetteer) -> None:
    menaka = gazetteer.get("Menaka")
    assert menaka is not None and menaka.admin1 == "Ménaka"
    assert gazetteer.get("Menaka", admin1="Gao") == menaka
    assert gazetteer.get("Taoudeni", admin1="Tombouctou") == gazetteer.get("Taoudenni")
    assert gazetteer.match("Tori", admin1="Kidal") == []


def test_a_place_needs_both_coordinates_or_neither() -> None:
    with pytest.raises(ValueError, match="both"):
        Place(name="Half", latitude=15.0)
    with pytest.raises(ValueError, match="not a coordinate"):
        Place(name="Off", latitude=95.0, longitude=0.0)
    with pytest.raises(ValueError, match="not a coordinate"):
        Place(name="NaN", latitude=math.nan, longitude=0.0)


# --- boundaries --------------------------------------------------------------------------------


def test_only_shipped_countries_load() -> None:
    assert Boundaries.load("FRA") is None
    assert Boundaries.load(" mli ") is Boundaries.load("MLI")


def test_the_shipped_map_is_natural_earths_nine_units(mali: Boundaries) -> None:
    assert mali.admin1_names() == sorted(
        ["Bamako", "Gao", "Kayes", "Kidal", "Koulikoro", "Mopti", "Sikasso", "Ségou", "Timbuktu"]
    )
    assert mali.later_regions() == {"Ménaka": "Gao", "Taoudénit": "Timbuktu"}


@pytest.mark.parametrize(
    ("spelling", "region"),
    [
        ("Menaka", "Gao"),
        ("Ménaka", "Gao"),
        ("MENAKA", "Gao"),
        ("Taoudeni", "Timbuktu"),
        ("Taoudénit", "Timbuktu"),
        ("Tombouctou", "Timbuktu"),
        ("Segou", "Ségou"),
        ("Région de Mopti", "Mopti"),
        ("Kidal Region", "Kidal"),
        ("District de Bamako", "Bamako"),
        ("ML-7", "Gao"),
        ("Wassoulou", None),  # Natural Earth's French name for Sikasso, refused on purpose
        ("Niamey", None),
        ("", None),
    ],
)
def test_canonical_admin1_maps_every_spelling_to_a_shipped_region(
    mali: Boundaries, spelling: str, region: str | None
) -> None:
    assert mali.canonical_admin1(spelling) == region


def test_a_later_region_resolves_to_the_region_that_contains_its_seat(mali: Boundaries, gazetteer: Gazetteer) -> None:
    for later, shipped in mali.later_regions().items():
        seat = gazetteer.get(later)
        assert seat is not None and seat.latitude is not None and seat.longitude is not None
        assert mali.admin1_at(seat.latitude, seat.longitude) == shipped == mali.canonical_admin1(later)


def _letter_rows() -> list[dict[str, str]]:
    require_shared_data(LETTER_PLACES)
    with LETTER_PLACES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_place_of_the_letter_lies_in_the_region_the_source_names(mali: Boundaries) -> None:
    rows = [row for row in _letter_rows() if row["latitude"]]
    assert len(rows) == 23
    for row in rows:
        found = mali.admin1_at(float(row["latitude"]), float(row["longitude"]))
        assert found is not None and found == mali.canonical_admin1(row["admin1"]), row["letter_name"]


def test_every_geocoded_place_of_the_gazetteer_lies_in_its_region(mali: Boundaries, gazetteer: Gazetteer) -> None:
    for place in gazetteer:
        if place.latitude is not None and place.longitude is not None:
            expected = mali.canonical_admin1(place.admin1)
            assert mali.admin1_at(place.latitude, place.longitude) == expected, place.name


def test_towns_and_foreign_points(mali: Boundaries) -> None:
    assert mali.admin1_at(16.27, -0.04) == "Gao"
    assert mali.admin1_at(14.96, 0.70) == "Gao"  # Labézanga, 1.6 km from the Niger border
    for latitude, longitude in [(13.51, 2.11), (48.85, 2.35), (math.nan, 0.0), (0.0, math.inf)]:
        assert not mali.contains(latitude, longitude)
        assert mali.admin1_at(latitude, longitude) is None


def test_contains_allows_about_one_kilometre_beyond_the_border(mali: Boundaries) -> None:
    collection = json.loads((DATA / "admin1.geojson").read_text(encoding="utf-8"))
    country = shapely.union_all([shapely.from_geojson(json.dumps(f["geometry"])) for f in collection["features"]])
    # Mali's easternmost vertex: moving due east from it leaves the country by exactly that far.
    longitude, latitude = max(shapely.get_coordinates(country).tolist())
    per_km = 1 / (111.32 * math.cos(math.radians(latitude)))
    assert mali.contains(latitude, longitude + 0.5 * per_km)
    assert mali.admin1_at(latitude, longitude + 0.5 * per_km) == mali.admin1_at(latitude, longitude - 0.01)
    assert not mali.contains(latitude, longitude + 5 * per_km)


@given(
    st.lists(
        st.tuples(st.floats(9.5, 25.5) | st.just(math.nan), st.floats(-12.8, 4.8)),
        max_size=50,
    )
)
def test_admin1_at_many_agrees_with_admin1_at(points: list[tuple[float, float]]) -> None:
    mali = Boundaries.load("MLI")
    assert mali is not None
    assert mali.admin1_at_many(points) == [mali.admin1_at(lat, lon) for lat, lon in points]


def test_radpko_menaka_sign_error_is_caught(mali: Boundaries, gazetteer: Gazetteer) -> None:
    """RADPKO writes the Ménaka base at longitude -2.40 instead of +2.40.

    The wrong point is still in Mali, so a country check alone lets it through; it is in the
    wrong region and far from the gazetteer's Ménaka, which is how an importer flags it.
    """
    latitude, longitude = RADPKO_MENAKA
    menaka = gazetteer.get("Ménaka")
    assert menaka is not None and menaka.latitude is not None and menaka.longitude is not None
    assert mali.contains(latitude, longitude)
    assert mali.admin1_at(latitude, longitude) != mali.canonical_admin1("Ménaka") == "Gao"
    assert distance_km(latitude, longitude, menaka.latitude, menaka.longitude) > 400
    # The corrected sign puts the base in Ménaka town.
    assert mali.admin1_at(latitude, -longitude) == "Gao"
    assert distance_km(latitude, -longitude, menaka.latitude, menaka.longitude) < 2


# --- distance, shipped files, attribution ------------------------------------------------------


def test_distance_km() -> None:
    assert distance_km(16.27, -0.04, 16.27, -0.04) == 0
    assert distance_km(0, 0, 1, 0) == pytest.approx(111.19, abs=0.01)
    assert distance_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0088)
    assert distance_km(12.65, -8.0, 16.27, -0.04) == pytest.approx(distance_km(16.27, -0.04, 12.65, -8.0))
    assert distance_km(0, 179.5, 0, -179.5) == pytest.approx(111.19, abs=0.01)


def test_the_shipped_boundaries_are_small() -> None:
    size = len((DATA / "admin1.geojson").read_bytes())
    assert size < 400_000, f"admin1.geojson is {size:,} bytes"


def test_the_shipped_data_is_what_the_build_script_makes() -> None:
    require_shared_data(SHARED_DATA)
    spec = importlib.util.spec_from_file_location("build_gazetteer", ROOT / "scripts" / "build_gazetteer.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for path, text in build.outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run scripts/build_gazetteer.py"


def test_the_attribution_names_every_source_and_its_licence() -> None:
    text = attribution_markdown()
    assert text == (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for source in SOURCES:
        assert source.name in text and source.terms in text, source
    assert "GeoNames" in text and "CC BY 4.0" in text
    assert "Natural Earth" in text and "public domain" in text
    # docs/geography.md's "About the data" repeats the shipped text word for word, one level down.
    body = text[text.index("\n## ") + 1 :].replace("## ", "### ")
    docs = (ROOT / "docs" / "geography.md").read_text(encoding="utf-8")
    assert body in docs, "docs/geography.md's 'About the data' differs from data/ATTRIBUTION.md"
